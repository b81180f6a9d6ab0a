"""The scheduled reminders through the real Application: who gets what, when, and only once.

The clock is a ManualClock; instead of waiting for the minute job, each test sets the
clock and calls ``run_due(harness.app)`` (or restarts the bot, which runs it at start).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.harness import Harness
from bot.jobs.reminders import TICK_JOB, run_due, schedule_tick, send_evaluation_request
from bot.jobs.watchers import on_minutes_freed
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.storage import repo
from tests.support import at
from tests.support.clerks import logged_in
from tests.support.reminders import ADMIN, Recorder, book, booking_state, clerks, complete, kind_of, reminders_in

# What each kind of message starts with, as the user sees it.


# ---------------------------------------------------------------- the fortnight around 国庆 2026


async def test_fortnight_around_national_day(harness: Harness) -> None:
    """Every reminder each clerk and the admin got from 09-27 to 10-11, at which instant.

    2026: 中秋 09-25..09-27 and 国庆 10-01..10-07 are statutory holidays, Sat 10-10 is a
    调休 working day, Sun 10-11 an ordinary weekend.
    """
    h = harness
    h.clock.set(at("2026-09-24 10:00"))  # Thu: window 09-28, 09-29, 09-30, 10-08, 10-09
    unit_a = await logged_in(h, 2001, "unit_a", "甲公司")
    unit_b = await logged_in(h, 2002, "unit_b", "乙公司")
    unit_c = await logged_in(h, 2004, "unit_c", "丙公司")  # turned the release notice off
    await logged_in(h, 2005, "unit_d", "丁公司")  # blocks the bot
    unit_e = await logged_in(h, 2006, "unit_e", "戊公司")  # frozen in September
    await h.user(ADMIN).command("start")
    booking_a = await book(h, unit_a, 2001, date(2026, 10, 8), "am", {B.NEW: 1, B.RENEW: 1})
    await complete(h, booking_a)
    booking_b = await book(h, unit_b, 2002, date(2026, 10, 9), "pm", {B.RENEW: 2})  # never completed
    now = h.clock.now()
    async with h.deps.db.write() as conn:
        await repo.set_release_notice(conn, 2004, False, now)
        for _ in range(4):
            await repo.add_mismatch(conn, unit_e, None, "2026-09", ADMIN, now)
    assert unit_c

    rec = Recorder(h, blocked={2005})
    instant = at("2026-09-27 00:00")
    while instant <= at("2026-10-12 00:00"):
        h.clock.set(instant)
        await run_due(h.app)
        instant += timedelta(minutes=30)

    open_days = ["09-28", "09-29", "09-30", "10-08", "10-09", "10-10", "10-11"]
    releases = [(at(f"2026-{d} 09:00"), "release") for d in open_days]
    expected = {
        2001: sorted(releases + [(at("2026-09-30 15:00"), "deadline"), (at("2026-10-08 08:00"), "appointment")]),
        2002: sorted(releases + [(at("2026-10-08 15:00"), "deadline"), (at("2026-10-09 00:00"), "autorelease")]),
        2006: sorted(releases + [(at("2026-10-01 09:00"), "unfreeze")]),
        ADMIN: [(at(f"2026-{d} 08:30"), "digest") for d in ["09-28", "09-29", "09-30", "10-08", "10-09", "10-10"]],
    }
    assert {chat: sorted(got) for chat, got in rec.got.items()} == expected
    # the clerk who turned the notice off got nothing; the one who blocked the bot was tried once
    assert 2004 not in rec.attempts
    assert rec.attempts[2005] == 1
    async with h.deps.db.read() as conn:
        blocked = await repo.get_tg_user(conn, 2005)
        assert blocked is not None and blocked.blocked_at == at("2026-09-28 09:00")
        assert await repo.get_notification(conn, "release:2026-09-28:2005") == (
            "blocked", 1, at("2026-09-28 09:00"))
    # what the chats show: one message per recorded reminder, nothing twice
    for chat, got in expected.items():
        assert len(reminders_in(h, chat)) == len(got)
    assert await booking_state(h, booking_a) is BookingState.PENDING
    assert await booking_state(h, booking_b) is BookingState.RELEASED

    deadline_b = next(m for m in reminders_in(h, 2002) if m.startswith("⏰"))
    assert "今日24:00前" in deadline_b and "自动释放" in deadline_b and "已完善 0/2" in deadline_b
    deadline_a = next(m for m in reminders_in(h, 2001) if m.startswith("⏰"))
    assert "自动释放" not in deadline_a
    appointment = next(m for m in reminders_in(h, 2001) if m.startswith("📅"))
    assert "2026年10月8日（周四） 上午 09:00–12:00" in appointment
    assert "新办 ×1、续办 ×1" in appointment and h.settings.bot_centre_address in appointment
    unfreeze = next(m for m in reminders_in(h, 2006) if m.startswith("🔓"))
    assert "2026年10月8日（周四）09:00开放" in unfreeze  # 10-01 is 国庆: says when booking opens
    digest = [m for m in reminders_in(h, ADMIN)]
    assert "【上午 09:00–12:00】1个预约，新办 ×1、续办 ×1，已约 25/540 分钟" in digest[3]  # 10-08
    assert "· 甲公司｜新办 ×1、续办 ×1｜待办理" in digest[3]


# ---------------------------------------------------------------- the release notice


async def test_release_notice_shows_dates_and_opens_availability(harness: Harness) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    h.clock.set(at("2026-12-02 09:00"))
    sent = await run_due(h.app)
    assert sent["release"] == 1
    notice = h.user(clerk).last
    # today's release, and every date it opened (not as if only today had opened)
    assert notice is not None and notice.text.startswith("📢 今日（12月2日）号源已开放预约。")
    assert "本次可预约5个工作日：12月3日、12月4日、12月7日、12月8日、12月9日。" in notice.text
    # tomorrow onwards, five working days, each session 可预约 / 紧张 / 已满 (no counter totals)
    assert "12月3日（周四）：上午 可预约｜下午 可预约" in notice.text and "剩余" not in notice.text
    assert "12月9日（周三）" in notice.text and "12月2日（周三）：" not in notice.text
    assert notice.buttons == [("查看可预约信息", "bk:open:_n")]
    await run_due(h.app)
    assert len(reminders_in(h, clerk)) == 1


async def test_missed_release_notice_sent_at_10_30_but_not_at_12_30(harness: Harness) -> None:
    h = harness
    ids = await clerks(h, 2)
    h.clock.set(at("2026-12-02 10:30"))  # the bot was down at 09:00
    await h.restart()
    assert [len(reminders_in(h, c)) for c in ids] == [1, 1]
    h.clock.set(at("2026-12-03 12:30"))  # down all morning of the next day
    await h.restart()
    await run_due(h.app)
    assert [len(reminders_in(h, c)) for c in ids] == [1, 1]
    async with h.deps.db.read() as conn:
        assert await repo.get_notification(conn, f"release:2026-12-03:{ids[0]}") is None


async def test_release_notice_respects_opt_out_and_login_time(harness: Harness) -> None:
    h = harness
    h.clock.set(at("2026-12-02 08:00"))
    opted_out, wants = await clerks(h, 2)
    async with h.deps.db.write() as conn:
        await repo.set_release_notice(conn, opted_out, False, h.clock.now())
    h.clock.set(at("2026-12-02 09:30"))
    late = 3099
    await logged_in(h, late, "late", "晚登录单位")  # logged in after today's release
    await run_due(h.app)
    assert (len(reminders_in(h, opted_out)), len(reminders_in(h, wants)), len(reminders_in(h, late))) == (0, 1, 0)
    h.clock.set(at("2026-12-03 09:00"))
    await run_due(h.app)
    assert (len(reminders_in(h, opted_out)), len(reminders_in(h, wants)), len(reminders_in(h, late))) == (0, 2, 1)


async def test_blocked_user_is_recorded_and_skipped_until_they_write_again(harness: Harness) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    rec = Recorder(h, blocked={clerk})
    h.clock.set(at("2026-12-02 09:00"))
    assert (await run_due(h.app))["release"] == 0
    h.clock.set(at("2026-12-03 09:00"))
    await run_due(h.app)
    assert rec.attempts == {clerk: 1}
    async with h.deps.db.read() as conn:
        assert (await repo.get_tg_user(conn, clerk)).blocked_at == at("2026-12-02 09:00")  # type: ignore[union-attr]
    # they unblock the bot and write to it: reminders resume
    rec.blocked = set()
    await h.user(clerk).command("start")
    h.clock.set(at("2026-12-04 09:00"))
    await run_due(h.app)
    assert rec.attempts == {clerk: 2} and len(rec.got[clerk]) == 1


# ---------------------------------------------------------------- auto-release and 有号提醒


async def test_auto_release_at_deadline_frees_minutes_and_tells_waiting_clerk(harness: Harness) -> None:
    h = harness
    monday = date(2026, 12, 7)  # deadline: Fri 12-04 24:00
    holder = await logged_in(h, 1001, "holder", "占号公司")
    waiter = await logged_in(h, 1002, "waiter", "等号公司")
    async with h.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, monday, "am", 60)
        await repo.set_slot_closed(conn, monday, "pm", True)
        await repo.add_watch(conn, 1002, waiter, monday, 15, h.clock.now())
    booking_id = await book(h, holder, 1001, monday, "am", {B.NEW: 4})  # the whole session

    h.clock.set(at("2026-12-04 23:30"))
    await run_due(h.app)
    assert await booking_state(h, booking_id) is BookingState.INCOMPLETE

    h.clock.set(at("2026-12-05 00:00"))
    await run_due(h.app)
    assert await booking_state(h, booking_id) is BookingState.RELEASED
    async with h.deps.db.read() as conn:
        assert (await repo.slot_usage(conn, [monday]))[(monday, "am")].used == 0
        assert [e.action for e in await repo.history(conn, "booking", booking_id)] == ["book", "release"]
    told = [m for m in reminders_in(h, 1001) if m.startswith("ℹ️")]
    assert len(told) == 1 and "已自动释放" in told[0]
    assert h.user(1001).last.labels == ["重新预约"]  # type: ignore[union-attr]
    # booking is closed until 09:00, so the waiting clerk is told when it opens
    assert not [m for m in reminders_in(h, 1002) if m.startswith("🔔")]

    h.clock.set(at("2026-12-05 00:30"))
    await run_due(h.app)
    h.clock.set(at("2026-12-05 09:00"))
    await run_due(h.app)
    h.clock.set(at("2026-12-05 09:01"))
    await run_due(h.app)
    assert len([m for m in reminders_in(h, 1001) if m.startswith("ℹ️")]) == 1
    watch = [m for m in h.user(1002).bot_messages() if m.text and m.text.startswith("🔔 有号提醒")]
    assert len(watch) == 1
    assert "12月7日（周一）有号了" in watch[0].text and "上午 剩余60分钟；下午 停止预约" in watch[0].text
    assert watch[0].buttons == [("立即预约", "m:book:_n")]
    async with h.deps.db.read() as conn:
        assert await repo.open_watches(conn, monday) == []
    # the freed minutes can be booked by another unit
    again = await book(h, waiter, 1002, monday, "am", {B.NEW: 4})
    assert await booking_state(h, again) is BookingState.INCOMPLETE


async def test_minutes_freed_by_a_cancellation_tell_each_waiting_clerk_once(harness: Harness) -> None:
    h = harness
    thursday = date(2026, 12, 3)
    holder = await logged_in(h, 1001, "holder", "占号公司")
    waiter = await logged_in(h, 1002, "waiter", "等号公司")
    async with h.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, thursday, "am", 15)
        await repo.set_slot_closed(conn, thursday, "pm", True)
        await repo.add_watch(conn, 1002, waiter, thursday, 15, h.clock.now())
    booking_id = await book(h, holder, 1001, thursday, "am", {B.NEW: 1})
    assert await run_due(h.app) == {"appointment": 0, "evalfu": 0, "autorelease": 0, "digest": 0,
                                     "release": 0, "unfreeze": 0, "calendar": 0, "watch": 0, "mismatch": 0}

    _, freed = await h.deps.bookings.cancel(booking_id, unit_id=holder, user_id=1001)
    assert await on_minutes_freed(h.app, freed) == 1
    assert await on_minutes_freed(h.app, freed) == 0
    await run_due(h.app)
    assert len([m for m in reminders_in(h, 1002) if m.startswith("🔔")]) == 1

    # asked again later (the same request row is re-armed): told again, once
    booking_id = await book(h, holder, 1001, thursday, "am", {B.NEW: 1})
    async with h.deps.db.write() as conn:
        assert await repo.add_watch(conn, 1002, waiter, thursday, 15, h.clock.now())
    assert await on_minutes_freed(h.app, freed) == 0  # still full
    _, freed = await h.deps.bookings.cancel(booking_id, unit_id=holder, user_id=1001)
    assert await on_minutes_freed(h.app, freed) == 1
    await run_due(h.app)
    assert len([m for m in reminders_in(h, 1002) if m.startswith("🔔")]) == 2


# ---------------------------------------------------------------- evaluation, staff, the tick


async def test_evaluation_request_and_next_day_follow_up(harness: Harness) -> None:
    h = harness
    unit = await logged_in(h, 1001, "acme", "北京示例科技有限公司")
    booking_id = await book(h, unit, 1001, date(2026, 12, 2))
    await complete(h, booking_id)
    h.clock.set(at("2026-12-02 11:00"))
    assert await send_evaluation_request(h.app, booking_id) == 0  # not served yet
    async with h.deps.db.write() as conn:
        await repo.set_booking_state(conn, booking_id, BookingState.PENDING, BookingState.SERVED, h.clock.now())
    assert await send_evaluation_request(h.app, booking_id) == 1
    assert await send_evaluation_request(h.app, booking_id) == 0
    request = h.user(1001).last
    assert request is not None and request.text.startswith("✅")
    assert request.buttons == [("满意度评价", f"hs:rate:{booking_id}:_n")]

    h.clock.set(at("2026-12-03 09:59"))
    await run_due(h.app)
    assert not [m for m in reminders_in(h, 1001) if m.startswith("🔔 您的预约")]
    for instant in ("2026-12-03 10:00", "2026-12-03 10:30", "2026-12-04 10:00"):
        h.clock.set(at(instant))
        await run_due(h.app)
    followups = [m for m in reminders_in(h, 1001) if m.startswith("🔔 您的预约")]
    assert len(followups) == 1 and "尚未进行满意度评价" in followups[0]


async def test_follow_up_not_sent_once_rated(harness: Harness) -> None:
    h = harness
    unit = await logged_in(h, 1001, "acme", "北京示例科技有限公司")
    booking_id = await book(h, unit, 1001, date(2026, 12, 2))
    await complete(h, booking_id)
    h.clock.set(at("2026-12-02 11:00"))
    async with h.deps.db.write() as conn:
        await repo.set_booking_state(conn, booking_id, BookingState.PENDING, BookingState.SERVED, h.clock.now())
        await repo.add_evaluation(conn, booking_id, 5, "", 1001, h.clock.now())
    h.clock.set(at("2026-12-03 10:00"))
    assert (await run_due(h.app))["evalfu"] == 0


async def test_staff_digest_and_calendar_warning(harness: Harness) -> None:
    h = harness
    unit = await logged_in(h, 1001, "acme", "北京示例科技有限公司")
    # complete: an incomplete one is auto-released at its deadline, before the digest
    await complete(h, await book(h, unit, 1001, date(2026, 12, 2), "pm", {B.NEW: 2}))
    admin = h.user(ADMIN)
    await admin.command("start")  # 12-01 10:00: after today's digest and warning
    await run_due(h.app)
    assert reminders_in(h, ADMIN) == []

    h.clock.set(at("2026-12-02 09:00"))
    await run_due(h.app)
    digest, warning = reminders_in(h, ADMIN)
    assert digest.startswith("📋 今日预约安排：2026年12月2日（周三）")
    assert "共 1 个预约、2 位申请人。" in digest and "【上午 09:00–12:00】无预约" in digest
    assert "【下午 13:30–17:00】1个预约，新办 ×2，已约 30/630 分钟" in digest
    assert "· 北京示例科技有限公司｜新办 ×2｜待办理" in digest
    # its button opens the day's schedule in the console
    reply = await admin.press("查看今日日程")
    assert "2026年12月2日（周三） 日程" in reply.text and "1. 13:30 未到达｜北京示例科技有限公司" in reply.text
    assert any(m.text == digest for m in admin.bot_messages())  # the digest itself stays as it was
    assert warning.startswith("⚠️ 2027年的工作日历尚未确认")
    # clerks get neither
    assert not [m for m in reminders_in(h, 1001) if m.startswith(("📋", "⚠️"))]

    async with h.deps.db.write() as conn:
        await repo.confirm_year(conn, 2027, ADMIN, h.clock.now())
    h.clock.set(at("2026-12-03 09:00"))
    await run_due(h.app)
    assert [kind_of(m) for m in reminders_in(h, ADMIN)] == ["digest", "calendar", "digest"]
    h.clock.set(at("2026-12-05 09:00"))  # Saturday: no digest
    await run_due(h.app)
    assert len(reminders_in(h, ADMIN)) == 3


async def test_one_tick_job_with_a_deterministic_name_that_runs_the_plan(harness: Harness) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    await h.restart()
    jobs = h.app.job_queue.get_jobs_by_name(TICK_JOB)  # type: ignore[union-attr]
    assert len(jobs) == 1
    assert jobs[0].job.trigger.interval == timedelta(seconds=60)
    schedule_tick(h.app)  # rescheduling replaces it
    await asyncio.sleep(0.05)
    [job] = h.app.job_queue.get_jobs_by_name(TICK_JOB)  # type: ignore[union-attr]
    h.clock.set(at("2026-12-02 09:00"))
    await job.run(h.app)  # what the job queue does every minute
    await job.run(h.app)
    assert len(reminders_in(h, clerk)) == 1
