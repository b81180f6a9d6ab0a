"""December into an uncovered year: the computed 2027 calendar, staff overrides and the warning.

``chinese-calendar`` does not know 2027; the bot computes its statutory holidays (元旦
2027-01-01 among them) and applies the staff's overrides. Here staff declare Saturday
2027-01-02 a 调休 working day (a made-up arrangement: the real one is announced in
November). From December 1 the staff are warned daily until an admin confirms 2027.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.harness import Harness
from bot.jobs.reminders import run_due
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from tests.support import at
from tests.support.clerks import logged_in
from tests.support.reminders import ADMIN, Recorder, book, booking_state, complete, reminders_in


async def step(h: Harness, start: str, end: str, minutes: int = 30) -> None:
    instant = at(start)
    while instant <= at(end):
        h.clock.set(instant)  # type: ignore[attr-defined]
        await run_due(h.app)
        instant += timedelta(minutes=minutes)


async def test_warning_starts_on_december_1_and_repeats_daily_until_2027_is_confirmed(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(at("2026-11-27 10:00"))  # today, as this is written
    await h.user(ADMIN).command("start")
    rec = Recorder(h)
    await step(h, "2026-11-27 10:00", "2026-12-02 08:00", minutes=60)
    admin = h.user(ADMIN)
    await admin.command("calendar")
    reply = await admin.press("确认2027年日历")
    assert reply is not None and "已确认2027年日历" in reply.text
    await step(h, "2026-12-02 09:00", "2026-12-04 23:00", minutes=60)
    warnings = [when for when, kind in rec.got[ADMIN] if kind == "calendar"]
    assert warnings == [at("2026-12-01 09:00")]
    [text] = [m for m in reminders_in(h, ADMIN) if m.startswith("⚠️")]
    assert text.startswith("⚠️ 2027年的工作日历尚未确认。") and "管理员确认" in text


async def test_year_end_week_with_a_computed_holiday_and_an_override(harness: Harness) -> None:
    h = harness
    h.clock.set(at("2026-12-27 20:00"))  # Sunday evening
    unit_a = await logged_in(h, 1001, "unit_a", "甲公司")
    unit_b = await logged_in(h, 1002, "unit_b", "乙公司")
    admin = h.user(ADMIN)
    await admin.command("start")
    await admin.command("calendar")
    await admin.press("设置调整")
    await admin.send("2027-01-02")
    await admin.press("工作日")
    reply = await admin.send("调休上班")
    assert reply is not None and "已设置：2027年1月2日（周六） 为 工作日（调休上班）" in reply.text
    cal = await h.deps.bookings.calendar()
    assert cal.is_statutory_holiday(at("2027-01-01 00:00").date()) and cal.is_workday(at("2027-01-02 00:00").date())

    h.clock.set(at("2026-12-28 10:00"))  # Monday 4 January is in the window from today
    booking_a = await book(h, unit_a, 1001, at("2027-01-04 00:00").date(), "am", {B.NEW: 1})
    await complete(h, booking_a)
    booking_b = await book(h, unit_b, 1002, at("2027-01-04 00:00").date(), "pm", {B.RENEW: 1})
    h.clock.set(at("2026-12-27 20:00"))

    rec = Recorder(h)
    await step(h, "2026-12-27 20:00", "2026-12-29 11:30")
    await admin.command("calendar")
    await admin.press("确认2027年日历")
    await step(h, "2026-12-29 12:00", "2027-01-04 12:00")

    def on(day: str, clock: str) -> datetime:
        return at(f"{day} {clock}")

    open_days = ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-02", "2027-01-03", "2027-01-04"]
    working_days = ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-02", "2027-01-04"]
    releases = [(on(d, "09:00"), "release") for d in open_days]
    expected = {
        # Monday's change deadline is the 调休 Saturday's 24:00
        1001: sorted(releases + [(on("2027-01-02", "15:00"), "deadline"), (on("2027-01-04", "08:00"), "appointment")]),
        1002: sorted(releases + [(on("2027-01-02", "15:00"), "deadline"), (on("2027-01-03", "00:00"), "autorelease")]),
        ADMIN: sorted([(on(d, "08:30"), "digest") for d in working_days]
                      + [(on("2026-12-28", "09:00"), "calendar"), (on("2026-12-29", "09:00"), "calendar")]),
    }
    assert {chat: sorted(got) for chat, got in rec.got.items()} == expected
    assert await booking_state(h, booking_a) is BookingState.PENDING
    assert await booking_state(h, booking_b) is BookingState.RELEASED
    saturday = [m for m in reminders_in(h, ADMIN) if m.startswith("📋 今日预约安排：2027年1月2日（周六）")]
    assert saturday == ["📋 今日预约安排：2027年1月2日（周六）\n今日暂无预约。"]
