"""Suggested arrival times within a session, and who is late (SPEC §4 "Arrival time").

A session is three hours long; telling everyone to come at its start makes them queue.
So each booking gets a suggested arrival time **(our decision)**:

- The bookings of one date's session form a queue in the order they entered it (a
  new booking, or one moved there by 改约, joins at the end).
- A booking's time is the session start plus the minutes booked *before it* in that
  queue divided over the session's counters, rounded down to a quarter hour. The
  counters are the session's capacity over its length (3 by default; a staff capacity
  change is a change of counters), never fewer than one.
- The time always lies within the session: at the latest the last quarter hour
  before its end.
- It never moves later than what the clerk was told (the *promise*, stored per
  booking). It may move earlier — when an earlier booking leaves, shrinks, or the
  capacity grows — until the appointment-day reminder (08:00): from then on the
  times are final, as that reminder tells them; a time moving earlier while people
  are on their way would make someone who comes as told look late. (Incomplete
  bookings are released at 24:00 before the day, so their places still go to the
  bookings after them.)

A booking is **late** when its time plus 30 minutes has passed and it has not been
checked in at the counter. Staff are offered the not-checked-in bookings of a session
as 未到 once the session has ended; nothing marks them automatically.

Pure functions; time is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.rules.capacity import SessionSpec
from bot.rules.states import ACTIVE_STATES, BookingState
from bot.rules.tz import TZ

QUARTER = 15  # minutes: suggested times are rounded down to a quarter hour
LATE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Queued:
    """One booking of a session's queue, in queue order."""

    booking_id: int
    minutes: int
    promised: time | None  # the time the clerk was last told; None before the first


def counters(spec: SessionSpec, capacity: int) -> float:
    """The session's counters: its capacity in minutes over its length, at least one."""
    return max(1.0, capacity / spec.length_minutes)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _at(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def latest_arrival(spec: SessionSpec) -> time:
    """The last quarter hour strictly before the session ends (its start at least)."""
    last = (spec.length_minutes - 1) // QUARTER * QUARTER
    return _at(_minutes(spec.start) + max(0, last))


def suggested_time(spec: SessionSpec, capacity: int, minutes_before: int) -> time:
    """The time for a booking with ``minutes_before`` booked ahead of it, ignoring promises."""
    offset = int(minutes_before / counters(spec, capacity)) // QUARTER * QUARTER
    return min(_at(_minutes(spec.start) + offset), latest_arrival(spec))


def arrival_times(
    spec: SessionSpec, capacity: int, queue: Sequence[Queued], *, may_move_earlier: bool
) -> dict[int, time]:
    """Each queued booking's arrival time: never later than its promise.

    ``queue`` holds the bookings that keep their place (active, served, no-show) in
    queue order. With ``may_move_earlier`` false (the appointment day has come) a
    promise stands as it is; a booking without one gets the computed time.
    """
    times: dict[int, time] = {}
    before = 0
    for entry in queue:
        computed = suggested_time(spec, capacity, before)
        if entry.promised is None:
            chosen = computed
        elif may_move_earlier:
            chosen = min(entry.promised, computed)
        else:
            chosen = entry.promised
        times[entry.booking_id] = chosen
        before += entry.minutes
    return times


def may_move_earlier(day: date, now: datetime, final_at: time) -> bool:
    """Times move earlier only until ``final_at`` (the appointment-day reminder) on ``day``."""
    return now < datetime.combine(day, final_at, tzinfo=TZ)


def arrival_instant(day: date, at: time) -> datetime:
    """The tz-aware instant of an arrival time on ``day``."""
    return datetime.combine(day, at, tzinfo=TZ)


class DayMark(StrEnum):
    """How a booking stands on its day, for the staff schedule."""

    WAITING = "waiting"  # not here yet, not late
    LATE = "late"  # arrival + 30 minutes passed, not checked in
    ARRIVED = "arrived"  # checked in, not yet served
    DONE = "done"  # 已办理
    NO_SHOW = "no_show"  # 未到
    ENDED = "ended"  # cancelled, released, revoked

    @property
    def label(self) -> str:
        """The Chinese mark staff see."""
        return _MARKS[self]


_MARKS = {
    DayMark.WAITING: "未到达",
    DayMark.LATE: "⏰ 迟到",
    DayMark.ARRIVED: "🟢 已到达",
    DayMark.DONE: "✅ 已办理",
    DayMark.NO_SHOW: "❌ 未到",
    DayMark.ENDED: "已结束",
}


def day_mark(
    state: BookingState, day: date, arrival: time | None, checked_in: datetime | None, now: datetime
) -> DayMark:
    """The booking's mark at ``now``: done, no-show, arrived, late or waiting."""
    if state is BookingState.SERVED:
        return DayMark.DONE
    if state is BookingState.NO_SHOW:
        return DayMark.NO_SHOW
    if state not in ACTIVE_STATES:
        return DayMark.ENDED
    if checked_in is not None:
        return DayMark.ARRIVED
    if arrival is not None and now >= arrival_instant(day, arrival) + LATE_AFTER:
        return DayMark.LATE
    return DayMark.WAITING


def can_check_in(state: BookingState, day: date, checked_in: datetime | None, today: date) -> bool:
    """A booking is checked in once, on its date, while it is active."""
    return state in ACTIVE_STATES and checked_in is None and day == today


def session_ended(spec: SessionSpec, day: date, now: datetime) -> bool:
    """Whether the session of ``day`` is over at ``now``."""
    return now >= datetime.combine(day, spec.end, tzinfo=TZ)


def no_show_candidates(
    spec: SessionSpec, day: date, now: datetime, bookings: Sequence[tuple[int, BookingState, datetime | None]]
) -> list[int]:
    """Ids of the session's active bookings never checked in, once the session has ended.

    ``bookings`` holds (id, state, checked-in instant) of the session's bookings. Before
    the end nothing is offered: someone late may still come.
    """
    if not session_ended(spec, day, now):
        return []
    return [booking_id for booking_id, state, checked_in in bookings
            if state in ACTIVE_STATES and checked_in is None]


def average_wait(pairs: Sequence[tuple[datetime, datetime]]) -> timedelta | None:
    """Mean of (served − checked in) over the pairs; None without any."""
    waits = [served - checked for checked, served in pairs if served >= checked]
    if not waits:
        return None
    return sum(waits, timedelta()) / len(waits)
