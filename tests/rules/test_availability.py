"""How a session of the window looks to a clerk (bot.rules.availability), pure."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.availability import is_working_weekend, level
from bot.rules.capacity import DEFAULT_SESSIONS, Availability

AM = DEFAULT_SESSIONS[0]


@pytest.mark.parametrize(("capacity", "used", "closed", "minutes", "expected"), [
    (540, 0, False, 15, "free"),
    (540, 404, False, 15, "free"),      # 136 left: more than a quarter
    (540, 405, False, 15, "tight"),     # 135 left: a quarter
    (540, 525, False, 15, "tight"),     # exactly fits
    (540, 526, False, 15, "full"),      # does not fit this basket
    (540, 526, False, 10, "tight"),     # but fits a smaller one
    (60, 0, False, 60, "free"),         # a small session wholly free
    (540, 0, True, 15, "closed"),       # staff closed it
    (0, 0, False, 5, "full"),           # no capacity
])
def test_level(capacity: int, used: int, closed: bool, minutes: int, expected: str) -> None:
    assert level(Availability(date(2026, 12, 2), AM, capacity, used, closed), minutes) == expected


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 12, 5), True), (date(2026, 12, 6), True), (date(2026, 12, 4), False), (date(2026, 12, 7), False),
])
def test_working_weekend(day: date, expected: bool) -> None:
    assert is_working_weekend(day) is expected
