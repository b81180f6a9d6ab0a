"""The staff console through the real Application: schedule, look-up, review and freeze,
outcomes, revoke, history, capacity and closures with rebooking, calendar, export, chart."""

from __future__ import annotations

import csv
import io
import logging
import struct
import warnings
from collections.abc import Mapping
from datetime import date

import pytest
from openpyxl import load_workbook

from bot import texts
from bot.fake_telegram import ApiError, FakeMessage, FakeUser
from bot.harness import Harness
from bot.rules.basket import BusinessType
from bot.rules.states import BookingState
from bot.services.staff import unconfirmed_years_ahead
from bot.storage import repo
from bot.storage.models import Booking
from tests.support import at
from tests.support.clerks import logged_in, make_unit

STAFF = 900001
NEW = BusinessType.NEW
RENEW = BusinessType.RENEW
APPLICANTS = [("张三", "11010519491231002X"), ("李雷", "110105199001011234"), ("韩梅梅", "110105198807070021"),
              ("王五", "110105197505050018")]


async def book(h: Harness, unit_id: int, day: date, session: str = "am",
               counts: Mapping[BusinessType, int] | None = None, *, user_id: int = 1001,
               fill: bool = True) -> Booking:
    """A booking made through the booking service; its applicants filled (待办理) if ``fill``."""
    booking = await h.deps.bookings.book(
        unit_id=unit_id, user_id=user_id, day=day, session=session, counts=counts or {NEW: 1},
        contact_name="李四", contact_phone="13800138000",
    )
    await h.courier.deliver_booking(booking.id)  # its receipt, as after 「确定」
    if fill:
        now = h.clock.now()
        async with h.deps.db.write() as conn:
            for item, (name, id_number) in zip(await repo.items_of(conn, booking.id), APPLICANTS, strict=False):
                await repo.fill_item(conn, item.id, {
                    "name": name, "id_type": "居民身份证", "id_number": id_number, "phone": "13912345678",
                    "permit_number": "GZ123456" if item.business is not NEW else None,
                    "change_description": None,
                }, now)
            await repo.set_booking_state(conn, booking.id, BookingState.INCOMPLETE, BookingState.PENDING, now)
    return booking


async def reviewed_with_reason(staff: FakeUser, data: str, reason: str) -> FakeMessage | None:
    """Press a 不通过 / 材料不符 button (its callback data), type the reason, confirm."""
    await staff.press_data(data)
    assert "请选择原因，或直接输入原因" in staff.last.text
    reply = await staff.send(reason)
    assert "确认将" in reply.text and f"原因：{reason}" in reply.text
    return await staff.press("确认", exact=True)


async def booking_row(h: Harness, booking_id: int) -> Booking:
    async with h.deps.db.read() as conn:
        found = await repo.get_booking(conn, booking_id)
    assert found is not None
    return found


async def used(h: Harness, day: date, session: str = "am") -> int:
    async with h.deps.db.read() as conn:
        usage = await repo.slot_usage(conn, [day])
    return usage[(day, session)].used if (day, session) in usage else 0


# ---------------------------------------------------------------- /staff and /schedule


async def test_staff_menu_lists_commands_and_shortcuts(harness: Harness) -> None:
    staff = harness.user(STAFF)
    reply = await staff.command("staff")
    assert "工作台" in reply.text and "/schedule" in reply.text and "/staffadmin" in reply.text
    assert {"今日日程", "查询", "容量与关闭", "工作日历", "导出今日", "利用率图表", "工作人员管理"} <= set(reply.labels)
    reply = await staff.press("今日日程")
    assert "2026年12月1日（周二） 日程" in reply.text


async def test_schedule_by_session_with_paging_and_booking_buttons(harness: Harness) -> None:
    acme = await logged_in(harness)
    beta = await logged_in(harness, 1002, "beta", "北京贝塔咨询有限公司")
    first = await book(harness, acme, date(2026, 12, 2), "am", {NEW: 1, RENEW: 1})
    second = await book(harness, beta, date(2026, 12, 2), "pm", user_id=1002, fill=False)
    staff = harness.user(STAFF)
    reply = await staff.command("schedule", "2026-12-02")
    text = reply.text
    assert "2026年12月2日（周三） 日程 · 工作日" in text
    assert "【上午 09:00–12:00】已约 25/540 分钟" in text
    assert "【下午 13:30–17:00】已约 15/630 分钟" in text
    assert text.index(first.code) < text.index("下午") < text.index(second.code)
    assert "北京示例科技有限公司" in text and "新办 ×1、续办 ×1｜25分钟｜待办理" in text
    assert "经办人 李四 13800138000" in text  # staff must be able to call (SPEC §6)
    assert "新办 ×1｜15分钟｜待完善信息" in text
    assert reply.labels[:2] == ["前一天", "后一天"]
    # the day before: each booking's arrival time, no arrived/late marks yet (SPEC §4)
    assert reply.labels[2:4] == ["1", "2"] and "1. 09:00｜北京示例科技有限公司" in text
    reply = await staff.press("后一天")
    assert "12月3日（周四）" in reply.text and "（无预约）" in reply.text
    await staff.press("前一天")
    reply = await staff.press("前一天")
    assert "12月1日（周二）" in reply.text
    reply = await staff.command("schedule")
    assert "2026年12月1日（周二）" in reply.text
    reply = await staff.command("schedule", "明天")
    assert "2026年12月2日（周三）" in reply.text
    reply = await staff.command("schedule", "下周")
    assert "日期格式不正确" in reply.text
    await staff.command("schedule", "20261202")
    reply = await staff.press("1", exact=True)
    assert f"预约 {first.code}" in reply.text and "状态：待办理" in reply.text


