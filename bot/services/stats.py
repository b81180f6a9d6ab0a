"""Statistics of a date range for the staff console (/stats, SPEC §11).

* bookings by state, counted by appointment date;
* minutes booked against capacity: booked are the minutes of the bookings that hold
  capacity (待完善信息, 待办理, 已办理, 未到); capacity is the sum, over the working
  days of the range that the centre did not close, of every session's capacity (the
  staff override, else counters × session length), closed sessions counting nothing;
* no-show rate: 未到 / (已办理 + 未到);
* satisfaction: the average rating (1 非常不满意 … 5 非常满意) and how many of each,
  for bookings dated in the range.

The computations are pure functions over rows (``bot/rules/stats.py``); ``period_stats``
reads the rows in one snapshot and applies them.
"""

from __future__ import annotations

from datetime import date

from bot.read_models import RatingComment, Stats
from bot.rules.stats import booked_minutes, capacity_minutes, rating_distribution, state_counts, working_days
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.db import Database

COMMENTS_SHOWN = 10  # the newest satisfaction comments /stats lists


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
