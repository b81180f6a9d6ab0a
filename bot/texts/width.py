"""How much of a phone's width a button label takes (issue 10 item 4).

A 360 px wide phone screen shows an inline keyboard row of about 32 narrow
characters: a button in a row of four has room for about four Chinese characters,
one in a row of two for about eight. Widths are counted in *units*: a wide character
(CJK ideographs and punctuation, fullwidth forms, emoji) is 2 units, anything else 1
(combining marks 0; an emoji variation selector makes the character before it wide).

=================  ==========  ============================
buttons in a row   units each  e.g.
=================  ==========  ============================
1                  30          「下一步，即将完成预约」 (20)
2                  16          「12/2 上午 可预约」 (16)
3                  10          「上午 已满」 (10)
4                  8           「新办 +」 (6)
=================  ==========  ============================

More than four buttons never fit in a row. Every keyboard a clerk sees is checked
against this table by a test that walks the clerk's screens.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Final

ROW_BUDGET: Final = {1: 30, 2: 16, 3: 10, 4: 8}
MAX_PER_ROW: Final = max(ROW_BUDGET)
_EMOJI_PRESENTATION: Final = "\ufe0f"


def label_width(label: str) -> int:
    """The label's width in units (wide characters 2, others 1)."""
    width = 0
    previous_narrow = False
    for ch in label:
        if ch == _EMOJI_PRESENTATION:
            width += 1 if previous_narrow else 0
            previous_narrow = False
            continue
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        width += 2 if wide else 1
        previous_narrow = not wide
    return width


def budget(buttons_in_row: int) -> int:
    """Units each button of a row of ``buttons_in_row`` may take (0: the row is too long)."""
    return ROW_BUDGET.get(buttons_in_row, 0)


def too_wide(row: Iterable[str]) -> list[str]:
    """The labels of one keyboard row that do not fit a phone's width."""
    labels = list(row)
    room = budget(len(labels))
    return [label for label in labels if label_width(label) > room]