async def test_a_busy_day_fits_one_message(harness: Harness) -> None:
    day = date(2026, 12, 2)
    for n in range(45):
        unit_id = await make_unit(harness, f"unit{n:02d}", f"北京市朝阳区第{n:02d}号非常长名称的科技发展有限责任公司")
        await book(harness, unit_id, day, "am" if n < 30 else "pm", fill=False)
    staff = harness.user(STAFF)
    reply = await staff.command("schedule", "2026-12-02")
    assert len(reply.text) <= 4000
    assert "完整列表请用 /export 导出" in reply.text
    assert len([label for label in reply.labels if label[:3].isdigit()]) == 40


# ---------------------------------------------------------------- /find, booking and unit views


async def test_find_booking_code_shows_items_with_masked_ids(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2), counts={NEW: 2})
    staff = harness.user(STAFF)
    reply = await staff.command("find", booking.code.lower())
    assert f"预约 {booking.code}" in reply.text
    assert "1. 新办 1/2 张三 110105********002X｜审核：未审核" in reply.text
    assert "11010519491231002X" not in reply.text
    assert reply.labels.count("通过") == 2 and reply.labels.count("材料不符") == 2
    assert {"已办理", "未到", "撤销预约", "历史记录"} <= set(reply.labels)
    reply = await staff.press("新办1/2 张三")
    assert "证件：居民身份证 110105********002X" in reply.text and "手机：13912345678" in reply.text


async def test_find_unit_by_name_or_username(harness: Harness) -> None:
    acme = await logged_in(harness)
    await logged_in(harness, 1002, "acme2", "北京示例二厂")
    booking = await book(harness, acme, date(2026, 12, 2))
    staff = harness.user(STAFF)
    reply = await staff.command("find")
    assert "请输入预约编号" in reply.text
    reply = await staff.send("示例科技")
    assert "单位：北京示例科技有限公司（用户名 acme）" in reply.text
    assert "材料不符：本月已计0次；再有4次将冻结本月预约权限" in reply.text and "预约权限：正常" in reply.text
    assert "绑定经办人：经办人" in reply.text and "1001" not in reply.text
    assert booking.code in reply.text
    reply = await staff.command("find", "acme")
    assert "找到 2 个单位" in reply.text
    reply = await staff.press("北京示例二厂")
    assert "用户名 acme2" in reply.text and "有效预约：无" in reply.text
    reply = await staff.command("find", "不存在的单位")
    assert "没有找到" in reply.text
    reply = await staff.send(booking.code)
    assert f"预约 {booking.code}" in reply.text


# ---------------------------------------------------------------- review (SPEC §8)


async def test_review_results_notify_every_clerk(harness: Harness) -> None:
    acme = await logged_in(harness)
    second = harness.user(1002)
    await second.command("login")
    await second.send("acme")
    await second.send("Own-Password-9")
    booking = await book(harness, acme, date(2026, 12, 2), counts={NEW: 2})
    clerks = [harness.user(1001), second]
    for clerk in clerks:
        clerk.new_messages()
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    reply = await staff.press("通过", exact=True)
    assert "已记录：张三（新办）通过，已通知 2 位经办人。" in reply.text
    for clerk in clerks:
        [notice] = clerk.new_messages()
        assert booking.code in notice.text and "张三（新办）" in notice.text and "审核结果：通过" in notice.text
        assert "110105" not in notice.text
    # 不通过 asks for a reason (quick picks or typed) and a confirmation; a too long one is asked again
    buttons = [data for label, data in staff.last.buttons if label == "不通过"]
    reply = await staff.press_data(buttons[1])
    assert "审核「李雷（新办2）」为【不通过】" in reply.text and "材料不齐全" in reply.labels
    reply = await staff.send("很" * 201)
    assert "最多200个字" in reply.text and "【不通过】" in reply.text and "材料不齐全" in reply.labels
    for clerk in clerks:
        assert clerk.new_messages() == []  # nothing told before the confirmation
    reply = await staff.send("身份证照片不清晰")
    assert "确认将「李雷（新办2）」审核为【不通过】？" in reply.text and "原因：身份证照片不清晰" in reply.text
    reply = await staff.press("确认", exact=True)
    assert "李雷（新办）不通过" in reply.text
    for clerk in clerks:
        [notice] = clerk.new_messages()
        assert "审核结果：不通过" in notice.text and "原因：身份证照片不清晰" in notice.text
    async with harness.deps.db.read() as conn:
        items = await repo.items_of(conn, booking.id)
        lines = await repo.history(conn, "booking", booking.id)
    assert [(i.review, i.review_reason) for i in items] == [("pass", None), ("fail", "身份证照片不清晰")]
    reviews = [e for e in lines if e.action == "review"]
    assert len(reviews) == 2 and all(e.actor == f"tg:{STAFF}" for e in reviews)
    reply = await staff.press("历史记录")
    assert f"预约 {booking.code} 历史记录" in reply.text
    assert "管理员 审核〔新办2〕" in reply.text and "审核：未审核→不通过" in reply.text


