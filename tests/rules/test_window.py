"""Tests for bot.rules.window: opening hours, the 5-working-day window, change deadlines.

Real dates throughout: 国庆 2026 (10-01..10-07, 调休 Sunday 09-20 and Saturday
10-10), 春节 2026 (02-15..02-23, 调休 Saturdays 02-14 and 02-28), 劳动节 2026
(05-01..05-05, 调休 Saturday 05-09), the 2025→2026 year end (调休 Sunday 01-04) and
the 2026→2027 year end, where 2027 comes from the law.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.rules.calendar import TZ, DayKind, WorkCalendar
from bot.rules.window import (
    OPEN_HOUR,
    WINDOW_WORKDAYS,
    bookable_dates,
    booking_open,
    can_change,
    change_deadline,
    next_opening,
)

CAL = WorkCalendar()


def bj(y: int, m: int, d: int, hh: int = 10, mm: int = 0, ss: int = 0) -> datetime:
    """Return a Beijing-time instant."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


def dates(text: str) -> list[date]:
    """Return the ISO dates in ``text``, in order."""
    return [date.fromisoformat(part) for part in text.split()]


def test_constants() -> None:
    assert (OPEN_HOUR, WINDOW_WORKDAYS) == (9, 5)


# --- opening hours ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "is_open", "opening"),
    [
        (bj(2026, 9, 29, 8, 59, 59), False, bj(2026, 9, 29, 9)),
        (bj(2026, 9, 29, 9, 0, 0), True, bj(2026, 9, 29, 9)),
        (bj(2026, 9, 29, 0, 0), False, bj(2026, 9, 29, 9)),
        (bj(2026, 9, 29, 23, 59, 59), True, bj(2026, 9, 29, 23, 59, 59)),
        # 国庆: closed all day for the whole period, open again on 10-08
        (bj(2026, 10, 1, 10), False, bj(2026, 10, 8, 9)),
        (bj(2026, 10, 1, 23, 59), False, bj(2026, 10, 8, 9)),
        (bj(2026, 10, 7, 23, 59), False, bj(2026, 10, 8, 9)),
        (bj(2026, 9, 30, 23, 59), True, bj(2026, 9, 30, 23, 59)),
        # ordinary weekends are open
        (bj(2026, 11, 28, 10), True, bj(2026, 11, 28, 10)),
        (bj(2026, 11, 29, 8), False, bj(2026, 11, 29, 9)),
        # 春节 2026
        (bj(2026, 2, 14, 22), True, bj(2026, 2, 14, 22)),
        (bj(2026, 2, 15, 10), False, bj(2026, 2, 24, 9)),
        (bj(2026, 2, 23, 12), False, bj(2026, 2, 24, 9)),
        # 劳动节 2026
        (bj(2026, 5, 1, 10), False, bj(2026, 5, 6, 9)),
        (bj(2026, 5, 5, 23, 59), False, bj(2026, 5, 6, 9)),
        # year ends
        (bj(2025, 12, 31, 23), True, bj(2025, 12, 31, 23)),
        (bj(2026, 1, 1, 10), False, bj(2026, 1, 4, 9)),
        (bj(2026, 12, 31, 23, 30), True, bj(2026, 12, 31, 23, 30)),
        (bj(2027, 1, 1, 10), False, bj(2027, 1, 2, 9)),  # computed: only 1 Jan is statutory
        # computed 春节 2027 (02-05..02-08)
        (bj(2027, 2, 4, 8), False, bj(2027, 2, 4, 9)),
        (bj(2027, 2, 5, 10), False, bj(2027, 2, 9, 9)),
    ],
)
def test_opening_hours(now: datetime, is_open: bool, opening: datetime) -> None:
    assert booking_open(now, CAL) is is_open
    assert next_opening(now, CAL) == opening
    assert next_opening(now, CAL).tzinfo is TZ


