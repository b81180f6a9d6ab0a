"""Catch-up after downtime, the configured times, and the auto-release edge cases.

Through the real Application: the clock is set, ``run_due`` (or a start, which runs it)
plays the minute job, and the chats and rows are asserted.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

from bot.harness import Harness
from bot.jobs.reminders import TICK_JOB, run_due
from bot.keyboards import NO_PREVIEWS
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.storage import repo
from tests.support import at
from tests.support.clerks import logged_in
from tests.support.reminders import ADMIN, Recorder, book, booking_state, complete, kind_of, reminders_in

THU = date(2026, 12, 3)


def kinds_in(h: Harness, user_id: int) -> list[str | None]:
    return [kind_of(m) for m in reminders_in(h, user_id)]


# ---------------------------------------------------------------- catch-up after downtime


async def test_start_after_a_missed_deadline_releases_before_reminding(harness: Harness) -> None:
    """Down from 23:00 to 08:45: the incomplete booking is released first — its clerk gets no
    appointment reminder for it and the staff digest does not list it."""
    h = harness
    late = await logged_in(h, 1001, "late", "未完善公司")
    ready = await logged_in(h, 1002, "ready", "已完善公司")
    await h.user(ADMIN).command("start")
    incomplete = await book(h, late, 1001, THU, "am")
    complete_id = await book(h, ready, 1002, THU, "pm")
    await complete(h, complete_id)
    h.clock.set(at("2026-12-02 15:00"))  # Wed: the deadline day of Thursday's bookings
    await run_due(h.app)
    assert kinds_in(h, 1001)[-1] == "deadline" and kinds_in(h, 1002)[-1] == "deadline"
    await h.crash()

    h.clock.set(at("2026-12-03 08:45"))
    await h.start()  # the start-up run catches up
    assert await booking_state(h, incomplete) is BookingState.RELEASED
    assert kinds_in(h, 1001) == ["deadline", "autorelease"]
    assert kinds_in(h, 1002) == ["deadline", "appointment"]
    digest = [m for m in reminders_in(h, ADMIN) if m.startswith("📋 今日预约安排：2026年12月3日")]
    assert len(digest) == 1
    assert "【上午 09:00–12:00】无预约" in digest[0] and "【下午 13:30–17:00】1个预约，新办 ×1，已约 15/630 分钟" in digest[0]
    assert "未完善公司" not in digest[0] and "· 已完善公司｜新办 ×1｜待办理" in digest[0]


async def test_late_digest_lists_every_booking_that_holds_minutes(harness: Harness) -> None:
    """A digest caught up at 10:30 still lists the booking already served; never a cancelled one."""
    h = harness
    units = [await logged_in(h, 1001 + i, f"unit{i}", f"单位{i}") for i in range(3)]
    await h.user(ADMIN).command("start")
    served, cancelled, pending = [await book(h, u, 1001 + i, date(2026, 12, 2)) for i, u in enumerate(units)]
    for booking_id in (served, pending):
        await complete(h, booking_id)
    await h.deps.bookings.cancel(cancelled, unit_id=units[1], user_id=1002)
    h.clock.set(at("2026-12-02 09:40"))
    async with h.deps.db.write() as conn:
        await repo.set_booking_state(conn, served, BookingState.PENDING, BookingState.SERVED, h.clock.now())
    h.clock.set(at("2026-12-02 10:30"))  # the 08:30 run was missed
    assert (await run_due(h.app))["digest"] == 1
    [digest] = [m for m in reminders_in(h, ADMIN) if m.startswith("📋")]
    assert "【上午 09:00–12:00】2个预约，新办 ×2，已约 30/540 分钟" in digest
    assert "· 单位0｜新办 ×1｜已办理" in digest and "· 单位2｜新办 ×1｜待办理" in digest
    assert "单位1" not in digest


async def test_appointment_reminder_caught_up_only_until_its_session_starts(harness: Harness) -> None:
    h = harness
    morning = await logged_in(h, 1001, "morning", "上午公司")
    afternoon = await logged_in(h, 1002, "afternoon", "下午公司")
    for unit, user, session in ((morning, 1001, "am"), (afternoon, 1002, "pm")):
        await complete(h, await book(h, unit, user, date(2026, 12, 2), session))
    h.clock.set(at("2026-12-02 10:00"))  # down from before 08:00 until after the morning session began
    await h.restart()
    assert "appointment" not in kinds_in(h, 1001)
    [reminder] = [m for m in reminders_in(h, 1002) if m.startswith("📅")]
    assert "下午 13:30–17:00" in reminder
    h.clock.set(at("2026-12-02 13:30"))
    await run_due(h.app)
    assert kinds_in(h, 1001).count("appointment") == 0 and kinds_in(h, 1002).count("appointment") == 1


async def test_deadline_reminder_caught_up_until_the_deadline_and_no_later(harness: Harness) -> None:
    h = harness
    early = await logged_in(h, 1001, "early", "甲公司")
    missed = await logged_in(h, 1002, "missed", "乙公司")
    await book(h, early, 1001, THU)
    await complete(h, await book(h, missed, 1002, date(2026, 12, 4)))  # deadline Thu 12-03 24:00
    h.clock.set(at("2026-12-02 23:50"))  # down since 14:00: ten minutes of usefulness left
    await h.restart()
    [reminder] = [m for m in reminders_in(h, 1001) if m.startswith("⏰")]
    assert "今日24:00前" in reminder and "已完善 0/1" in reminder
    h.clock.set(at("2026-12-04 00:10"))  # down through Thursday's 15:00: too late now
    await h.restart()
    assert "deadline" not in kinds_in(h, 1002)
    async with h.deps.db.read() as conn:
        assert await repo.get_notification(conn, "deadline:2:2026-12-03:1002") is None


# ---------------------------------------------------------------- the configured times


async def test_every_reminder_follows_its_configured_time(harness: Harness) -> None:
    h = harness
    h.clock.set(at("2026-11-30 20:00"))
    today_unit = await logged_in(h, 2001, "today", "今日办理公司")
    tomorrow_unit = await logged_in(h, 2002, "tomorrow", "明日办理公司")
    frozen_unit = await logged_in(h, 2003, "frozen", "冻结公司")
    await h.user(ADMIN).command("start")
    served = await book(h, today_unit, 2001, date(2026, 12, 1))
    await complete(h, served)
    async with h.deps.db.write() as conn:
        for _ in range(4):
            await repo.add_mismatch(conn, frozen_unit, None, "2026-11", ADMIN, h.clock.now())
    h.clock.set(at("2026-12-01 09:00"))
    released = await book(h, tomorrow_unit, 2002, date(2026, 12, 2))  # never completed
    h.clock.set(at("2026-11-30 20:00"))
    await h.stop()

    times = {"bot_release_notice_time": time(10, 15), "bot_deadline_reminder_time": time(16, 45),
             "bot_appointment_reminder_time": time(7, 15), "bot_evaluation_followup_time": time(11, 15),
             "bot_unfreeze_notice_time": time(9, 45), "bot_staff_digest_time": time(8, 15),
             "bot_calendar_warning_time": time(13, 0)}
    moved = Harness(h.settings.model_copy(update=times), h.clock, h.api)
    rec = Recorder(moved)
    await moved.start()  # its start-up run is the first step
    try:
        instant = at("2026-11-30 20:00")
        while instant <= at("2026-12-02 13:00"):
            moved.clock.set(instant)  # type: ignore[attr-defined]
            if instant == at("2026-12-01 10:00"):
                async with moved.deps.db.write() as conn:
                    await repo.set_booking_state(conn, served, BookingState.PENDING, BookingState.SERVED, instant)
            await run_due(moved.app)
            instant += timedelta(minutes=15)
        assert await booking_state(moved, released) is BookingState.RELEASED
    finally:
        await moved.stop()
        await h.start()

    def on(day: str, clock: str) -> datetime:
        return at(f"2026-{day} {clock}")

    releases = [(on("12-01", "10:15"), "release"), (on("12-02", "10:15"), "release")]
    assert {chat: sorted(got) for chat, got in rec.got.items()} == {
        2001: sorted(releases + [(on("11-30", "20:00"), "deadline"),  # caught up: useful until 24:00
                                 (on("12-01", "07:15"), "appointment"), (on("12-02", "11:15"), "evalfu")]),
        2002: sorted(releases + [(on("12-01", "16:45"), "deadline"), (on("12-02", "00:00"), "autorelease")]),
        2003: sorted(releases + [(on("12-01", "09:45"), "unfreeze")]),
        ADMIN: [(on("12-01", "08:15"), "digest"), (on("12-01", "13:00"), "calendar"),
                (on("12-02", "08:15"), "digest"), (on("12-02", "13:00"), "calendar")],
    }


async def test_release_hour_before_opening_waits_for_opening_and_after_noon_is_still_sent(
    harness: Harness,
) -> None:
    h = harness
    clerk = 1001
    await logged_in(h, clerk, "acme", "北京示例科技有限公司")
    await h.stop()
    for configured, quiet, due, text in ((time(8, 30), "2026-12-02 08:59", "2026-12-02 09:00", "12月3日（周四）"),
                                         (time(12, 30), "2026-12-03 12:29", "2026-12-03 14:00", "12月4日（周五）")):
        h.clock.set(at(quiet))  # type: ignore[attr-defined]
        early = Harness(h.settings.model_copy(update={"bot_release_notice_time": configured}), h.clock, h.api)
        await early.start()
        try:
            before = len(reminders_in(early, clerk))
            await run_due(early.app)
            assert len(reminders_in(early, clerk)) == before
            h.clock.set(at(due))  # type: ignore[attr-defined]
            assert (await run_due(early.app))["release"] == 1
            notice = reminders_in(early, clerk)[-1]
            # sent when booking is open: it lists the dates, never "no date bookable"
            assert notice.startswith("📢") and text in notice and "目前没有可预约的日期" not in notice
        finally:
            await early.stop()
    await h.start()


# ---------------------------------------------------------------- the tick


async def test_tick_firing_twice_at_once_sends_once(harness: Harness) -> None:
    h = harness
    clerks = [await logged_in(h, 1001 + i, f"unit{i}", f"单位{i}") for i in range(3)]
    assert clerks
    h.api.behaviour = lambda method, params: 0.01 if method == "sendMessage" else None
    [job] = h.app.job_queue.get_jobs_by_name(TICK_JOB)  # type: ignore[union-attr]
    h.clock.set(at("2026-12-02 09:00"))
    await asyncio.gather(job.run(h.app), job.run(h.app), run_due(h.app))
    await job.run(h.app)
    assert [len(reminders_in(h, 1001 + i)) for i in range(3)] == [1, 1, 1]


# ---------------------------------------------------------------- auto-release edge cases


async def test_booking_completed_at_23_59_is_not_released(harness: Harness) -> None:
    h = harness
    unit = await logged_in(h, 1001, "acme", "北京示例科技有限公司")
    booking_id = await book(h, unit, 1001, THU, "am", {B.NEW: 2})
    h.clock.set(at("2026-12-02 23:59"))
    await complete(h, booking_id)
    h.clock.set(at("2026-12-03 00:00"))
    assert (await run_due(h.app))["autorelease"] == 0
    assert await booking_state(h, booking_id) is BookingState.PENDING
    async with h.deps.db.read() as conn:
        assert (await repo.slot_usage(conn, [THU]))[(THU, "am")].used == 30
        assert [e.action for e in await repo.history(conn, "booking", booking_id)] == ["book"]
    assert "autorelease" not in kinds_in(h, 1001)


async def test_auto_release_refreshes_the_receipt_and_tells_every_clerk_of_the_unit_once(
    harness: Harness,
) -> None:
    h = harness
    unit = await logged_in(h, 1001, "acme", "北京示例科技有限公司")
    second = h.user(1002)  # a second clerk of the same unit
    await second.command("login")
    for text in ("acme", "Own-Password-9"):
        await second.send(text)
    booking_id = await book(h, unit, 1001, THU, "am", {B.RENEW: 2})
    receipt = await h.app.bot.send_message(1001, "回执占位", link_preview_options=NO_PREVIEWS)
    async with h.deps.db.write() as conn:
        await repo.set_receipt(conn, booking_id, 1001, receipt.message_id)
    for instant in ("2026-12-03 00:00", "2026-12-03 00:01", "2026-12-03 09:00"):
        h.clock.set(at(instant))
        await h.restart() if instant.endswith("00:01") else await run_due(h.app)
    assert kinds_in(h, 1001).count("autorelease") == 1 and kinds_in(h, 1002).count("autorelease") == 1
    shown = h.api.messages[receipt.message_id]
    assert "状态：已释放" in shown.text
    async with h.deps.db.read() as conn:
        assert (await repo.slot_usage(conn, [THU]))[(THU, "am")].used == 0


async def test_deadline_reminder_names_the_items_still_incomplete(harness: Harness) -> None:
    h = harness
    unit = await logged_in(h, 1001, "acme", "北京示例科技有限公司")
    booking_id = await book(h, unit, 1001, THU, "am", {B.NEW: 1, B.RENEW: 2})
    async with h.deps.db.write() as conn:
        first, *_ = await repo.items_of(conn, booking_id)
        await repo.fill_item(conn, first.id, {"name": "张三", "id_type": "护照", "id_number": "E00000001",
                                              "phone": "13800138000"}, h.clock.now())
    h.clock.set(at("2026-12-02 15:00"))
    await run_due(h.app)
    [reminder] = [m for m in reminders_in(h, 1001) if m.startswith("⏰")]
    assert "已完善 1/3" in reminder and reminder.endswith("待完善：续办 1/2、续办 2/2")
    assert h.user(1001).last.labels == ["下一步，即将完成预约", "我的预约"]  # type: ignore[union-attr]


async def test_start_up_catch_up_does_not_hold_up_clerks(harness: Harness) -> None:
    """A restart at 09:05 with release notices to send answers clerks while they go out."""
    from bot.app import build_application
    from bot.jobs.reminders import catch_up_done

    await logged_in(harness)
    await harness.stop()
    harness.clock.set(at("2026-12-02 09:05"))  # type: ignore[attr-defined]
    gate = asyncio.Event()

    async def slow_release(method: str, params: dict) -> None:
        if method == "sendMessage" and "号源已开放预约" in str(params.get("text", "")):
            await gate.wait()  # the release notice is stuck in flight

    harness.api.behaviour = slow_release
    app = build_application(harness.settings, clock=harness.clock, request=harness.api)
    await app.initialize()
    await asyncio.wait_for(app.post_init(app), 5)  # as run_polling does; must not wait for the catch-up
    try:
        clerk = harness.user(1001)
        clerk.app = app
        reply = await asyncio.wait_for(clerk.command("help"), 5)
        assert "可用命令" in reply.text
        gate.set()
        await asyncio.wait_for(catch_up_done(app), 5)
        assert any("号源已开放预约" in text for text in clerk.texts())
    finally:
        gate.set()
        await app.shutdown()
        await app.post_shutdown(app)
