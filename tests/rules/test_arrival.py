"""Tests for bot.rules.arrival: suggested arrival times, late marks, the 未到 offer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.rules.arrival import (
    DayMark,
    Queued,
    arrival_times,
    average_wait,
    counters,
    day_mark,
    latest_arrival,
    may_move_earlier,
    no_show_candidates,
    suggested_time,
)
from bot.rules.capacity import DEFAULT_SESSIONS
from bot.rules.states import BookingState
from bot.rules.tz import TZ

AM, PM = DEFAULT_SESSIONS
AM_CAP = AM.default_capacity(3)  # 540 minutes: 3 counters × 180
PM_CAP = PM.default_capacity(3)  # 630
DAY = date(2026, 12, 3)


def q(*minutes: int, promised: dict[int, time] | None = None) -> list[Queued]:
    promised = promised or {}
    return [Queued(i + 1, m, promised.get(i + 1)) for i, m in enumerate(minutes)]


def at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def test_the_first_booking_comes_at_the_session_start() -> None:
    assert arrival_times(AM, AM_CAP, q(60), may_move_earlier=True) == {1: time(9, 0)}
    assert arrival_times(PM, PM_CAP, q(15), may_move_earlier=True) == {1: time(13, 30)}


def test_queue_order_decides_the_time() -> None:
    # 60 minutes each over 3 counters: 20 minutes per booking ahead.
    times = arrival_times(AM, AM_CAP, q(60, 60, 60, 60, 60), may_move_earlier=True)
    assert times == {1: time(9, 0), 2: time(9, 15), 3: time(9, 30), 4: time(10, 0), 5: time(10, 15)}
    # The same bookings in another order get other times: the order is the queue's.
    reordered = [Queued(5, 60, None), Queued(1, 60, None)]
    assert arrival_times(AM, AM_CAP, reordered, may_move_earlier=True) == {5: time(9, 0), 1: time(9, 15)}


@pytest.mark.parametrize(
    ("capacity", "before", "expected"),
    [
        (540, 135, time(9, 45)),  # 3 counters: 45 minutes
        (360, 135, time(10, 0)),  # 2 counters: 67.5 → 60
        (180, 140, time(11, 15)),  # 1 counter: 140 → 135
        (900, 135, time(9, 15)),  # 5 counters: 27 → 15
        (60, 140, time(11, 15)),  # less than one counter's worth still counts as one counter
    ],
)
def test_counters_divide_the_minutes_before(capacity: int, before: int, expected: time) -> None:
    assert suggested_time(AM, capacity, before) == expected


def test_counters_are_capacity_over_length_at_least_one() -> None:
    assert counters(AM, 540) == 3
    assert counters(AM, 270) == 1.5
    assert counters(AM, 0) == 1


@pytest.mark.parametrize(
    ("before", "expected"),
    [(0, time(9, 0)), (42, time(9, 0)), (44, time(9, 0)), (45, time(9, 15)), (89, time(9, 15)),
     (90, time(9, 30)), (134, time(9, 30)), (135, time(9, 45))],
)
def test_rounded_down_to_a_quarter_hour(before: int, expected: time) -> None:
    assert suggested_time(AM, AM_CAP, before) == expected


def test_rounding_in_a_session_starting_on_the_half_hour() -> None:
    assert suggested_time(PM, PM_CAP, 60) == time(13, 45)  # 20 minutes → 15
    assert suggested_time(PM, PM_CAP, 90) == time(14, 0)  # 30 minutes


def test_never_after_the_session_end() -> None:
    assert latest_arrival(AM) == time(11, 45)
    assert latest_arrival(PM) == time(16, 45)
    # Capacity raised far above the counters' length: the queue runs past noon.
    assert suggested_time(AM, 540, 600) == time(11, 45)
    times = arrival_times(AM, 180, q(60, 60, 60, 60), may_move_earlier=True)
    assert times == {1: time(9, 0), 2: time(10, 0), 3: time(11, 0), 4: time(11, 45)}


def test_a_leaving_booking_moves_later_ones_earlier() -> None:
    queue = q(60, 60, 60, 60)
    told = arrival_times(AM, AM_CAP, queue, may_move_earlier=True)
    assert told == {1: time(9, 0), 2: time(9, 15), 3: time(9, 30), 4: time(10, 0)}
    # Booking 2 cancels: the rest keep their order, 3 and 4 move earlier.
    left = [Queued(b.booking_id, b.minutes, told[b.booking_id]) for b in queue if b.booking_id != 2]
    assert arrival_times(AM, AM_CAP, left, may_move_earlier=True) == {1: time(9, 0), 3: time(9, 15), 4: time(9, 30)}


def test_on_the_day_a_leaving_booking_moves_nobody() -> None:
    promised = {1: time(9, 0), 3: time(9, 30), 4: time(10, 0)}
    left = q(60, 0, 60, 60, promised=promised)
    left = [b for b in left if b.booking_id != 2]
    assert arrival_times(AM, AM_CAP, left, may_move_earlier=False) == promised
    assert may_move_earlier(DAY, at(0, 5, DAY), time(8, 0))  # released at 24:00: still before the reminder
    assert may_move_earlier(DAY, at(7, 59), time(8, 0))
    assert not may_move_earlier(DAY, at(8, 0), time(8, 0))
    assert not may_move_earlier(DAY, at(10, 0), time(8, 0))


@pytest.mark.parametrize("capacity", [0, 60, 180, 270, 360, 539])
def test_a_capacity_cut_never_moves_anyone_later(capacity: int) -> None:
    queue = q(60, 45, 30, 60, 15, 60, 60)
    told = arrival_times(AM, AM_CAP, queue, may_move_earlier=True)
    promised = [Queued(b.booking_id, b.minutes, told[b.booking_id]) for b in queue]
    for earlier in (True, False):
        after = arrival_times(AM, capacity, promised, may_move_earlier=earlier)
        assert all(after[i] <= told[i] for i in told), (capacity, earlier, after)


def test_a_capacity_increase_may_move_people_earlier_but_never_later() -> None:
    queue = q(60, 60, 60, 60)
    told = arrival_times(AM, 180, queue, may_move_earlier=True)
    promised = [Queued(b.booking_id, b.minutes, told[b.booking_id]) for b in queue]
    after = arrival_times(AM, 540, promised, may_move_earlier=True)
    assert after == {1: time(9, 0), 2: time(9, 15), 3: time(9, 30), 4: time(10, 0)}
    assert all(after[i] <= told[i] for i in told)


def test_a_booking_that_grows_or_a_move_in_never_moves_others_later() -> None:
    queue = q(15, 15, 15, 15)
    told = arrival_times(AM, AM_CAP, queue, may_move_earlier=True)
    # Booking 1 grows to 60 minutes (改数量), and a booking moved in (改约) joins at the end.
    grown = [Queued(1, 60, told[1])] + [Queued(b.booking_id, b.minutes, told[b.booking_id]) for b in queue[1:]]
    grown.append(Queued(9, 60, None))
    after = arrival_times(AM, AM_CAP, grown, may_move_earlier=True)
    assert all(after[i] <= told[i] for i in told)
    assert after[9] == time(9, 30)  # 60+15+15+15 = 105 → 35 → 30


def test_late_after_thirty_minutes_without_check_in() -> None:
    pending = BookingState.PENDING
    assert day_mark(pending, DAY, time(9, 45), None, at(10, 14)) is DayMark.WAITING
    assert day_mark(pending, DAY, time(9, 45), None, at(10, 15)) is DayMark.LATE
    assert day_mark(pending, DAY, time(9, 45), at(10, 20), at(10, 30)) is DayMark.ARRIVED
    assert day_mark(BookingState.SERVED, DAY, time(9, 45), at(9, 50), at(10, 30)) is DayMark.DONE
    assert day_mark(BookingState.NO_SHOW, DAY, time(9, 45), None, at(12, 30)) is DayMark.NO_SHOW
    assert day_mark(BookingState.CANCELLED, DAY, time(9, 45), None, at(12, 30)) is DayMark.ENDED
    assert DayMark.LATE.label == "⏰ 迟到"


def test_no_show_offered_only_after_the_session_end_and_never_checked_in() -> None:
    rows = [(1, BookingState.PENDING, None), (2, BookingState.PENDING, at(9, 40)),
            (3, BookingState.SERVED, at(9, 10)), (4, BookingState.INCOMPLETE, None),
            (5, BookingState.CANCELLED, None)]
    assert no_show_candidates(AM, DAY, at(11, 59), rows) == []
    assert no_show_candidates(AM, DAY, at(12, 0), rows) == [1, 4]


def test_average_wait_from_check_in_to_served() -> None:
    pairs = [(at(9, 50), at(10, 0)), (at(10, 0), at(10, 30))]
    assert average_wait(pairs) == timedelta(minutes=20)
    assert average_wait([]) is None