def test_next_opening_is_bounded_when_overrides_close_everything() -> None:
    start = date(2027, 1, 1)
    all_holiday: dict[date, DayKind] = {start + timedelta(days=i): "holiday" for i in range(500)}
    with pytest.raises(LookupError, match="overrides"):
        next_opening(bj(2027, 1, 1), WorkCalendar(overrides=all_holiday))


# --- bookable dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # before 国庆: the 调休 Saturday 10-10 counts, 10-11 (Sunday) does not
        (bj(2026, 9, 29, 10), dates("2026-09-30 2026-10-08 2026-10-09 2026-10-10 2026-10-12")),
        (bj(2026, 9, 29, 9), dates("2026-09-30 2026-10-08 2026-10-09 2026-10-10 2026-10-12")),
        (bj(2026, 9, 29, 8, 59, 59), []),
        (bj(2026, 10, 3, 10), []),
        (bj(2026, 10, 8, 9), dates("2026-10-09 2026-10-10 2026-10-12 2026-10-13 2026-10-14")),
        # 调休 Sunday before 国庆 counts
        (bj(2026, 9, 18, 10), dates("2026-09-20 2026-09-21 2026-09-22 2026-09-23 2026-09-24")),
        # an ordinary Saturday is open; the window starts on Monday
        (bj(2026, 11, 28, 10), dates("2026-11-30 2026-12-01 2026-12-02 2026-12-03 2026-12-04")),
        # 春节 2026, with the 调休 Saturdays on either side
        (bj(2026, 2, 13, 10), dates("2026-02-14 2026-02-24 2026-02-25 2026-02-26 2026-02-27")),
        (bj(2026, 2, 14, 10), dates("2026-02-24 2026-02-25 2026-02-26 2026-02-27 2026-02-28")),
        (bj(2026, 2, 20, 10), []),
        # 劳动节 2026
        (bj(2026, 4, 30, 10), dates("2026-05-06 2026-05-07 2026-05-08 2026-05-09 2026-05-11")),
        # 2025 → 2026: 元旦 01-01..01-03, 调休 Sunday 01-04
        (bj(2025, 12, 30, 10), dates("2025-12-31 2026-01-04 2026-01-05 2026-01-06 2026-01-07")),
        # 2026 → 2027: 2027 comes from the law; 元旦 2027-01-01 is skipped
        (bj(2026, 12, 28, 10), dates("2026-12-29 2026-12-30 2026-12-31 2027-01-04 2027-01-05")),
        (bj(2026, 12, 31, 23, 59), dates("2027-01-04 2027-01-05 2027-01-06 2027-01-07 2027-01-08")),
        # computed 春节 2027 (除夕 02-05 .. 初三 02-08)
        (bj(2027, 2, 3, 10), dates("2027-02-04 2027-02-09 2027-02-10 2027-02-11 2027-02-12")),
    ],
)
def test_bookable_dates(now: datetime, expected: list[date]) -> None:
    assert bookable_dates(now, CAL) == expected


def test_year_end_window_uses_the_computed_rule() -> None:
    for day in bookable_dates(bj(2026, 12, 28, 10), CAL):
        if day.year == 2027:
            assert CAL.describe(day).source == "computed"


WEEK = "2026-11-30 2026-12-01 2026-12-02 2026-12-03 2026-12-04"


@pytest.mark.parametrize(
    ("closed", "expected"),
    [
        ((), dates(WEEK)),
        (set(dates("2026-12-01")), dates("2026-11-30 2026-12-02 2026-12-03 2026-12-04")),
        (dates("2026-11-30 2026-12-04"), dates("2026-12-01 2026-12-02 2026-12-03")),
        # closures outside the window change nothing
        (frozenset(dates("2026-12-07 2026-11-29")), dates(WEEK)),
        (set(dates(WEEK)), []),
    ],
)
def test_closed_dates_drop_out_without_extending_the_window(
    closed: Collection[date], expected: list[date]
) -> None:
    assert bookable_dates(bj(2026, 11, 28, 10), CAL, closed) == expected


