"""Calendar files parsed back (issue 10 item 9): one event per booking for its whole life —
the same UID after 改约 with a higher SEQUENCE, and METHOD:CANCEL when the booking ends by
the clerk's cancel, the auto-release at the deadline, a staff revocation or a closed date."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar

from bot.fake_telegram import FakeMessage
from bot.harness import Harness
from bot.ics import event_uid
from bot.jobs.reminders import run_due
from bot.rules.basket import BusinessType
from tests.support import at
from tests.support.clerks import filled_booking, logged_in

STAFF = 900001


def calendars(h: Harness, chat_id: int) -> list[Calendar]:
    """Every .ics file in a chat, parsed, oldest first."""
    return [Calendar.from_ical(m.document[1]) for m in h.user(chat_id).bot_messages()
            if isinstance(m, FakeMessage) and m.document is not None and m.document[0].endswith(".ics")]


def the_event(calendar: Calendar) -> dict[str, object]:
    [event] = calendar.walk("VEVENT")
    return {"method": str(calendar["METHOD"]), "uid": str(event["UID"]), "seq": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]), "start": event.decoded("DTSTART")}


async def test_a_release_at_the_deadline_sends_a_cancelling_file(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    booking = await harness.deps.bookings.book(unit_id=unit_id, user_id=1001, day=date(2026, 12, 2), session="am",
                                               counts={BusinessType.NEW: 1}, contact_name="李雷",
                                               contact_phone="13800138000")
    await harness.courier.deliver_booking(booking.id)
    [first] = calendars(harness, 1001)
    assert the_event(first)["method"] == "PUBLISH" and the_event(first)["uid"] == event_uid(booking.code)
    harness.clock.set(at("2026-12-02 00:01"))  # incomplete at its deadline: released
    await run_due(harness.app)
    await harness.courier.deliver_booking(booking.id)
    first, cancel = calendars(harness, 1001)
    before, after = the_event(first), the_event(cancel)
    assert after["method"] == "CANCEL" and after["status"] == "CANCELLED"
    assert after["uid"] == before["uid"] and int(after["seq"]) > int(before["seq"])  # type: ignore[call-overload]


async def test_revocation_and_a_closed_date_send_cancelling_files(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    revoked = await filled_booking(harness, unit_id, date(2026, 12, 3))
    closed = await filled_booking(harness, unit_id, date(2026, 12, 4))
    for booking in (revoked, closed):
        await harness.courier.deliver_booking(booking.id)
    assert [the_event(c)["method"] for c in calendars(harness, 1001)] == ["PUBLISH", "PUBLISH"]
    await harness.deps.staff.revoke(STAFF, revoked.id, "材料不全")
    await harness.deps.staff.close_date(STAFF, date(2026, 12, 4), "中心内部培训")
    for booking in (revoked, closed):
        await harness.courier.deliver_booking(booking.id)
    events = [the_event(c) for c in calendars(harness, 1001)]
    cancels = {e["uid"]: e for e in events if e["method"] == "CANCEL"}
    assert set(cancels) == {event_uid(revoked.code), event_uid(closed.code)}
    assert all(e["status"] == "CANCELLED" for e in cancels.values())


async def test_a_closed_session_sends_a_cancelling_file(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    booking = await filled_booking(harness, unit_id, date(2026, 12, 3), session="pm")
    await harness.deps.staff.close_session(STAFF, date(2026, 12, 3), "pm", "系统维护")
    await harness.courier.deliver_booking(booking.id)
    first, cancel = calendars(harness, 1001)
    assert the_event(first)["method"] == "PUBLISH" and the_event(cancel)["method"] == "CANCEL"
    assert the_event(cancel)["uid"] == event_uid(booking.code)
