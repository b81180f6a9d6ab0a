"""Which reminders are due at an instant, and until when they are still worth sending.

The schedule (SPEC §10), all in Beijing time, with the hours taken from the settings
(``ReminderTimes``) and the working days taken only from the ``WorkCalendar``:

=============  ===================================  ==========================  ======================
kind           due from                             on                          useful until
=============  ===================================  ==========================  ======================
release        ``release`` (09:00), never before    every day that is not a     12:00
               booking opens (09:00)                statutory holiday (plain
                                                    weekends included)
deadline       ``deadline`` (15:00)                 every working day: the      24:00
                                                    deadline day of the
                                                    bookings up to the next
                                                    working day
autorelease    the deadline instant (24:00 of the   always                      — (an action: done
               deadline day)                                                    whenever found late)
appointment    ``appointment`` (08:00)              every day, for that day's   the booking's session
                                                    bookings                    start
evaluation     ``evaluation`` (10:00)               every day, for bookings     24:00
                                                    served the day before
unfreeze       ``unfreeze`` (09:00)                 the 1st of each month, for  24:00
                                                    units frozen last month
digest         ``digest`` (08:30)                   every working day (调休      12:00
                                                    weekends included)
calendar       ``calendar`` (09:00)                 every day of December while 24:00
                                                    next year is unconfirmed
=============  ===================================  ==========================  ======================

A reminder is *due* from its start until it stops being useful: the job runs every
minute and after every start, plans with :func:`due_kinds`, and the notification log
makes sure each message goes out once. So a reminder missed while the bot was down is
sent as soon as it is back, but only while it is still useful (a release notice at
10:30 yes, at 12:30 no). A release or digest hour configured at or after noon still
gets :data:`MIN_USEFUL` hours instead of none.

The auto-release comes first in the plan: after a restart that missed a deadline,
the bookings it releases must not get the appointment reminder or be listed in the
staff digest a moment before they are released.

Nothing here reads the clock: ``now`` is passed in, as everywhere in ``bot.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final

from bot.rules.calendar import TZ, WorkCalendar
from bot.rules.window import OPEN_HOUR, can_change

__all__ = [
    "RELEASE_USEFUL_UNTIL",
    "DIGEST_USEFUL_UNTIL",
    "MIN_USEFUL",
    "Due",
    "Kind",
    "ReminderTimes",
    "deadline_dates",
    "deadline_passed",
    "due_kinds",
    "previous_month",
]

RELEASE_USEFUL_UNTIL: Final = time(12, 0)
DIGEST_USEFUL_UNTIL: Final = time(12, 0)
MIN_USEFUL: Final = timedelta(hours=3)


class Kind(StrEnum):
    """A kind of notification; the value is stored in the notification log."""

    RELEASE = "release"
    DEADLINE = "deadline"
    AUTORELEASE = "autorelease"
    APPOINTMENT = "appointment"
    EVALUATION = "eval"  # the request right after 已办理 (sent by the staff console)
    EVALUATION_FOLLOWUP = "evalfu"
    UNFREEZE = "unfreeze"
    DIGEST = "digest"
    CALENDAR = "calendar"
    WATCH = "watch"  # 有号提醒: not scheduled, sent when minutes free up


@dataclass(frozen=True)
class ReminderTimes:
    """The configured hour of each scheduled reminder (Beijing time)."""

    release: time = time(9, 0)
    deadline: time = time(15, 0)
    appointment: time = time(8, 0)
    evaluation: time = time(10, 0)
    unfreeze: time = time(9, 0)
    digest: time = time(8, 30)
    calendar: time = time(9, 0)


@dataclass(frozen=True)
class Due:
    """One kind of reminder that is due now.

    ``day`` is the date the reminder is about: today for release, deadline (the
    deadline day), appointment, unfreeze (the 1st), digest and calendar; yesterday
    (the day the bookings were served) for the evaluation follow-up. ``starts`` is
    when it fell due, ``useful_until`` when it stops being worth sending (None:
    always, for the auto-release).
    """

    kind: Kind
    day: date
    starts: datetime
    useful_until: datetime | None


def _local(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    return now.astimezone(TZ)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=TZ)


def due_kinds(now: datetime, cal: WorkCalendar, times: ReminderTimes) -> list[Due]:
    """Every reminder kind due at ``now``, in a stable order: the auto-release first."""
    local = _local(now)
    today = local.date()
    midnight = _at(today + timedelta(days=1), time(0))
    # First: what it releases must not be reminded of or listed by the kinds below.
    found: list[Due] = [Due(Kind.AUTORELEASE, today, _at(today, time(0)), None)]

    def window(kind: Kind, day: date, starts: time, until: datetime) -> None:
        start = _at(today, starts)
        if start <= local < until:
            found.append(Due(kind, day, start, until))

    def morning_until(starts: time, until: time) -> datetime:
        return min(max(_at(today, until), _at(today, starts) + MIN_USEFUL), midnight)

    workday = cal.is_workday(today)
    if not cal.is_statutory_holiday(today):
        # "号源已开放" cannot go out before booking opens, whatever the configured hour.
        release = max(times.release, time(OPEN_HOUR))
        window(Kind.RELEASE, today, release, morning_until(release, RELEASE_USEFUL_UNTIL))
    if workday:
        window(Kind.DIGEST, today, times.digest, morning_until(times.digest, DIGEST_USEFUL_UNTIL))
        window(Kind.DEADLINE, today, times.deadline, midnight)
    window(Kind.APPOINTMENT, today, times.appointment, midnight)
    window(Kind.EVALUATION_FOLLOWUP, today - timedelta(days=1), times.evaluation, midnight)
    if today.day == 1:
        window(Kind.UNFREEZE, today, times.unfreeze, midnight)
    if today.month == 12 and cal.needs_confirmation(today.year + 1):
        window(Kind.CALENDAR, today, times.calendar, midnight)
    return found


def deadline_dates(deadline_day: date, cal: WorkCalendar) -> list[date]:
    """The appointment dates whose change deadline is 24:00 of ``deadline_day``.

    Those are the days after ``deadline_day`` up to and including the next working
    day: for a Friday, Saturday to Monday; before 国庆, the whole holiday and the
    first working day after it. Empty when ``deadline_day`` is not a working day.
    """
    if not cal.is_workday(deadline_day):
        return []
    last = cal.next_workday(deadline_day)
    count = (last - deadline_day).days
    return [deadline_day + timedelta(days=n) for n in range(1, count + 1)]


def deadline_passed(now: datetime, appointment: date, cal: WorkCalendar) -> bool:
    """Whether the change deadline of a booking for ``appointment`` has passed at ``now``."""
    return not can_change(now, appointment, cal)


def previous_month(day: date) -> str:
    """The month before ``day``'s, as 'YYYY-MM' (the month a 1st-of-month unfreeze ends)."""
    last = day.replace(day=1) - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"
