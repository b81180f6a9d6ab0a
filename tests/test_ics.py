"""The event of a booking's .ics file is written by hand (``bot.ics``): each receipt at the
09:00 rush carries one, and the icalendar package took ~1 ms an event. These tests hold it
to what icalendar itself writes for the same event, byte for byte, and to RFC 5545's rules
(escaping, folding), and read it back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Alarm, Calendar, Event

from bot.ics import booking_ics, event_uid
from bot.rules.capacity import SessionSpec
from bot.rules.tz import TZ

AM = SessionSpec("am", "上午", time(9), time(11, 30))
STAMP = datetime(2026, 12, 1, 9, 0, 3, 123456, tzinfo=TZ)


def icalendar_event(*, code: str, day: date, session: SessionSpec, summary: str, location: str,
                    description: str, stamp: datetime, arrival: time | None = None, seq: int = 0,
                    cancel: bool = False) -> bytes:
    """The same event built with the icalendar package (how bot.ics built it before)."""
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
    return bytes(event.to_ical())


LONG = "预约编号 CY20261202-001；朝阳区政务服务中心" * 4
CASES = [
    dict(summary="工作居住证预约 CY20261202-001", location="朝阳区某某路1号", description="预约编号 CY20261202-001"),
    dict(summary="a, b; c \\ d", location="x\ny", description="one\r\ntwo\rthree"),
    dict(summary="S" * 200, location="北" * 90, description=LONG),
    # A backslash escape right at a fold: it is carried to the next line whole.
    dict(summary="x" * 62 + "\\" + "y" * 20, location=";" * 60, description="," * 80),
    dict(summary="é" * 50 + "ü" * 3, location="a" * 74, description="a" * 63),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("arrival", "seq", "cancel"), [(None, 0, False), (time(9, 45), 3, False),
                                                       (time(11, 20), 7, True)])
def test_the_event_is_what_icalendar_writes(case: dict[str, str], arrival: time | None, seq: int,
                                            cancel: bool) -> None:
    args = dict(code="CY20261202-001", day=date(2026, 12, 2), session=AM, stamp=STAMP, arrival=arrival,
                seq=seq, cancel=cancel, **case)
    whole = booking_ics(**args)  # type: ignore[arg-type]
    expected = icalendar_event(**args)  # type: ignore[arg-type]
    start = whole.index(b"BEGIN:VEVENT")
    assert whole[start:start + len(expected)] == expected
    assert whole.endswith(expected + b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in whole.split(b"\r\n"))


def test_it_reads_back_with_its_values() -> None:
    data = booking_ics(code="CY20261202-009", day=date(2026, 12, 2), session=AM, summary="预约, 一;二",
                       location="朝阳区\n一层", description=LONG, stamp=STAMP, arrival=time(10), seq=4)
    event = next(c for c in Calendar.from_ical(data).walk("VEVENT"))
    assert str(event["summary"]) == "预约, 一;二"
    assert str(event["location"]) == "朝阳区\n一层"
    assert str(event["description"]) == LONG
    assert event.decoded("dtstart") == datetime(2026, 12, 2, 10, tzinfo=event.decoded("dtstart").tzinfo)
    assert event.decoded("dtstart").utcoffset() == timedelta(hours=8)
    assert int(event["sequence"]) == 4
    assert str(event["uid"]) == "CY20261202-009@chaoyang-permit-booking"
    assert event.walk("VALARM")[0].decoded("trigger") == timedelta(hours=-1)
