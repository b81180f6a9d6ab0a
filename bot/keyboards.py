"""Inline buttons and keyboards, shared by the handlers and by what the bot sends on its own;
and ``NO_PREVIEWS``, the link-preview option every text message is sent with.

A button is built once here, either as a telegram ``InlineKeyboardButton`` (handlers)
or as plain data — ``(label, callback data)`` rows — that a service can put in the
outbox without importing ``telegram``; ``markup`` turns plain rows into a keyboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.callbacks import pack

PlainButton = tuple[str, str]  # (label, callback data)
PlainRows = Sequence[Sequence[PlainButton]]


@lru_cache(maxsize=8192)
def button(label: str, ns: str, action: str, *args: Any) -> InlineKeyboardButton:
    """One inline button with packed callback data.

    Buttons are immutable, and the same ones are drawn on every panel of every
    clerk: each is built once and shared (building one is costly in PTB).
    """
    return InlineKeyboardButton(label, callback_data=pack(ns, action, *args))


def notice_button(label: str, ns: str, action: str, *args: Any) -> InlineKeyboardButton:
    """A button for a message the bot sends on its own: its press opens a new panel (``show``)."""
    return InlineKeyboardButton(label, callback_data=pack(ns, action, *args, notice=True))


def keyboard(*rows: list[InlineKeyboardButton] | InlineKeyboardButton | None) -> InlineKeyboardMarkup:
    """An inline keyboard from rows (a single button is a row of one; None rows are skipped).

    The same panels are drawn for every clerk: each distinct keyboard is built, and
    turned into Bot API JSON, once (``_Keyboard``).
    """
    return _keyboard(tuple((r,) if isinstance(r, InlineKeyboardButton) else tuple(r) for r in rows if r))


# Every field of a button but its label and callback data: a button with none of them set
# is written straight to JSON (``_button_json``), any other one the way PTB writes it.
_OTHER_FIELDS = tuple(sorted(set(InlineKeyboardButton.__slots__) - {"text", "callback_data"}))


def _button_json(b: InlineKeyboardButton) -> dict[str, Any]:
    """A button's Bot API form: PTB's generic ``to_dict`` costs ~20 µs a button, this ~1 µs."""
    if type(b.callback_data) is str and not b.api_kwargs and all(getattr(b, f) is None for f in _OTHER_FIELDS):
        return {"text": b.text, "callback_data": b.callback_data}
    return b.to_dict()


class _Keyboard(InlineKeyboardMarkup):
    """An inline keyboard that computes its Bot API form once (it is immutable), and quickly."""

    __slots__ = ("_as_dict",)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive or self.api_kwargs:
            return super().to_dict(recursive)
        try:
            return self._as_dict
        except AttributeError:
            with self._unfrozen():
                self._as_dict: dict[str, Any] = {
                    "inline_keyboard": [[_button_json(b) for b in row] for row in self.inline_keyboard]}
            return self._as_dict


@lru_cache(maxsize=4096)
def _keyboard(rows: tuple[tuple[InlineKeyboardButton, ...], ...]) -> InlineKeyboardMarkup:
    return _Keyboard(rows)


def plain(label: str, ns: str, action: str, *args: Any, notice: bool = False) -> PlainButton:
    """A button as plain data (for the outbox); ``notice`` as for ``notice_button``."""
    return (label, pack(ns, action, *args, notice=notice))


def markup(rows: PlainRows | None) -> InlineKeyboardMarkup | None:
    """The keyboard of plain rows (None when there are none)."""
    built = [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows or () if row]
    return _Keyboard(built) if built else None


class _NoPreviews(LinkPreviewOptions):
    """Link-preview options turned into Bot API JSON once, not on every message sent."""

    __slots__ = ("_as_dict",)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive)
        try:
            return dict(self._as_dict)
        except AttributeError:
            with self._unfrozen():
                self._as_dict: dict[str, Any] = super().to_dict(recursive)
            return dict(self._as_dict)


# No link previews: the notice's URLs must not unfurl. Every sendMessage and
# editMessageText passes it (a test checks every one the handler tests make): PTB's
# ``Defaults`` would do the same, but it re-examines every argument of every call.
NO_PREVIEWS = _NoPreviews(is_disabled=True)
