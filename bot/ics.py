"""An iCalendar (.ics, RFC 5545) file for a booking, so clerks can add it to their calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from bot.rules.capacity import SessionSpec


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def booking_ics(*, code: str, day: date, session: SessionSpec, summary: str, location: str,
                description: str, stamp: datetime, arrival: time | None = None) -> bytes:
    """The .ics bytes of one appointment (local times with a TZID of Asia/Shanghai).

    The event starts at the suggested ``arrival`` time (SPEC §4) when there is one,
    else at the session's start; it ends with the session.
    """
    start = datetime.combine(day, arrival or session.start)
    end = datetime.combine(day, session.end)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Chaoyang Work Residence Permit Booking//CN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Shanghai",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f"UID:{code}@chaoyang-permit-booking",
        f"DTSTAMP:{stamp.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID=Asia/Shanghai:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Asia/Shanghai:{end:%Y%m%dT%H%M%S}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(location)}",
        f"DESCRIPTION:{_escape(description)}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT60M",
        f"DESCRIPTION:{_escape(summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")

