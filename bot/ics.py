"""iCalendar (.ics, RFC 5545) files for a booking, built with the ``icalendar`` package.

One booking is one calendar event for its whole life, so a clerk's calendar app
updates the entry it already has instead of adding a second one:

* **UID** is fixed per booking (:func:`event_uid`, from the booking code, which never
  changes, not even after 改约).
* **SEQUENCE** grows with every change: the booking's revision (how many audit lines
  it has, ``BookingDetails.revision``; the audit log is append-only). A file sent after
  改约 therefore carries the same UID and a higher SEQUENCE, and replaces the old event.
* **METHOD:CANCEL** with ``STATUS:CANCELLED`` (``cancel=True``) removes the event: sent
  when the booking is cancelled, released at its deadline, revoked or closed by staff.

Times are local (TZID Asia/Shanghai, a fixed +08:00 zone described in the file), with
a reminder an hour before. The event starts at the suggested arrival time when there
is one (SPEC §4), else at the session's start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneStandard

from bot.read_models import BookingDetails
from bot.rules.capacity import SessionSpec
from bot.rules.states import BookingState
from bot.rules.tz import TZ
from bot.texts.booking import ics_summary

PRODID = "-//Chaoyang Work Residence Permit Booking//CN"
UID_DOMAIN = "chaoyang-permit-booking"
TZID = "Asia/Shanghai"
# A booking in these states is an appointment in the clerk's calendar; any other state cancels it.
LIVE_STATES = frozenset({BookingState.INCOMPLETE, BookingState.PENDING, BookingState.SERVED,
                         BookingState.NO_SHOW})


def event_uid(code: str) -> str:
    """The event's UID: the same for every file of one booking."""
    return f"{code}@{UID_DOMAIN}"


def _timezone() -> Timezone:
    zone = Timezone()
    zone.add("tzid", TZID)
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(hours=8))
    standard.add("tzoffsetto", timedelta(hours=8))
    standard.add("tzname", "CST")
    zone.add_component(standard)
    return zone


def booking_ics(*, code: str, day: date, session: SessionSpec, summary: str, location: str,
                description: str, stamp: datetime, arrival: time | None = None, seq: int = 0,
                cancel: bool = False) -> bytes:
    """The .ics bytes of one appointment: a request to add or update it, or (``cancel``) to remove it."""
    start = datetime.combine(day, arrival or session.start, tzinfo=TZ)
    end = datetime.combine(day, session.end, tzinfo=TZ)
    if end <= start:
        end = start + timedelta(minutes=30)
    event = Event()
    event.add("uid", event_uid(code))
    event.add("sequence", seq)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    if not cancel:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(minutes=-60))
        alarm.add("description", summary)
        event.add_component(alarm)
    head, tail = _calendar_around("CANCEL" if cancel else "PUBLISH")
    return head + bytes(event.to_ical()) + tail


@cache
def _calendar_around(method: str) -> tuple[bytes, bytes]:
    """The calendar around the event (its properties and time zone; the end), serialised once.

    Every receipt at the 09:00 rush carries a file; only the event differs between them.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_timezone())
    whole = bytes(calendar.to_ical())
    end = b"END:VCALENDAR\r\n"
    assert whole.endswith(end)
    return whole[: -len(end)], end


def details_ics(details: BookingDetails, spec: SessionSpec, *, address: str, centre_name: str,
                stamp: datetime) -> bytes:
    """The .ics of a booking as it is now: an update while it stands, a cancellation once it ended."""
    b = details.booking
    arrival = getattr(details, "arrival", None)
    return booking_ics(
        code=b.code, day=b.date, session=spec, summary=ics_summary(b.code), location=address,
        description=f"预约编号 {b.code}；{centre_name}", stamp=stamp,
        arrival=getattr(arrival, "promised", None), seq=details.revision,
        cancel=b.state not in LIVE_STATES,
    )