async def test_a_clerk_who_blocked_the_bot_is_marked_and_the_others_still_told(harness: Harness) -> None:
    acme = await logged_in(harness)
    second = harness.user(1002)
    await second.command("login")
    await second.send("acme")
    await second.send("Own-Password-9")
    booking = await book(harness, acme, date(2026, 12, 2))
    harness.api.behaviour = lambda method, params: (
        ApiError.blocked() if method == "sendMessage" and str(params.get("chat_id")) == "1002" else None
    )
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    reply = await staff.press("通过", exact=True)
    assert "已通知 1 位经办人" in reply.text
    assert "审核结果：通过" in harness.user(1001).last.text
    async with harness.deps.db.read() as conn:
        assert (await repo.get_tg_user(conn, 1002)).blocked_at is not None  # type: ignore[union-attr]
        assert (await repo.get_tg_user(conn, 1001)).blocked_at is None  # type: ignore[union-attr]


async def test_four_mismatches_in_a_month_freeze_until_the_first(harness: Harness) -> None:
    """Given on the appointment day (after the change deadline) each 材料不符 counts at once."""
    harness.clock.set(at("2026-11-25 10:00"))
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 11, 26), counts={NEW: 4})
    clerk = harness.user(1001)
    clerk.new_messages()
    harness.clock.set(at("2026-11-26 09:10"))
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    mismatch_buttons = [data for label, data in staff.last.buttons if label == "材料不符"]
    assert len(mismatch_buttons) == 4
    for n, data in enumerate(mismatch_buttons, 1):
        await reviewed_with_reason(staff, data, "材料与预约信息不符")
        [notice] = clerk.new_messages()
        assert "审核结果：材料不符" in notice.text and "已计入本单位本月次数" in notice.text
        if n <= 3:
            assert f"本月已计{n}次；再有{4 - n}次将冻结本月预约权限" in notice.text
    assert "本月预约权限已冻结，次月1日起可再次预约" in notice.text and "/3" not in notice.text
    # giving the same result again counts nothing twice
    await staff.command("find", booking.code)
    await reviewed_with_reason(staff, mismatch_buttons[0], "材料与预约信息不符")
    assert staff.answer_of_last_press()["text"] == "审核结果没有变化。"
    async with harness.deps.db.read() as conn:
        assert len(await repo.mismatch_times(conn, acme, "2026-11")) == 4
        assert [e.action for e in await repo.history(conn, "unit", acme)].count("freeze") == 1
    reply = await staff.command("find", "acme")
    assert "本月已计4次，本月预约权限已冻结，次月1日起可再次预约" in reply.text
    reply = await clerk.command("book")
    assert "本月预约权限已冻结，次月1日起可再次预约" in reply.text
    harness.clock.set(at("2026-12-01 09:30"))
    reply = await clerk.command("book")
    assert "本月预约权限已冻结" not in reply.text
    assert "我已认真阅读并接受以上协议" in reply.labels


async def test_a_pending_fail_reason_survives_a_restart(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2))
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    await staff.press("不通过")
    await harness.restart()
    reply = await staff.send("缺少劳动合同")
    assert "原因：缺少劳动合同" in reply.text
    await harness.restart()
    reply = await staff.press("确认", exact=True)
    assert "张三（新办）不通过" in reply.text
    async with harness.deps.db.read() as conn:
        [item] = await repo.items_of(conn, booking.id)
    assert (item.review, item.review_reason) == ("fail", "缺少劳动合同")


async def test_opening_another_staff_screen_drops_the_pending_question(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2))
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    await staff.press("撤销预约")
    await staff.command("schedule")
    reply = await staff.send("这不是撤销原因")
    assert reply.text == texts.unknown_input()
    assert (await booking_row(harness, booking.id)).state is BookingState.PENDING


async def test_review_refused_for_an_unfilled_item(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2), fill=False)
    staff = harness.user(STAFF)
    reply = await staff.command("find", booking.code)
    assert "1. 新办 1/1 （未填写）" in reply.text
    assert "通过" not in reply.labels
    item_id = reply.buttons[0][1].split(":")[-1]
    await staff.press_data(f"st:rv:{item_id}:pass")
    assert staff.answer_of_last_press()["text"] == "该申请人信息尚未填写，暂不能审核。"


# ---------------------------------------------------------------- outcomes and revoke


async def test_served_sends_the_evaluation_request(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2))
    clerk = harness.user(1001)
    clerk.new_messages()
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    await staff.press("已办理")
    assert "当天起才能标记" in staff.answer_of_last_press()["text"]
    assert (await booking_row(harness, booking.id)).state is BookingState.PENDING
    harness.clock.set(at("2026-12-02 10:30"))
    reply = await staff.press("已办理")
    assert f"已将 {booking.code} 标记为「已办理」，已通知 1 位经办人。" in reply.text
    assert "已办理" not in reply.labels and "撤销预约" not in reply.labels
    [notice] = clerk.new_messages()
    assert booking.code in notice.text and "满意度评价" in notice.text
    assert notice.buttons == [("满意度评价", f"hs:rate:{booking.id}:_n")]
    assert (await booking_row(harness, booking.id)).state is BookingState.SERVED
    assert await used(harness, date(2026, 12, 2)) == 15  # served bookings keep their minutes
    async with harness.deps.db.read() as conn:
        assert (await repo.history(conn, "booking", booking.id))[-1].action == "serve"


async def test_no_show(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2), fill=False)
    harness.clock.set(at("2026-12-02 16:00"))
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    assert "已办理" not in staff.last.labels  # incomplete bookings cannot be served
    reply = await staff.press("未到")
    assert "标记为「未到」" in reply.text
    assert "已被标记为「未到」" in harness.user(1001).last.text
    assert (await booking_row(harness, booking.id)).state is BookingState.NO_SHOW


