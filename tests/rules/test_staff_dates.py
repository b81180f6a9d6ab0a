"""The one parser of staff dates and ranges: every format, the year rule, every refusal."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.staff_dates import (
    DATE_BAD,
    RANGE_BACKWARDS,
    RANGE_BAD,
    DateInputError,
    parse_date,
    parse_date_range,
)

NOV_20 = date(2026, 11, 20)
DEC_1 = date(2026, 12, 1)


@pytest.mark.parametrize(("text", "today", "expected"), [
    ("2026-12-02", DEC_1, date(2026, 12, 2)),
    ("2026/12/2", DEC_1, date(2026, 12, 2)),
    ("2026.12.2", DEC_1, date(2026, 12, 2)),
    ("20261202", DEC_1, date(2026, 12, 2)),
    ("2027年1月4日", DEC_1, date(2027, 1, 4)),
    ("2026年 12月 2号", DEC_1, date(2026, 12, 2)),
    ("２０２６－１２－０２", DEC_1, date(2026, 12, 2)),
    (" 12-02 ", DEC_1, date(2026, 12, 2)),
    ("12/2", DEC_1, date(2026, 12, 2)),
    ("12.2", DEC_1, date(2026, 12, 2)),
    ("12月2日", DEC_1, date(2026, 12, 2)),
    ("12月2号", DEC_1, date(2026, 12, 2)),
    # a date without a year is the next such date, today included
    ("12月1日", DEC_1, date(2026, 12, 1)),
    ("11月30日", DEC_1, date(2027, 11, 30)),
    ("2月7日", NOV_20, date(2027, 2, 7)),  # typed in November: next February, not "past"
    ("1-4", date(2026, 12, 28), date(2027, 1, 4)),
    ("2月29日", DEC_1, date(2028, 2, 29)),  # the next leap day
    ("2月29日", date(2028, 1, 10), date(2028, 2, 29)),
    ("今天", DEC_1, DEC_1),
    ("明天", DEC_1, date(2026, 12, 2)),
    ("后天", date(2026, 12, 31), date(2027, 1, 2)),
    ("昨天", DEC_1, date(2026, 11, 30)),
    # an explicit past date stays in the past (the command decides whether it may)
    ("2026-11-02", DEC_1, date(2026, 11, 2)),
])
def test_parse_date(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", DATE_BAD), ("明年", DATE_BAD), ("2026-12", DATE_BAD), ("12", DATE_BAD), ("hello", DATE_BAD),
    ("2026-02-30", "没有2026年2月30日这一天，请检查后重新输入。"),
    ("2月30日", "没有2月30日这一天，请检查后重新输入。"),
    ("13月1日", "没有13月1日这一天，请检查后重新输入。"),
    ("20261340", "没有2026年13月40日这一天，请检查后重新输入。"),
])
def test_parse_date_refusals(text: str, message: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date(text, DEC_1)
    assert caught.value.message == message


@pytest.mark.parametrize(("text", "today", "expected"), [
    ("2026-12-02", DEC_1, (date(2026, 12, 2), date(2026, 12, 2))),
    ("12月2日", DEC_1, (date(2026, 12, 2), date(2026, 12, 2))),
    ("12月 2日", DEC_1, (date(2026, 12, 2), date(2026, 12, 2))),
    ("2026-12-01..2026-12-05", DEC_1, (date(2026, 12, 1), date(2026, 12, 5))),
    ("12-1~12-3", DEC_1, (date(2026, 12, 1), date(2026, 12, 3))),
    ("12-1～12-3", DEC_1, (date(2026, 12, 1), date(2026, 12, 3))),
    ("12月1日至12月5日", DEC_1, (date(2026, 12, 1), date(2026, 12, 5))),
    ("12月1日到12月5日", DEC_1, (date(2026, 12, 1), date(2026, 12, 5))),
    ("2026-12-01 — 2026-12-05", DEC_1, (date(2026, 12, 1), date(2026, 12, 5))),
    ("2026-12-01 - 2026-12-05", DEC_1, (date(2026, 12, 1), date(2026, 12, 5))),
    ("2026-11-01 2026-11-30", DEC_1, (date(2026, 11, 1), date(2026, 11, 30))),
    ("2026-11-01，2026-12-01", DEC_1, (date(2026, 11, 1), date(2026, 12, 1))),
    ("2026-11-1 至 2026-11-30", DEC_1, (date(2026, 11, 1), date(2026, 11, 30))),
    # the end without a year is the first such date on or after the start
    ("12月28日至1月3日", DEC_1, (date(2026, 12, 28), date(2027, 1, 3))),
    ("2026-11-20..1-4", DEC_1, (date(2026, 11, 20), date(2027, 1, 4))),
    ("2026-11-20..11-30", DEC_1, (date(2026, 11, 20), date(2026, 11, 30))),
    ("今天至明天", DEC_1, (DEC_1, date(2026, 12, 2))),
])
def test_parse_date_range(text: str, today: date, expected: tuple[date, date]) -> None:
    assert parse_date_range(text, today) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", RANGE_BAD), ("上个月", RANGE_BAD), ("2026-12-01..x", DATE_BAD), ("1..2..3", RANGE_BAD),
    ("2026-12-05..2026-12-01", RANGE_BACKWARDS), ("2026-12-07 2026-12-01", RANGE_BACKWARDS), ("明天至今天", RANGE_BACKWARDS),
    ("2026-11-31 2026-12-01", RANGE_BAD),
    ("2026-02-30", "没有2026年2月30日这一天，请检查后重新输入。"),
    ("12月1日至2月30日", "没有2月30日这一天，请检查后重新输入。"),
])
def test_parse_date_range_refusals(text: str, message: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date_range(text, DEC_1)
    assert caught.value.message == message
