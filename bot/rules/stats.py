"""Statistics as pure computations over rows (SPEC §11): ranges, capacity, rates."""

from __future__ import annotations

import calendar as _month_calendar
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta

from bot.rules.capacity import SessionSpec, SlotUsage, availability
from bot.rules.states import CAPACITY_STATES, BookingState

RATINGS = (1, 2, 3, 4, 5)
MAX_RANGE_DAYS = 366


def month_range(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s calendar month."""
    last = _month_calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def previous_month_range(day: date) -> tuple[date, date]:
    """The first and last day of the month before ``day``'s."""
    return month_range(day.replace(day=1) - timedelta(days=1))


def range_problem(start: date, end: date) -> str | None:
    """Why [start, end] is not a usable range, or None."""
    if end < start:
        return "结束日期不能早于开始日期。"
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        return f"统计范围不能超过{MAX_RANGE_DAYS}天。"
    return None


def working_days(start: date, end: date, is_workday: Callable[[date], bool], closed: Iterable[date]) -> list[date]:
    """The working days in [start, end] that the centre did not close."""
    shut = set(closed)
    days = []
    day = start
    while day <= end:
        if is_workday(day) and day not in shut:
            days.append(day)
        day += timedelta(days=1)
    return days


def capacity_minutes(
    days: Iterable[date],
    sessions: Iterable[SessionSpec],
    usage: Mapping[tuple[date, str], SlotUsage],
    counters: int,
) -> int:
    """Total capacity of ``days`` × ``sessions``; a closed session offers nothing."""
    return sum(cell.capacity for cell in availability(days, sessions, usage, counters) if not cell.closed)


def state_counts(rows: Iterable[tuple[BookingState, int, int]]) -> dict[BookingState, int]:
    """Bookings per state (every state present, zero when none) from (state, count, minutes) rows."""
    counts = {state: 0 for state in BookingState}
    for state, count, _ in rows:
        counts[state] += count
    return counts


def booked_minutes(rows: Iterable[tuple[BookingState, int, int]]) -> int:
    """Minutes of the bookings that hold capacity, from (state, count, minutes) rows."""
    return sum(minutes for state, _, minutes in rows if state in CAPACITY_STATES)


def no_show_rate(by_state: Mapping[BookingState, int]) -> float | None:
    """未到 / (已办理 + 未到), or None when the denominator is zero."""
    no_show = by_state.get(BookingState.NO_SHOW, 0)
    due = by_state.get(BookingState.SERVED, 0) + no_show
    return no_show / due if due else None


def rating_distribution(counts: Mapping[int, int]) -> dict[int, int]:
    """Counts for every rating 1..5 (zero when none)."""
    return {rating: counts.get(rating, 0) for rating in RATINGS}


def average_rating(distribution: Mapping[int, int]) -> float | None:
    """The mean of a rating distribution, or None when empty."""
    total = sum(distribution.values())
    return sum(r * n for r, n in distribution.items()) / total if total else None
