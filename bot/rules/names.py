"""Names staff type for others to read — unit names and staff names (SPEC §9, §11).

A name is shown in messages, buttons, exports and spreadsheets, so it may not carry
control or invisible format characters (a newline or a right-to-left override in a
unit name would reshape every screen it appears on). Runs of spaces are folded to
one; the length is counted after that.
"""

from __future__ import annotations

import unicodedata

from bot.errors import InvalidName

# Cc control, Cf format (zero-width, bidi overrides), Cs/Co/Cn, line and paragraph separators
_FORBIDDEN_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a control, format or separator character (ordinary spaces allowed)."""
    return any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in text)


def check_name(text: str, *, what: str, min_len: int, max_len: int) -> str:
    """The name with its spaces folded; raises InvalidName (what: 单位名称, 姓名 …)."""
    if has_control_characters(text):
        raise InvalidName(f"{what}不能包含换行、制表符或其他控制字符，请重新输入。")
    name = " ".join(text.split(" "))
    name = " ".join(name.split())
    if len(name) < min_len:
        raise InvalidName(f"{what}至少{min_len}个字，请重新输入。" if name else f"{what}不能为空，请重新输入。")
    if len(name) > max_len:
        raise InvalidName(f"{what}最多{max_len}个字，请重新输入。")
    return name
