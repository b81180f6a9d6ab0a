"""Texts sent with Telegram's HTML parse mode (issue 10 item 11): the booking code tap-to-copy.

Most texts are sent plain (no parse mode), so nothing a user typed can be taken for
markup. A text that needs markup — the booking code in ``<code>``, which Telegram
copies with one tap — is an :class:`Html` string: built only by :func:`html_lines`
and :func:`code`, which escape every value they are given (unit and contact names,
reasons, anything typed), and sent with ``parse_mode="HTML"`` by whoever sends it
(:func:`parse_mode`). A plain ``str`` is never sent as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Final

HTML: Final = "HTML"


class Html(str):
    """A text whose markup is meant and whose values are escaped: send it with parse mode HTML."""

    __slots__ = ()


def escape(value: object) -> str:
    """A value made safe inside HTML text (``<``, ``>``, ``&`` and quotes)."""
    return html.escape(str(value), quote=False)


def code(value: str) -> str:
    """A value shown as ``<code>`` (monospace, copied with one tap)."""
    return f"<code>{escape(value)}</code>"


def html_lines(lines: Iterable[str | Html], *, marked: Iterable[str] = ()) -> Html:
    """Join lines into one Html text: plain lines are escaped, Html lines kept as they are.

    ``marked`` values (the booking code) are then wrapped in ``<code>`` wherever they
    appear in the escaped plain lines.
    """
    out = []
    for line in lines:
        if isinstance(line, Html):
            out.append(str(line))
            continue
        text = escape(line)
        for value in marked:
            text = text.replace(escape(value), code(value))
        out.append(text)
    return Html("\n".join(out))


def parse_mode(text: str) -> str | None:
    """``"HTML"`` for an Html text, None (plain) for any other."""
    return HTML if isinstance(text, Html) else None


def plain(text: str) -> str:
    """What an Html text reads as (tags dropped, entities resolved); a plain text as it is."""
    if not isinstance(text, Html):
        return text
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))