# --- overrides reach the window -----------------------------------------------------


def test_workday_override_on_a_2027_saturday_enters_the_window() -> None:
    cal = WorkCalendar(overrides={date(2027, 2, 20): "workday"})
    now = bj(2027, 2, 18, 10)
    plain = dates("2027-02-19 2027-02-22 2027-02-23 2027-02-24 2027-02-25")
    assert bookable_dates(now, CAL) == plain
    assert bookable_dates(now, cal) == dates("2027-02-19 2027-02-20 2027-02-22 2027-02-23 2027-02-24")


def test_holiday_override_on_a_weekday_closes_booking_and_leaves_the_window() -> None:
    day = date(2027, 3, 10)  # Wednesday
    cal = WorkCalendar(overrides={day: "holiday"})
    assert not booking_open(bj(2027, 3, 10, 10), cal)
    assert bookable_dates(bj(2027, 3, 10, 10), cal) == []
    assert next_opening(bj(2027, 3, 10, 10), cal) == bj(2027, 3, 11, 9)
    assert day not in bookable_dates(bj(2027, 3, 9, 10), cal)
    assert len(bookable_dates(bj(2027, 3, 9, 10), cal)) == WINDOW_WORKDAYS


def test_off_override_is_a_day_off_but_booking_stays_open() -> None:
    day = date(2027, 3, 10)
    cal = WorkCalendar(overrides={day: "off"})
    assert booking_open(bj(2027, 3, 10, 10), cal)
    assert bookable_dates(bj(2027, 3, 10, 10), cal)[0] == date(2027, 3, 11)
    assert day not in bookable_dates(bj(2027, 3, 9, 10), cal)


# --- change deadline ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("appointment", "deadline"),
    [
        (date(2026, 10, 12), bj(2026, 10, 11, 0)),  # Monday after a 调休 Saturday
        (date(2026, 10, 8), bj(2026, 10, 1, 0)),  # after 国庆: 09-30 24:00
        (date(2026, 10, 9), bj(2026, 10, 9, 0)),
        (date(2026, 11, 30), bj(2026, 11, 28, 0)),  # Monday: Friday 24:00
        (date(2026, 2, 24), bj(2026, 2, 15, 0)),  # after 春节: the 调休 Saturday 02-14
        (date(2026, 5, 6), bj(2026, 5, 1, 0)),  # after 劳动节: 04-30 24:00
        (date(2026, 1, 5), bj(2026, 1, 5, 0)),  # after the 调休 Sunday 01-04
        (date(2026, 1, 4), bj(2026, 1, 1, 0)),  # over 元旦 into 2025
        (date(2027, 1, 4), bj(2027, 1, 1, 0)),  # over computed 元旦 into 2026
        (date(2027, 2, 9), bj(2027, 2, 5, 0)),  # after computed 春节
    ],
)
def test_change_deadline(appointment: date, deadline: datetime) -> None:
    assert change_deadline(appointment, CAL) == deadline
    assert change_deadline(appointment, CAL).tzinfo is TZ
    before = deadline - timedelta(seconds=1)
    assert can_change(before, appointment, CAL)
    assert not can_change(deadline, appointment, CAL)
    assert not can_change(deadline + timedelta(days=1), appointment, CAL)


def test_can_change_accepts_utc() -> None:
    appointment = date(2026, 10, 12)
    assert can_change(datetime(2026, 10, 10, 15, 59, 59, tzinfo=UTC), appointment, CAL)
    assert not can_change(datetime(2026, 10, 10, 16, 0, 0, tzinfo=UTC), appointment, CAL)


