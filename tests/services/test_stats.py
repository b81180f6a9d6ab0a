"""bot.services.stats: the pure sums, and period_stats on a real, migrated, seeded SQLite file.

The seeded week, 2026-12-01 (Tue) … 2026-12-07 (Mon):

    working days  1, 2, 3, 5 (Saturday made a working day), 7   — 4 Dec closed by the centre
    capacity      default 540 (上午) + 630 (下午) = 1170 a day;  2 Dec 上午 set to 100;  3 Dec 下午 closed
                  1170 + (100 + 630) + 540 + 1170 + 1170 = 4780
    bookings      served 30, 60, 45 · no-show 15 · pending 20 · incomplete 25 · cancelled 10 ·
                  released 5 · revoked 15                                    → booked 195 minutes
    ratings       5, 3, 4 (the served ones)                                  → average 4.0
plus one served booking on 30 Nov (rated 1) and one pending on 8 Dec, outside the week.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.rules.capacity import DEFAULT_SESSIONS, SlotUsage
from bot.rules.states import BookingState as S
from bot.rules.stats import (
    average_rating,
    booked_minutes,
    capacity_minutes,
    month_range,
    no_show_rate,
    previous_month_range,
    range_problem,
    rating_distribution,
    state_counts,
    working_days,
)
from bot.services.booking import BookingService
from bot.services.stats import period_stats
from bot.storage.db import Database
from tests.support.stats import seed

WEEK = (date(2026, 12, 1), date(2026, 12, 7))

# (date, unit, session, minutes, state, rating)


@pytest.fixture
def bookings(db: Database, settings: Settings, clock: ManualClock) -> BookingService:
    return BookingService(db, settings, clock)


async def test_period_stats_on_a_seeded_week(db: Database, bookings: BookingService, clock: ManualClock) -> None:
    await seed(db, clock.now())
    stats = await period_stats(db, bookings, *WEEK)
    assert stats.by_state == {
        S.INCOMPLETE: 1, S.PENDING: 1, S.SERVED: 3, S.NO_SHOW: 1, S.CANCELLED: 1, S.RELEASED: 1, S.REVOKED: 1,
    }
    assert stats.total_bookings == 9
    assert stats.booked_minutes == 195
    assert stats.working_days == 5
    assert stats.capacity_minutes == 4780
    assert stats.utilisation == pytest.approx(195 / 4780)
    assert stats.no_show_rate == pytest.approx(0.25)
    assert stats.ratings == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert stats.rating_count == 3 and stats.average_rating == pytest.approx(4.0)


async def test_period_stats_of_an_empty_range(db: Database, bookings: BookingService, clock: ManualClock) -> None:
    await seed(db, clock.now())
    stats = await period_stats(db, bookings, date(2026, 12, 12), date(2026, 12, 13))  # a weekend
    assert stats.total_bookings == 0 and stats.working_days == 0 and stats.capacity_minutes == 0
    assert stats.utilisation is None and stats.no_show_rate is None and stats.average_rating is None


async def test_period_stats_counts_the_range_inclusively(
    db: Database, bookings: BookingService, clock: ManualClock
) -> None:
    await seed(db, clock.now())
    november = await period_stats(db, bookings, *month_range(date(2026, 11, 15)))
    assert november.total_bookings == 1 and november.ratings[1] == 1 and november.average_rating == 1.0
    december = await period_stats(db, bookings, *month_range(date(2026, 12, 1)))
    assert december.total_bookings == 10 and december.by_state[S.PENDING] == 2


def test_pure_sums() -> None:
    rows = [(S.SERVED, 2, 40), (S.NO_SHOW, 1, 15), (S.CANCELLED, 3, 45), (S.PENDING, 1, 60)]
    assert state_counts(rows)[S.SERVED] == 2 and state_counts(rows)[S.REVOKED] == 0
    assert booked_minutes(rows) == 40 + 15 + 60
    assert no_show_rate(state_counts(rows)) == pytest.approx(1 / 3)
    assert no_show_rate({S.CANCELLED: 4}) is None
    assert rating_distribution({5: 2, 1: 1}) == {1: 1, 2: 0, 3: 0, 4: 0, 5: 2}
    assert average_rating({1: 1, 2: 0, 3: 0, 4: 0, 5: 2}) == pytest.approx(11 / 3)
    assert average_rating({}) is None


def test_working_days_and_capacity() -> None:
    days = working_days(date(2026, 12, 1), date(2026, 12, 7), lambda d: d.weekday() < 5, [date(2026, 12, 2)])
    assert days == [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7)]
    usage = {(date(2026, 12, 1), "am"): SlotUsage(capacity=0), (date(2026, 12, 3), "pm"): SlotUsage(closed=True)}
    # 4 days × (180 + 210) minutes × 2 counters, minus 1 Dec 上午 (0) and 3 Dec 下午 (closed)
    assert capacity_minutes(days, DEFAULT_SESSIONS, usage, 2) == 4 * 780 - 360 - 420


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 15), (date(2026, 12, 1), date(2026, 12, 31))),
        (date(2028, 2, 10), (date(2028, 2, 1), date(2028, 2, 29))),
        (date(2027, 2, 28), (date(2027, 2, 1), date(2027, 2, 28))),
    ],
)
def test_month_range(day: date, expected: tuple[date, date]) -> None:
    assert month_range(day) == expected


def test_previous_month_crosses_the_year() -> None:
    assert previous_month_range(date(2027, 1, 20)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_range_problem() -> None:
    assert range_problem(date(2026, 12, 1), date(2026, 12, 1)) is None
    assert "早于" in (range_problem(date(2026, 12, 2), date(2026, 12, 1)) or "")
    assert "366" in (range_problem(date(2026, 1, 1), date(2027, 1, 2)) or "")
