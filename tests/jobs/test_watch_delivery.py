"""有号提醒 delivery and the release notice's button, driven through the clerks' and staff's chats.

Minutes free up by a clerk's cancellation, a clerk's 改约 away from the date, staff
raising a capacity, or the auto-release; each waiting clerk whose basket now fits is
told once, and the request is consumed.
"""

from __future__ import annotations

from datetime import date

from bot.harness import Harness
from bot.jobs.reminders import run_due
from bot.rules.basket import BusinessType as B
from bot.storage import repo
from tests.support import at
from tests.support.booking import NEW, RENEW, tap, to_basket
from tests.support.clerks import logged_in
from tests.support.reminders import book, reminders_in

WED, THU = date(2026, 12, 2), date(2026, 12, 3)
WINDOW = [date(2026, 12, d) for d in (2, 3, 4, 7, 8)]
STAFF = 900001


def watch_messages(h: Harness, user_id: int) -> list[str]:
    return [m for m in reminders_in(h, user_id) if m.startswith("🔔 有号提醒")]


async def open_watches(h: Harness, day: date) -> list[tuple[int, int]]:
    async with h.deps.db.read() as conn:
        return [(user, minutes) for _, user, minutes in await repo.open_watches(conn, day)]


async def test_cancellation_in_my_bookings_tells_the_clerk_who_asked_in_the_booking_flow(
    harness: Harness,
) -> None:
    h = harness
    holder_unit = await logged_in(h, 1001, "holder", "占号公司")
    await logged_in(h, 1002, "waiter", "等号公司")
    async with h.deps.db.write() as conn:
        for day in WINDOW:
            for session in ("am", "pm"):
                await repo.set_slot_capacity(conn, day, session, 30 if (day, session) == (WED, "am") else 20)
    await book(h, holder_unit, 1001, WED, "am", {B.NEW: 2})  # Wednesday morning is full now

    waiter = h.user(1002)
    await to_basket(waiter)
    await tap(waiter, "add", NEW, 2)  # 30 minutes: nowhere in the window
    panel = await waiter.press("查询可预约信息")
    assert "已全部约满" in panel.text
    await waiter.press("有号提醒 12月2日")
    assert await open_watches(h, WED) == [(1002, 30)]

    holder = h.user(1001)
    await holder.command("my")
    await holder.press("取消预约")
    await holder.press("确认取消")
    [told] = watch_messages(h, 1002)  # at once, not at the next minute
    assert "12月2日（周三）有号了" in told and "上午 剩余30分钟；下午 剩余20分钟" in told
    assert waiter.last is not None and waiter.last.buttons == [("立即预约", "m:book:_n")]
    assert await open_watches(h, WED) == []
    await run_due(h.app)
    h.clock.set(at("2026-12-01 10:05"))
    await run_due(h.app)
    assert len(watch_messages(h, 1002)) == 1
    panel = await waiter.press("立即预约")
    assert panel is not None and {"使用以上信息", "填写经办人信息"} & set(panel.labels)


async def test_reschedule_away_tells_the_waiting_clerk(harness: Harness) -> None:
    h = harness
    holder_unit = await logged_in(h, 1001, "holder", "占号公司")
    waiter_unit = await logged_in(h, 1002, "waiter", "等号公司")
    async with h.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, WED, "am", 15)
        await repo.set_slot_closed(conn, WED, "pm", True)
        await repo.add_watch(conn, 1002, waiter_unit, WED, 15, h.clock.now())
    await book(h, holder_unit, 1001, WED, "am")
    holder = h.user(1001)
    await holder.command("my")
    await holder.press("改约")
    await holder.press("12/3 上午")
    await holder.press("确定", exact=True)
    reply = next(m for m in reversed(holder.bot_messages()) if m.text is not None)
    assert "改约成功" in reply.text
    assert len(watch_messages(h, 1002)) == 1 and await open_watches(h, WED) == []
    await run_due(h.app)
    assert len(watch_messages(h, 1002)) == 1


async def test_freed_minutes_that_do_not_fit_keep_the_request_until_staff_add_capacity(
    harness: Harness,
) -> None:
    h = harness
    holder_unit = await logged_in(h, 1001, "holder", "占号公司")
    waiter_unit = await logged_in(h, 1002, "waiter", "等号公司")
    async with h.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, THU, "am", 20)
        await repo.set_slot_capacity(conn, THU, "pm", 0)
        await repo.add_watch(conn, 1002, waiter_unit, THU, 30, h.clock.now())
    booking_id = await book(h, holder_unit, 1001, THU, "am")
    _, freed = await h.deps.bookings.cancel(booking_id, unit_id=holder_unit, user_id=1001)
    holder = h.user(1001)
    assert freed.minutes == 15 and holder is not None
    await run_due(h.app)  # 20 minutes free, 30 wanted: nothing to tell
    assert watch_messages(h, 1002) == [] and await open_watches(h, THU) == [(1002, 30)]

    staff = h.user(STAFF)
    await staff.command("capacity", "2026-12-03")
    await staff.press("上午 设容量")
    reply = await staff.send("40")
    assert reply is not None and "已将 12月3日（周四）上午 的容量设为 40 分钟" in reply.text
    [told] = watch_messages(h, 1002)
    assert "12月3日（周四）有号了" in told and "上午 剩余40分钟" in told
    assert await open_watches(h, THU) == []
    await run_due(h.app)
    assert len(watch_messages(h, 1002)) == 1


# ---------------------------------------------------------------- the release notice


async def test_release_notice_button_opens_availability_with_the_basket_prepared_before_nine(
    harness: Harness,
) -> None:
    h = harness
    await logged_in(h, 1001, "acme", "北京示例科技有限公司")
    h.clock.set(at("2026-12-02 08:40"))
    clerk = h.user(1001)
    await to_basket(clerk)
    await tap(clerk, "add", RENEW)
    await clerk.command("start")  # leaves the flow; the prepared basket stays
    h.clock.set(at("2026-12-02 09:00"))
    await run_due(h.app)
    notice = clerk.last
    assert notice is not None and notice.text.startswith("📢 今日（12月2日）号源已开放预约。")
    panel = await clerk.press("查看可预约信息", notice)
    assert panel is not None and panel is not notice
    assert "续办 ×1（共10分钟）" in panel.text
    assert "12/3 上午 可预约" in panel.labels
    await clerk.press("12/3 上午")
    await clerk.press("确定", exact=True)
    async with h.deps.db.read() as conn:
        booking = await repo.get_booking_by_code(conn, "CY20261203-001")
    assert booking is not None and booking.minutes == 10


async def test_release_notice_turned_off_and_on_in_settings(harness: Harness) -> None:
    h = harness
    await logged_in(h, 1001, "acme", "北京示例科技有限公司")
    clerk = h.user(1001)
    await clerk.command("settings")
    await clerk.press("09:00 放号提醒")  # 开 → 关
    h.clock.set(at("2026-12-02 09:00"))
    await run_due(h.app)
    assert [m for m in reminders_in(h, 1001) if m.startswith("📢")] == []
    await clerk.command("settings")
    await clerk.press("09:00 放号提醒")  # 关 → 开
    h.clock.set(at("2026-12-02 09:30"))
    await run_due(h.app)  # today's notice is still useful: it comes now
    h.clock.set(at("2026-12-03 09:00"))
    await run_due(h.app)
    assert [m.split("号源")[0] for m in reminders_in(h, 1001) if m.startswith("📢")] == [
        "📢 今日（12月2日）", "📢 今日（12月3日）"]