# --- time zones ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "beijing",
    [
        bj(2026, 9, 29, 10),
        bj(2026, 9, 29, 8, 59, 59),
        bj(2026, 9, 29, 9),
        bj(2026, 10, 1, 7, 30),  # 2026-09-30 23:30 UTC: already 国庆 in Beijing
        bj(2026, 12, 31, 23, 59),
        bj(2027, 1, 1, 0, 30),
    ],
)
def test_utc_now_gives_the_same_answer(beijing: datetime) -> None:
    utc = beijing.astimezone(UTC)
    assert booking_open(utc, CAL) is booking_open(beijing, CAL)
    assert bookable_dates(utc, CAL) == bookable_dates(beijing, CAL)
    assert next_opening(utc, CAL) == next_opening(beijing, CAL)
    assert next_opening(utc, CAL).tzinfo is TZ


def test_utc_evening_is_next_morning_in_beijing() -> None:
    # 01:00 UTC is 09:00 in Beijing: the UTC date alone would mislead.
    assert not booking_open(datetime(2026, 9, 29, 0, 59, tzinfo=UTC), CAL)
    assert booking_open(datetime(2026, 9, 29, 1, 0, tzinfo=UTC), CAL)
    assert not booking_open(datetime(2026, 9, 30, 16, 0, tzinfo=UTC), CAL)


@pytest.mark.parametrize(
    "call",
    [
        lambda now: booking_open(now, CAL),
        lambda now: next_opening(now, CAL),
        lambda now: bookable_dates(now, CAL),
        lambda now: can_change(now, date(2026, 10, 12), CAL),
    ],
    ids=["booking_open", "next_opening", "bookable_dates", "can_change"],
)
def test_naive_now_is_refused(call: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 9, 29, 10))  # type: ignore[operator]


# --- every day of 2026 and 2027 -----------------------------------------------------

_YEAR_CLOSURES = frozenset(
    set(dates("2026-03-11 2026-10-09 2026-12-31 2027-01-04 2027-06-08"))
)
_OVERRIDES: dict[date, DayKind] = {
    date(2027, 2, 9): "holiday",
    date(2027, 2, 20): "workday",
    date(2027, 10, 4): "holiday",
    date(2027, 10, 9): "workday",
    date(2027, 3, 10): "off",
}


@pytest.mark.parametrize(
    "cal", [CAL, WorkCalendar(overrides=_OVERRIDES)], ids=["plain", "overrides"]
)
@pytest.mark.parametrize("year", [2026, 2027])
@pytest.mark.parametrize("hour", [8, 9, 23])
def test_window_invariants_over_a_whole_year(cal: WorkCalendar, year: int, hour: int) -> None:
    today = date(year, 1, 1)
    while today.year == year:
        now = bj(today.year, today.month, today.day, hour, 30)
        window = bookable_dates(now, cal)
        is_open = booking_open(now, cal)
        assert is_open is (hour >= OPEN_HOUR and not cal.is_statutory_holiday(today))

        opening = next_opening(now, cal)
        assert opening >= now and booking_open(opening, cal)
        if is_open:
            assert opening == now

        if not is_open:
            assert window == []
        else:
            assert len(window) == WINDOW_WORKDAYS
            assert all(cal.is_workday(d) for d in window)
            assert window[0] > today
            assert all(a < b for a, b in zip(window, window[1:]))
            # No working day between tomorrow and the window's end is skipped.
            span = (window[-1] - today).days
            between = [today + timedelta(days=i) for i in range(1, span + 1)]
            assert [d for d in between if cal.is_workday(d)] == window

            trimmed = bookable_dates(now, cal, _YEAR_CLOSURES)
            assert trimmed == [d for d in window if d not in _YEAR_CLOSURES]
            assert len(trimmed) == WINDOW_WORKDAYS - len(_YEAR_CLOSURES.intersection(window))

            for appointment in window:
                deadline = change_deadline(appointment, cal)
                assert deadline <= bj(appointment.year, appointment.month, appointment.day, 0)
                assert cal.is_workday((deadline - timedelta(days=1)).date())
        today += timedelta(days=1)
