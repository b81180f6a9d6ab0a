"""When bookings may be made, for which dates, and until when they may be changed.

The rules (SPEC §3 and §7), all in Beijing time (Asia/Shanghai):

* **Opening hours.** The booking system is open every day from 09:00 until 24:00,
  ordinary weekends included, except on national statutory holidays, when it is
  closed all day for the whole official holiday period. Before 09:00 it is closed.
* **Bookable dates.** No same-day booking: while the system is open, a booking may
  be made for the next :data:`WINDOW_WORKDAYS` working days starting tomorrow, as
  the official calendar counts working days (调休 weekends count, holidays do not).
  Dates the centre itself has closed drop out of that list; they do not push the
  window further out, because the rule speaks of working days of the official
  calendar, not of days the centre happens to be open.
* **Change deadline.** A booking may be changed or cancelled until 24:00 of the
  working day before the appointment, i.e. until midnight at the start of the day
  after that working day. For a Monday appointment that is Friday 24:00; after a
  holiday it is 24:00 of the last working day before the holiday.

Every function takes the current instant as a timezone-aware ``datetime`` and
converts it to Beijing time first, so a UTC instant gives the same answer. A naive
``datetime`` is refused with ``ValueError``: guessing its zone would silently shift
the opening hour.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Final

from bot.rules.calendar import TZ, WorkCalendar

__all__ = [
    "OPEN_HOUR",
    "WINDOW_WORKDAYS",
    "booking_open",
    "bookable_dates",
    "can_change",
    "change_deadline",
    "next_opening",
]

OPEN_HOUR: Final = 9
WINDOW_WORKDAYS: Final = 5

# The longest closure is a holiday period of about a week; the bound only turns a
# calendar misconfigured to be all holidays into an error instead of a hang.
_OPENING_SEARCH_DAYS: Final = 400


def _local(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    return now.astimezone(TZ)


def _at(d: date, hour: int) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=TZ)


def booking_open(now: datetime, cal: WorkCalendar) -> bool:
    """Return whether new bookings are accepted at the instant ``now``."""
    local = _local(now)
    return local.hour >= OPEN_HOUR and not cal.is_statutory_holiday(local.date())


def next_opening(now: datetime, cal: WorkCalendar) -> datetime:
    """Return the first instant at or after ``now`` when bookings are accepted.

    That is ``now`` itself (in Beijing time) while the system is open, otherwise
    09:00 of the first day, today included, that is not a statutory holiday.
    Raise ``LookupError`` if no such day lies within 400 days, which only a broken
    set of overrides can cause.
    """
    local = _local(now)
    if booking_open(local, cal):
        return local
    today = local.date()
    for offset in range(_OPENING_SEARCH_DAYS):
        day = today + timedelta(days=offset)
        opening = _at(day, OPEN_HOUR)
        if opening >= local and not cal.is_statutory_holiday(day):
            return opening
    raise LookupError(
        f"booking does not open within {_OPENING_SEARCH_DAYS} days of {local.isoformat()};"
        " check the calendar overrides"
    )


def bookable_dates(
    now: datetime, cal: WorkCalendar, closed: Collection[date] = ()
) -> list[date]:
    """Return the dates that may be booked at ``now``, earliest first.

    Empty while the system is closed. Otherwise the next :data:`WINDOW_WORKDAYS`
    working days after today, minus the dates in ``closed`` (centre closures).
    A closed date is dropped without a replacement: the window is a count of
    official working days, so closures shorten the list rather than extend it.
    """
    local = _local(now)
    if not booking_open(local, cal):
        return []
    days: list[date] = []
    day = local.date()
    for _ in range(WINDOW_WORKDAYS):
        day = cal.next_workday(day)
        days.append(day)
    return [d for d in days if d not in closed]


def change_deadline(appointment: date, cal: WorkCalendar) -> datetime:
    """Return the instant after which a booking for ``appointment`` can no longer change.

    24:00 of the last working day before the appointment, expressed as 00:00 of
    the following day in Beijing time.
    """
    last_workday = cal.previous_workday(appointment)
    return _at(last_workday + timedelta(days=1), 0)


def can_change(now: datetime, appointment: date, cal: WorkCalendar) -> bool:
    """Return whether a booking for ``appointment`` may still be changed at ``now``."""
    return _local(now) < change_deadline(appointment, cal)