async def test_revoke_asks_a_reason_tells_clerks_and_returns_minutes(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2), counts={NEW: 2})
    assert await used(harness, date(2026, 12, 2)) == 30
    clerk = harness.user(1001)
    clerk.new_messages()
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    reply = await staff.press("撤销预约")
    assert "撤销预约" in reply.text and "原因" in reply.text
    await staff.send_sticker()
    assert "原因" in staff.last.text
    reply = await staff.send("重复预约")
    assert f"已撤销 {booking.code}，号源已释放，已通知 1 位经办人。" in reply.text
    fresh = clerk.new_messages()  # the notice, and the file that removes the calendar entry
    [notice] = [m for m in fresh if m.text]
    [removal] = [m for m in fresh if m.document]
    assert len(fresh) == 2 and "已被中心撤销" in notice.text and "原因：重复预约" in notice.text
    assert b"METHOD:CANCEL" in removal.document[1]
    revoked = await booking_row(harness, booking.id)
    assert revoked.state is BookingState.REVOKED and revoked.ended_reason == "重复预约"
    assert await used(harness, date(2026, 12, 2)) == 0


# ---------------------------------------------------------------- capacity and closures


async def test_capacity_set_and_session_close(harness: Harness) -> None:
    staff = harness.user(STAFF)
    reply = await staff.command("capacity")
    assert "2026年12月2日（周三） 时段容量" in reply.text
    reply = await staff.command("capacity", "2026-12-03")
    assert "上午 09:00–12:00：已约 0/540 分钟，开放" in reply.text
    await staff.press("上午 设容量")
    assert "当前容量 540 分钟" in staff.last.text
    reply = await staff.send("很多")
    assert "请输入容量分钟数" in reply.text
    reply = await staff.send("-5")
    assert "容量不能小于0分钟" in reply.text
    reply = await staff.send("100")
    assert "已将 12月3日（周四）上午 的容量设为 100 分钟" in reply.text
    assert "上午 09:00–12:00：已约 0/100 分钟，开放" in reply.text
    reply = await staff.press("上午 关闭时段")
    assert "上午 09:00–12:00：已约 0/100 分钟，已关闭" in reply.text
    async with harness.deps.db.read() as conn:
        slot = (await repo.slot_usage(conn, [date(2026, 12, 3)]))[(date(2026, 12, 3), "am")]
        lines = await repo.history(conn, "capacity", "2026-12-03:am")
    assert slot.capacity == 100 and slot.closed
    assert [(e.action, e.actor) for e in lines] == [("set_capacity", f"tg:{STAFF}"), ("close_session", f"tg:{STAFF}")]
    cells = {(a.day, a.session.key): a for a in await harness.deps.bookings.availability()}
    assert not cells[(date(2026, 12, 3), "am")].fits(5)
    reply = await staff.press("上午 重新开放")
    assert "已约 0/100 分钟，开放" in reply.text


async def test_closing_a_date_cancels_its_bookings_and_offers_rebooking(harness: Harness) -> None:
    acme = await logged_in(harness)
    day = date(2026, 12, 2)
    booking = await book(harness, acme, day, counts={NEW: 1, RENEW: 1})
    # the nearest day has no room left in the morning: the offer prefers the same session, else the other
    async with harness.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, date(2026, 12, 3), "am", 10)
    clerk = harness.user(1001)
    clerk.new_messages()
    staff = harness.user(STAFF)
    await staff.command("capacity", "2026-12-02")
    reply = await staff.press("关闭整日")
    assert "关闭 2026年12月2日（周三） 的原因" in reply.text
    reply = await staff.send("系统升级")
    assert "1 个有效预约将被取消" in reply.text
    reply = await staff.press("确认关闭")
    assert "已关闭 2026年12月2日（周三），取消 1 个预约，已通知 1 位经办人。" in reply.text
    assert "整日已关闭：系统升级" in reply.text and "取消关闭" in reply.labels
    # the closure comes first and no session of the closed date reads 开放
    assert reply.text.index("整日已关闭") < reply.text.index("上午 09:00–12:00")
    assert "开放" not in reply.text and "上午 09:00–12:00：已约 0/540 分钟，整日关闭" in reply.text
    cancelled = await booking_row(harness, booking.id)
    assert cancelled.state is BookingState.CANCELLED
    assert cancelled.ended_reason == "中心因故关闭该日期：系统升级"
    assert await used(harness, day) == 0
    assert day not in {a.day for a in await harness.deps.bookings.availability()}
    [notice] = [m for m in clerk.new_messages() if m.buttons]
    assert "中心因故关闭 2026年12月2日（周三）（原因：系统升级）" in notice.text
    assert notice.labels == ["改约至 12月3日（周四）下午", "改约至 12月4日（周五）上午", "改约至 12月7日（周一）上午"]
    assert notice.buttons[0][1] == f"bk:rebook:20261203:pm:{booking.id}:_n"
    await clerk.press("改约至 12月3日（周四）下午")
    texts_seen = [m.shown for m in clerk.new_messages()]
    async with harness.deps.db.read() as conn:
        new = await repo.active_booking_on(conn, acme, date(2026, 12, 3))
        assert new is not None
        items = await repo.items_of(conn, new.id)
    assert new.session == "pm" and new.minutes == 25 and new.state is BookingState.PENDING
    assert [i.applicant_name for i in items] == ["张三", "李雷"]
    assert any(f"新预约编号 {new.code}" in t for t in texts_seen)
    assert any("预约回执" in t and new.code in t for t in texts_seen)
    assert notice.message_id in {m.message_id for m in clerk.bot_messages()}
    assert clerk.api.messages[notice.message_id].buttons == []  # the offer is used up
    # the same button again (an old copy of the notice) is refused politely
    await clerk.press_data(f"bk:rebook:20261204:am:{booking.id}")
    assert "已经改约过了" in clerk.last.text


