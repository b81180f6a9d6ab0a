"""Statistics of a date range for the staff console (/stats, SPEC §11).

* bookings by state, counted by appointment date;
* minutes booked against capacity: booked are the minutes of the bookings that hold
  capacity (待完善信息, 待办理, 已办理, 未到); capacity is the sum, over the working
  days of the range that the centre did not close, of every session's capacity (the
  staff override, else counters × session length), closed sessions counting nothing;
* no-show rate: 未到 / (已办理 + 未到);
* satisfaction: the average rating (1 非常不满意 … 5 非常满意) and how many of each,
  for bookings dated in the range.

The computations are pure functions over rows; ``period_stats`` reads the rows in
one snapshot and applies them.
"""

from __future__ import annotations

import calendar as _month_calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.rules.capacity import SessionSpec, SlotUsage, availability
from bot.rules.states import CAPACITY_STATES, BookingState
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.db import Database

RATINGS = (1, 2, 3, 4, 5)
MAX_RANGE_DAYS = 366
COMMENTS_SHOWN = 10


@dataclass(frozen=True)
class RatingComment:
    """A clerk's comment on a served booking (满意度评价), with where and how it was rated."""

    day: date
    unit: str
    rating: int
    comment: str


@dataclass(frozen=True)
class Stats:
    """The numbers /stats shows for [start, end]."""

    start: date
    end: date
    by_state: dict[BookingState, int]
    booked_minutes: int
    working_days: int
    capacity_minutes: int
    ratings: dict[int, int]
    comments: list[RatingComment] = field(default_factory=list)  # the newest, up to COMMENTS_SHOWN
    comment_count: int = 0  # every comment of the range

    @property
    def total_bookings(self) -> int:
        """Bookings of every state."""
        return sum(self.by_state.values())

    @property
    def utilisation(self) -> float | None:
        """Booked minutes / capacity, or None without capacity."""
        return self.booked_minutes / self.capacity_minutes if self.capacity_minutes else None

    @property
    def no_show_rate(self) -> float | None:
        """未到 / (已办理 + 未到), or None when nobody was due yet."""
        return no_show_rate(self.by_state)

    @property
    def rating_count(self) -> int:
        """How many bookings were rated."""
        return sum(self.ratings.values())

    @property
    def average_rating(self) -> float | None:
        """The mean rating, or None when nothing was rated."""
        return average_rating(self.ratings)


# ---------------------------------------------------------------- pure computations


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


# ---------------------------------------------------------------- use case


async def period_stats(db: Database, bookings: BookingService, start: date, end: date) -> Stats:
    """Read the bookings, capacity and ratings of [start, end] in one snapshot and sum them up."""
    async with db.read() as conn:
        cal = await bookings.calendar(conn)
        closed = await repo.closed_dates(conn, start, end)
        days = working_days(start, end, cal.is_workday, closed)
        usage = await repo.slot_usage(conn, days)
        rows = await repo.booking_totals_between(conn, start, end)
        ratings = await repo.rating_counts_between(conn, start, end)
        comment_count, comments = await repo.rating_comments_between(conn, start, end, COMMENTS_SHOWN)
    return Stats(
        start=start,
        end=end,
        by_state=state_counts(rows),
        booked_minutes=booked_minutes(rows),
        working_days=len(days),
        capacity_minutes=capacity_minutes(days, bookings.sessions, usage, bookings.settings.bot_counters),
        ratings=rating_distribution(ratings),
        comments=[RatingComment(date.fromisoformat(d), unit, rating, text) for d, unit, rating, text in comments],
        comment_count=comment_count,
    )
