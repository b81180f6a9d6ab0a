"""Dates and date ranges typed by staff: one parser for every staff command (SPEC §11).

A date is any of

    2026-12-02  2026/12/2  2026.12.2  20261202  2026年12月2日(号)
    12-02  12/2  12.2  12月2日(号)              — no year: the next such date
    今天  明天  后天  昨天                       — relative to ``today``

with full-width digits and stray spaces tolerated. A date without a year is the
next such date counted from ``today`` (today included): typed in November, 「2月7日」
is next February; 「2月29日」 is the next leap day.

A range is two dates joined by ``..``, ``~``, ``～``, ``至``, ``到``, ``—``, ``–``, a comma,
`` - `` (with spaces) or plain spaces; one date alone is the range of that day. The end
of a range without a year is the first such date on or after the start, so that
「12月28日至1月3日」 crosses the year. An end before the start is refused.

Every refusal is a ``DateInputError`` whose message is the Chinese text staff see.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.errors import DateInputError

EXAMPLES = "2026-12-02、12月2日、12-2、20261202、今天、明天"
RANGE_EXAMPLES = "12月1日至12月5日、2026-12-01..2026-12-05、12-1~12-5"
DATE_BAD = f"日期格式不正确，请输入如 {EXAMPLES} 的日期。"
RANGE_BAD = f"日期格式不正确，请输入一个日期，或如 {RANGE_EXAMPLES} 的日期范围。"
RANGE_BACKWARDS = "结束日期不能早于开始日期。"

RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "昨天": -1, "昨日": -1}
_RANGE_SEPARATORS = re.compile(r"\.\.|…|~|～|至|到|—|–|,|，|、|\s+-\s+")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９／．－　", "0123456789/.- ")
_WITH_YEAR = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NO_YEAR = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")


def _normalise(text: str) -> str:
    return text.translate(_FULL_WIDTH).strip()


def _no_year(month: int, day: int, after: date) -> date | None:
    """The first ``month``/``day`` on or after ``after`` (None if it never exists)."""
    for year in range(after.year, after.year + 9):  # a leap day is at most 8 years away
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= after:
            return found
    return None


def _missing(month: int, day: int, year: int | None = None) -> DateInputError:
    where = f"{year}年" if year is not None else ""
    return DateInputError(f"没有{where}{month}月{day}日这一天，请检查后重新输入。")


def _parse(text: str, today: date, after: date) -> date:
    raw = _normalise(text)
    if raw in RELATIVE:
        return today + timedelta(days=RELATIVE[raw])
    for pattern in (_WITH_YEAR, _COMPACT):
        match = pattern.fullmatch(raw)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise _missing(month, day, year) from None
    match = _NO_YEAR.fullmatch(raw)
    if match:
        month, day = (int(g) for g in match.groups())
        found = _no_year(month, day, after) if 1 <= month <= 12 else None
        if found is None:
            raise _missing(month, day)
        return found
    raise DateInputError(DATE_BAD)


def parse_date(text: str, today: date) -> date:
    """One typed date (see the module docstring); raises DateInputError."""
    return _parse(text, today, today)


def parse_date_range(text: str, today: date) -> tuple[date, date]:
    """A typed range or single date as (start, end), start ≤ end; raises DateInputError."""
    raw = _normalise(text)
    parts = [p for p in _RANGE_SEPARATORS.split(raw) if p.strip()]
    if len(parts) == 2:
        return _range(parts[0], parts[1], today)
    if len(parts) != 1 or _RANGE_SEPARATORS.search(raw):
        raise DateInputError(RANGE_BAD)
    halves = raw.split()
    if len(halves) == 2:  # 「2026-11-01 2026-11-30」: two dates side by side
        try:
            start = parse_date(halves[0], today)
            end = _parse(halves[1], today, start)
        except DateInputError:
            pass  # 「12月 2日」: one date with a space
        else:
            return _ordered(start, end)
    try:
        day = parse_date(raw, today)
    except DateInputError as err:
        raise DateInputError(RANGE_BAD if err.message == DATE_BAD else err.message) from None
    return day, day


def _range(first: str, second: str, today: date) -> tuple[date, date]:
    start = parse_date(first, today)
    return _ordered(start, _parse(second, today, start))


def _ordered(start: date, end: date) -> tuple[date, date]:
    if end < start:
        raise DateInputError(RANGE_BACKWARDS)
    return start, end