async def test_an_older_close_confirmation_closes_nothing(harness: Harness) -> None:
    """Two closing dialogues: only the newest page's 「确认关闭」 acts, with the reason it showed."""
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2), fill=False)
    staff = harness.user(STAFF)
    await staff.command("capacity", "2026-12-02")
    await staff.press("关闭整日")
    first = await staff.send("停电")
    assert first is not None and "确认关闭" in first.labels and "停电" in first.text
    await staff.command("capacity", "2026-12-02")
    await staff.press("关闭整日")
    second = await staff.send("系统升级")
    assert second is not None and "系统升级" in second.text
    await staff.press("确认关闭", first)  # the page that showed 「停电」
    assert staff.answer_of_last_press().get("show_alert") is True
    assert (await booking_row(harness, booking.id)).state is BookingState.INCOMPLETE
    assert date(2026, 12, 2) in {a.day for a in await harness.deps.bookings.availability()}
    await staff.press("确认关闭", second)
    cancelled = await booking_row(harness, booking.id)
    assert cancelled.state is BookingState.CANCELLED
    assert cancelled.ended_reason == "中心因故关闭该日期：系统升级"


async def test_an_older_session_close_confirmation_closes_nothing(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 3), "pm", fill=False)
    staff = harness.user(STAFF)
    await staff.command("capacity", "2026-12-03")
    await staff.press("下午 关闭时段")
    first = await staff.send("下午停电")
    await staff.command("capacity", "2026-12-03")
    await staff.press("下午 关闭时段")
    second = await staff.send("下午培训")
    assert first is not None and second is not None
    await staff.press("确认关闭", first)
    assert staff.answer_of_last_press().get("show_alert") is True
    assert (await booking_row(harness, booking.id)).state is BookingState.INCOMPLETE
    await staff.press("确认关闭", second)
    cancelled = await booking_row(harness, booking.id)
    assert cancelled.state is BookingState.CANCELLED and cancelled.ended_reason == "中心因故关闭该时段：下午培训"


async def test_rebook_slot_gone_offers_fresh_options(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2), fill=False)
    staff = harness.user(STAFF)
    await staff.command("capacity", "2026-12-02")
    await staff.press("关闭整日")
    await staff.send("停电")
    await staff.press("确认关闭")
    async with harness.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, date(2026, 12, 3), "am", 0)
    clerk = harness.user(1001)
    await clerk.press("改约至 12月3日（周四）上午")
    assert "号源刚刚约满" in clerk.last.text
    assert clerk.last.labels[0] == "改约至 12月3日（周四）下午"
    await clerk.press("改约至 12月3日（周四）下午")
    async with harness.deps.db.read() as conn:
        new = await repo.active_booking_on(conn, acme, date(2026, 12, 3))
    assert new is not None and new.state is BookingState.INCOMPLETE
    assert (await booking_row(harness, booking.id)).state is BookingState.CANCELLED


# ---------------------------------------------------------------- calendar


async def test_calendar_shows_thirty_days_with_marks(harness: Harness) -> None:
    staff = harness.user(STAFF)
    reply = await staff.command("calendar")
    lines = reply.text.splitlines()
    assert lines[0] == "🗓 工作日历：2026年12月1日（周二）起30天"
    assert "12月1日 周二 工作日" in lines and "12月5日 周六 休息日" in lines and lines[30] == "12月30日 周三 工作日"
    # 2027 is not in view yet but within the window's reach: the warning and the admin's button show
    assert any("2027年尚无官方日历数据" in line for line in lines)
    assert "确认2027年日历" in reply.labels
    reply = await staff.press("后30天")
    lines = reply.text.splitlines()
    assert lines[0] == "🗓 工作日历：2026年12月31日（周四）起30天"
    assert "—— 2027年 ——" in lines
    assert "1月1日 周五 法定节假日·元旦⚠" in lines


async def test_calendar_override_set_delete_and_confirm_year(harness: Harness) -> None:
    assert await unconfirmed_years_ahead(harness.deps.bookings, harness.clock.now().date()) == [2027]
    staff = harness.user(STAFF)
    await staff.command("calendar")
    await staff.press("设置调整")
    reply = await staff.send("下周")
    assert "日期格式不正确" in reply.text
    reply = await staff.send("昨天")
    assert "已经过去" in reply.text
    reply = await staff.send("2026-11-30")
    assert "已经过去" in reply.text
    reply = await staff.send("2026-12-05")
    assert "2026年12月5日（周六） 当前为：休息日" in reply.text
    assert reply.labels == ["工作日", "休息日", "法定节假日"]
    await staff.press("工作日")
    reply = await staff.send("临时调休上班")
    assert "已设置：2026年12月5日（周六） 为 工作日（临时调休上班）" in reply.text
    assert "12月5日 周六 工作日（调休上班）〔调〕 临时调休上班" in reply.text.splitlines()
    cal = await harness.deps.bookings.calendar()
    assert cal.is_workday(date(2026, 12, 5))
    await staff.press("删除调整")
    reply = await staff.send("2026-12-05")
    assert "已删除 2026年12月5日（周六） 的人工调整，现为：休息日" in reply.text
    await staff.press("删除调整")
    reply = await staff.send("2026-12-05")
    assert "该日期没有人工调整" in reply.text
    await staff.command("calendar")
    reply = await staff.press("确认2027年日历")
    assert "已确认2027年日历" in reply.text and "确认2027年日历" not in reply.labels
    assert await unconfirmed_years_ahead(harness.deps.bookings, harness.clock.now().date()) == []
    async with harness.deps.db.read() as conn:
        assert await repo.confirmed_years(conn) == {2027}
        actions = [e.action for e in await repo.history(conn, "calendar", "2026-12-05")]
    assert actions == ["set_override", "delete_override"]


async def test_unconfirmed_years_ahead_is_empty_in_autumn(harness: Harness) -> None:
    harness.clock.set(at("2026-11-01 10:00"))
    assert await unconfirmed_years_ahead(harness.deps.bookings, harness.clock.now().date()) == []
    harness.clock.set(at("2026-11-25 10:00"))
    assert await unconfirmed_years_ahead(harness.deps.bookings, harness.clock.now().date()) == [2027]


# ---------------------------------------------------------------- export and chart


async def test_export_csv_and_xlsx_documents(harness: Harness) -> None:
    acme = await logged_in(harness)
    beta = await logged_in(harness, 1002, "beta", "北京贝塔咨询有限公司")
    first = await book(harness, acme, date(2026, 12, 2), counts={NEW: 1, RENEW: 2})
    second = await book(harness, beta, date(2026, 12, 3), "pm", user_id=1002, fill=False)
    await book(harness, beta, date(2026, 12, 7), user_id=1002)  # outside the range
    staff = harness.user(STAFF)
    await staff.command("export", "2026-12-02..2026-12-03")
    csv_doc, xlsx_doc = [m.document for m in staff.new_messages() if m.document]
    assert csv_doc[0] == "schedule_20261202-20261203.csv" and xlsx_doc[0] == "schedule_20261202-20261203.xlsx"
    assert csv_doc[1].startswith(b"\xef\xbb\xbf")
    header = ["预约编号", "日期", "时段", "单位", "业务", "序号", "申请人", "审核结果", "审核原因", "预约状态", "经办人",
              "经办人电话", "预约分钟"]
    unit_a, unit_b = "北京示例科技有限公司", "北京贝塔咨询有限公司"
    expected = [
        header,
        [first.code, "2026-12-02", "上午", unit_a, "新办", "1", "张三", "未审核", "", "待办理", "李四", "13800138000", "35"],
        [first.code, "2026-12-02", "上午", unit_a, "续办", "1", "李雷", "未审核", "", "待办理", "李四", "13800138000", "35"],
        [first.code, "2026-12-02", "上午", unit_a, "续办", "2", "韩梅梅", "未审核", "", "待办理", "李四", "13800138000",
         "35"],
        [second.code, "2026-12-03", "下午", unit_b, "新办", "1", "（未填写）", "未填写", "", "待完善信息", "李四",
         "13800138000", "15"],
    ]
    assert list(csv.reader(io.StringIO(csv_doc[1].decode("utf-8-sig")))) == expected
    sheet = load_workbook(io.BytesIO(xlsx_doc[1])).active
    assert [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)] == expected
    async with harness.deps.db.read() as conn:
        [line] = await repo.history(conn, "staff", STAFF)
    assert line.action == "export" and '"rows": 4' in (line.after or "")
    reply = await staff.command("export", "下周")
    assert "用法：/export" in reply.text
    reply = await staff.command("export", "2026-01-01..2026-12-31")
    assert "导出范围最多62天" in reply.text


async def test_export_today_button(harness: Harness) -> None:
    staff = harness.user(STAFF)
    await staff.command("staff")
    await staff.press("导出今日")
    docs = [m.document for m in staff.new_messages() if m.document]
    assert [d[0] for d in docs] == ["schedule_20261201.csv", "schedule_20261201.xlsx"]
    assert docs[0][1].decode("utf-8-sig").strip() == "预约编号,日期,时段,单位,业务,序号,申请人,审核结果,审核原因,预约状态,经办人,经办人电话,预约分钟"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


async def test_chart_is_a_png_with_chinese_labels_and_no_missing_glyphs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    acme = await logged_in(harness)
    await book(harness, acme, date(2026, 12, 2), counts={NEW: 4})
    staff = harness.user(STAFF)
    caplog.set_level(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await staff.command("chart")
    glyphs = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing" in str(w.message)]
    assert glyphs == []
    assert not [r for r in caplog.records if "Glyph" in r.getMessage() or "findfont" in r.getMessage()]
    photo = staff.last
    assert photo.photo is not None
    assert png_size(photo.photo)[0] == 720
    assert photo.caption == "未来可约日号源利用率：已约 60/5850 分钟"


def test_chart_font_is_a_cjk_font() -> None:
    from bot.exports import cjk_font

    path, family = cjk_font()
    assert family in {"Noto Sans CJK SC", "WenQuanYi Micro Hei"}
    from matplotlib.ft2font import FT2Font

    font = FT2Font(path)
    assert font.get_char_index(ord("约")) != 0


async def test_stale_staff_buttons_are_answered(harness: Harness) -> None:
    staff = harness.user(STAFF)
    await staff.command("staff")
    for data in ("st:bk:999", "st:rv:999:pass", "st:out:999:serve", "st:rvk:999", "st:hist:999", "st:unit:999",
                 "st:day:2026", "st:capcl:20261202:xx:1", "st:dopen:20261202"):
        await staff.press_data(data)
        assert staff.answer_of_last_press().get("show_alert") is True, data
    assert texts.STALE_BUTTON == "该按钮已失效，请重新操作。"


async def test_closing_a_session_with_bookings_cancels_them_and_offers_rebooking(harness: Harness) -> None:
    acme = await logged_in(harness)
    day = date(2026, 12, 3)
    booking = await book(harness, acme, day, "pm", counts={NEW: 1})
    beta = await make_unit(harness, "beta", "北京另一家公司")
    morning = await book(harness, beta, day, "am", user_id=1002)
    clerk = harness.user(1001)
    clerk.new_messages()
    staff = harness.user(STAFF)
    await staff.command("capacity", "2026-12-03")
    reply = await staff.press("下午 关闭时段")
    assert "1 个有效预约" in reply.text and "原因" in reply.text
    assert (await booking_row(harness, booking.id)).state is BookingState.PENDING  # nothing happened yet
    reply = await staff.send("下午停电")
    assert "确认关闭" in reply.labels and "1 个有效预约将被取消" in reply.text
    reply = await staff.press("确认关闭")
    assert "已关闭 12月3日（周四）下午，取消 1 个预约，已通知 1 位经办人。" in reply.text
    assert "下午 13:30–17:00：已约 0/630 分钟，已关闭" in reply.text
    cancelled = await booking_row(harness, booking.id)
    assert cancelled.state is BookingState.CANCELLED and cancelled.ended_reason == "中心因故关闭该时段：下午停电"
    assert (await booking_row(harness, morning.id)).state is BookingState.PENDING  # the other session stands
    assert await used(harness, day, "pm") == 0
    [notice] = [m for m in clerk.new_messages() if m.buttons]
    assert "中心因故关闭 2026年12月3日（周四）下午（原因：下午停电）" in notice.text
    # the nearest dates with room, the booking's own session preferred; the closed afternoon is not offered
    assert notice.labels == ["改约至 12月2日（周三）下午", "改约至 12月3日（周四）上午", "改约至 12月4日（周五）下午"]
    await clerk.press("改约至 12月3日（周四）上午")
    async with harness.deps.db.read() as conn:
        new = await repo.active_booking_on(conn, acme, day)
        lines = await repo.history(conn, "capacity", "2026-12-03:pm")
    assert new is not None and new.session == "am" and new.state is BookingState.PENDING
    assert [(e.action, e.actor) for e in lines] == [("close_session", f"tg:{STAFF}")]
    assert "下午停电" in (lines[0].after or "")
    # reopening the session takes new bookings again; the cancelled one stays cancelled
    reply = await staff.command("capacity", "2026-12-03")
    reply = await staff.press("下午 重新开放")
    assert "下午 13:30–17:00：已约 0/630 分钟，开放" in reply.text
    assert (await booking_row(harness, booking.id)).state is BookingState.CANCELLED


async def test_closing_an_empty_session_needs_no_reason(harness: Harness) -> None:
    staff = harness.user(STAFF)
    await staff.command("capacity", "2026-12-03")
    reply = await staff.press("上午 关闭时段")
    assert "已关闭 12月3日（周四）上午" in reply.text and "已约 0/540 分钟，已关闭" in reply.text
    reply = await staff.send("随便打的字")
    assert reply.text == texts.unknown_input()


async def test_a_calendar_override_takes_effect_at_once_in_the_window_and_deadlines(harness: Harness) -> None:
    acme = await logged_in(harness)
    await book(harness, acme, date(2026, 12, 4))
    clerk = harness.user(1001)
    reply = await clerk.command("my")
    assert "修改/取消截止：2026年12月3日（周四）24:00" in reply.text
    window = [a.day for a in await harness.deps.bookings.availability()]
    assert sorted(set(window)) == [date(2026, 12, d) for d in (2, 3, 4, 7, 8)]

    staff = harness.user(STAFF)
    await staff.command("calendar")
    await staff.press("设置调整")
    await staff.send("12月3日")
    await staff.press("法定节假日")
    reply = await staff.send("临时放假")
    assert "已设置：2026年12月3日（周四） 为 法定节假日（临时放假）" in reply.text

    window = [a.day for a in await harness.deps.bookings.availability()]
    assert sorted(set(window)) == [date(2026, 12, d) for d in (2, 4, 7, 8, 9)]
    reply = await clerk.command("my")
    assert "修改/取消截止：2026年12月2日（周三）24:00" in reply.text
    # the override removed again: the official calendar applies at once
    await staff.press("删除调整")
    await staff.send("2026-12-03")
    reply = await clerk.command("my")
    assert "修改/取消截止：2026年12月3日（周四）24:00" in reply.text


async def test_capacity_lowered_below_what_is_booked(harness: Harness) -> None:
    acme = await logged_in(harness)
    day = date(2026, 12, 3)
    await book(harness, acme, day, counts={NEW: 2, RENEW: 1})  # 40 minutes
    staff = harness.user(STAFF)
    await staff.command("capacity", "2026-12-03")
    await staff.press("上午 设容量")
    reply = await staff.send("30分钟")
    assert "已将 12月3日（周四）上午 的容量设为 30 分钟（已约 40 分钟）" in reply.text
    assert "新容量小于已约分钟数，已有预约不受影响" in reply.text
    assert "上午 09:00–12:00：已约 40/30 分钟，开放" in reply.text
    cells = {(a.day, a.session.key): a for a in await harness.deps.bookings.availability()}
    cell = cells[(day, "am")]
    assert cell.left == 0 and not cell.fits(5)  # never negative, shown as full to clerks
    reply = await staff.command("schedule", "2026-12-03")
    assert "【上午 09:00–12:00】已约 40/30 分钟" in reply.text
    # the booking stands; raising the capacity again reopens the session to clerks
    await staff.command("capacity", "2026-12-03")
    await staff.press("上午 设容量")
    await staff.send("100")
    cells = {(a.day, a.session.key): a for a in await harness.deps.bookings.availability()}
    assert cells[(day, "am")].left == 60


async def test_reopening_a_closed_date(harness: Harness) -> None:
    acme = await logged_in(harness)
    day = date(2026, 12, 3)
    booking = await book(harness, acme, day)
    staff = harness.user(STAFF)
    await staff.command("capacity", "2026-12-03")
    await staff.press("关闭整日")
    await staff.send("内部培训")
    await staff.press("确认关闭")
    assert day not in {a.day for a in await harness.deps.bookings.availability()}
    reply = await staff.press("取消关闭")
    assert "已取消对 2026年12月3日（周四） 的关闭" in reply.text and "已取消的预约不会恢复" in reply.text
    assert "关闭整日" in reply.labels
    assert day in {a.day for a in await harness.deps.bookings.availability()}
    assert (await booking_row(harness, booking.id)).state is BookingState.CANCELLED
    async with harness.deps.db.read() as conn:
        lines = await repo.history(conn, "capacity", "2026-12-03")
    assert [(e.action, e.actor) for e in lines] == [("close_date", f"tg:{STAFF}"), ("reopen_date", f"tg:{STAFF}")]
    assert "内部培训" in (lines[1].before or "")
    await staff.press_data("st:dopen:20261203")  # an old button: nothing to undo
    assert staff.answer_of_last_press()["text"] == "该日期没有关闭。"


async def test_a_bookings_history_shows_who_when_what_and_which_applicant(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2), counts={NEW: 2})
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    fail = [data for label, data in staff.last.buttons if label == "不通过"][1]
    await reviewed_with_reason(staff, fail, "缺少劳动合同")
    harness.clock.set(at("2026-12-01 11:05"))
    await staff.press("撤销预约")
    await staff.send("重复预约")
    reply = await staff.press("历史记录")
    lines = reply.text.splitlines()
    assert lines[0] == f"预约 {booking.code} 历史记录"
    assert lines[1].startswith("12-01 10:00 经办人 预约：编号：")
    assert "12-01 10:00 管理员 审核〔新办2〕：审核：未审核→不通过；原因：—→缺少劳动合同" in lines
    assert "12-01 11:05 管理员 撤销：状态：待办理→已撤销；原因：重复预约" in lines


async def test_unbinding_a_clerk_is_audited_with_before_and_after(harness: Harness) -> None:
    import json

    unit_id = await logged_in(harness)
    staff = harness.user(STAFF)
    await staff.command("units", "acme")
    await staff.press("（acme）")
    await staff.press("解绑经办人（1）")
    await staff.press("解绑 1：经办人")
    async with harness.deps.db.read() as conn:
        line = (await repo.history(conn, "unit", unit_id))[-1]
    assert (line.action, line.actor) == ("unbind", f"tg:{STAFF}")
    assert json.loads(line.before or "{}") == {"user_id": 1001, "unit_id": unit_id}
    assert json.loads(line.after or "{}") == {"user_id": 1001, "unit_id": None}


async def test_a_stale_fail_button_is_refused_before_the_reason_is_typed(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2))
    staff = harness.user(STAFF)
    view = await staff.command("find", booking.code)
    await staff.press("撤销预约")
    await staff.send("重复预约")
    await staff.press("不通过", view)  # the old booking view
    assert staff.answer_of_last_press()["text"] == "该预约状态为「已撤销」，不能审核。"
    reply = await staff.send("照片不清晰")
    assert reply.text == texts.unknown_input()


async def test_every_stale_staff_button_is_answered_exactly_once(harness: Harness) -> None:
    """Telegram accepts one answer per press: a stale press must get its alert as that one answer."""
    staff = harness.user(STAFF)
    await staff.command("staff")
    forged = ("st:bk:999", "st:item:999", "st:hist:999", "st:unit:999", "st:rv:999:pass", "st:rv:999:fail",
              "st:out:999:serve", "st:rvk:999", "st:day:2026", "st:capcl:20261202:xx:1", "st:capset:20261202:xx",
              "st:dopen:20261202", "st:dcloseok:20261202", "st:scloseok:20261202:am", "st:calkind:20261205:workday",
              "st:calyr:2026", "st:sarm:123", "st:sarmok:123", "st:uview:999", "st:uren:999", "st:ureset:999",
              "st:uresetok:999", "st:uclerks:999", "st:bsend", "st:srange:20261231:20261201")
    for data in forged:
        before = len(harness.api.sent("answerCallbackQuery"))
        await staff.press_data(data)
        answers = harness.api.sent("answerCallbackQuery")[before:]
        assert len(answers) == 1, (data, [a.params for a in answers])
        assert answers[0].params.get("show_alert") is True and answers[0].params.get("text"), data


async def test_correcting_a_mismatch_tells_the_clerk_it_no_longer_counts(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await book(harness, acme, date(2026, 12, 2))
    clerk = harness.user(1001)
    clerk.new_messages()
    staff = harness.user(STAFF)
    await staff.command("find", booking.code)
    await staff.press("材料不符", exact=True)
    await staff.press("证件号码不一致")
    await staff.press("确认", exact=True)
    [notice] = clerk.new_messages()
    assert "审核结果：材料不符" in notice.text and "原因：证件号码不一致" in notice.text
    assert "本月已计0次；再有4次将冻结本月预约权限" in notice.text
    assert "请在2026年12月1日（周二）24:00（修改截止时间）前修改" in notice.text
    await staff.press("通过", exact=True)
    [notice] = clerk.new_messages()
    assert "审核结果：通过" in notice.text and "已撤销，不计入次数" in notice.text
    async with harness.deps.db.read() as conn:
        assert await repo.mismatch_times(conn, acme, "2026-12") == []
