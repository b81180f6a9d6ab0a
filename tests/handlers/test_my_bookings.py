"""我的预约 through the real Application: list, cancel, 改约, 办理数量, 经办人信息, deadline, forgery."""

from __future__ import annotations

from datetime import date, datetime

from icalendar import Calendar, Event

from bot import texts
from bot.callbacks import pack
from bot.fake_telegram import FakeMessage, FakeUser
from bot.harness import Harness
from bot.keyboards import NO_PREVIEWS
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.rules.tz import TZ
from bot.storage import repo
from bot.storage.models import Booking
from tests.support import at
from tests.support.applicants import ID_B, PHONE_B
from tests.support.clerks import logged_in, make_unit

WED = date(2026, 12, 2)
THU = date(2026, 12, 3)
MON = date(2026, 12, 7)
APPLICANT = {"name": "张三", "id_type": "passport", "id_number": "E12345678", "phone": "13900139000"}


def ics_calendar(message: FakeMessage) -> Calendar:
    """The calendar file a message carries, parsed back."""
    assert message.document is not None
    return Calendar.from_ical(message.document[1])


def ics_event(message: FakeMessage) -> Event:
    """The one event of a message's calendar file."""
    [event] = ics_calendar(message).walk("VEVENT")
    return event


async def press_text(user: FakeUser, label: str, message: FakeMessage | None = None, *,
                     exact: bool = False) -> FakeMessage:
    """Press, then the newest message with text (a calendar file may follow the panel)."""
    await user.press(label, message, exact=exact)
    return next(m for m in reversed(user.bot_messages()) if m.text is not None)


async def book(h: Harness, unit_id: int, counts: dict[B, int] | None = None, day: date = WED,
               session: str = "am", user_id: int = 1001) -> Booking:
    booking = await h.deps.bookings.book(unit_id=unit_id, user_id=user_id, day=day, session=session,
                                         counts=counts or {B.NEW: 1}, contact_name="李雷",
                                         contact_phone="13800138000")
    await h.courier.deliver_booking(booking.id)  # its receipt, as after 「确定」
    return booking


async def fill(h: Harness, booking_id: int, *, skip_last: int = 0) -> None:
    """Fill the items (all but the last ``skip_last``); all filled → 待办理."""
    async with h.deps.db.write() as conn:
        items = await repo.items_of(conn, booking_id)
        for item in items[: len(items) - skip_last]:
            await repo.fill_item(conn, item.id, APPLICANT, h.clock.now())
        if not skip_last:
            await repo.set_booking_state(conn, booking_id, BookingState.INCOMPLETE, BookingState.PENDING,
                                         h.clock.now())


async def booking_row(h: Harness, booking_id: int) -> Booking:
    async with h.deps.db.read() as conn:
        found = await repo.get_booking(conn, booking_id)
    assert found is not None
    return found


async def used(h: Harness, day: date = WED, session: str = "am") -> int:
    async with h.deps.db.read() as conn:
        slot = (await repo.slot_usage(conn, [day])).get((day, session))
        value = slot.used if slot else 0
        assert value == await repo.used_minutes_by_bookings(conn, day, session)
    return value


async def items_of(h: Harness, booking_id: int) -> list[tuple[B, int, bool]]:
    async with h.deps.db.read() as conn:
        return [(i.business, i.ordinal, i.filled) for i in await repo.items_of(conn, booking_id)]


async def test_my_lists_active_bookings_with_change_buttons(harness: Harness) -> None:
    unit = await logged_in(harness)
    first = await book(harness, unit, {B.NEW: 1, B.RENEW: 2})
    second = await book(harness, unit, {B.PERSON_CHANGE: 1}, day=THU, session="pm")
    gone = await book(harness, unit, day=MON)
    await harness.deps.bookings.cancel(gone.id, unit_id=unit, user_id=1001)
    await fill(harness, second.id)
    user = harness.user(1001)
    user.new_messages()
    await user.command("my")
    header, card1, card2 = user.new_messages()
    assert "共2个" in header.text
    assert first.code in card1.text and "2026年12月2日（周三）" in card1.text and "上午 09:00–12:00" in card1.text
    assert "新办 ×1、续办 ×2（共35分钟）" in card1.text
    assert "状态：待完善信息" in card1.text and "申请人信息：已完善 0/3" in card1.text
    assert "修改/取消截止：2026年12月1日（周二）24:00" in card1.text
    assert "李雷 138****8000" in card1.text and "13800138000" not in card1.text
    assert second.code in card2.text and "状态：待办理" in card2.text and "已完善 1/1" in card2.text
    assert "下午" in card2.text
    assert card1.labels == ["下一步，即将完成预约", "修改信息", "改约", "取消预约", "签到码", "我的预约", "主菜单"]
    assert card2.labels == ["修改信息", "改约", "取消预约", "签到码", "我的预约", "主菜单"]
    assert "张三　已填写，待审核" in card2.text and "✅" not in card2.text
    assert "· 续办 2/2　未填写" in card1.text
    assert all(gone.code not in m.text for m in (header, card1, card2))  # (its receipt says 已取消)
    # the main-menu button edits the menu in place and lists the same
    await user.command("start")
    await user.press("我的预约")
    assert "共2个" in user.bot_messages()[-3].text


async def test_empty_list_offers_booking(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    reply = await user.command("my")
    assert reply.text == "您目前没有待办理的预约。"
    assert "业务预约" in reply.labels


async def test_not_logged_in_is_refused(harness: Harness) -> None:
    user = harness.user(1009)
    reply = await user.command("my")
    assert reply.text == texts.NOT_LOGGED_IN


async def test_cancel_with_confirmation_refreshes_the_receipt_and_stale_confirm_is_refused(
        harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, {B.NEW: 2})
    receipt = await harness.app.bot.send_message(1001, "回执占位", link_preview_options=NO_PREVIEWS)
    async with harness.deps.db.write() as conn:
        await repo.set_receipt(conn, b.id, 1001, receipt.message_id)
    assert await used(harness) == 30
    user = harness.user(1001)
    await user.command("my")
    reply = await user.press("取消预约")
    assert "确认取消预约" in reply.text and b.code in reply.text
    assert reply.labels == ["确认取消", "返回"]
    confirm_data = dict((label, data) for label, data in reply.buttons)["确认取消"]
    reply = await user.press("返回")
    assert reply.labels == ["下一步，即将完成预约", "修改信息", "改约", "取消预约", "签到码", "我的预约", "主菜单"]
    await user.press("取消预约")
    reply = await press_text(user, "确认取消")
    assert f"预约 {b.code} 已取消" in reply.text
    assert (await booking_row(harness, b.id)).state is BookingState.CANCELLED
    assert await used(harness) == 0
    shown = harness.api.messages[receipt.message_id]
    assert "状态：已取消" in shown.text and shown.edits == 1
    # the old 确认取消 button pressed again: refused, nothing changes
    reply = await user.press_data(confirm_data)
    assert "该预约已结束" in reply.text
    assert (await booking_row(harness, b.id)).state is BookingState.CANCELLED
    assert await used(harness) == 0
    reply = await user.press_data(pack("my", "card", b.id))
    assert "该预约状态为「已取消」" in reply.text and reply.labels == ["我的预约", "主菜单"]
    async with harness.deps.db.read() as conn:
        assert [e.action for e in await repo.history(conn, "booking", b.id)] == ["book", "cancel"]


async def test_reschedule_to_another_date(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, {B.NEW: 1})
    user = harness.user(1001)
    await user.command("my")
    reply = await user.press("改约")
    assert "12月2日（周三）：上午 当前预约｜下午 可预约" in reply.text
    assert "12月3日（周四）：上午 可预约｜下午 可预约" in reply.text and "剩余" not in reply.text
    assert not any(label.startswith("12/2 上午") for label in reply.labels)
    reply = await user.press("12/3 上午")
    assert "确认改约" in reply.text and "新：2026年12月3日（周四） 上午" in reply.text
    reply = await press_text(user, "确定", exact=True)
    assert "改约成功" in reply.text and "2026年12月3日（周四）" in reply.text
    row = await booking_row(harness, b.id)
    assert (row.date, row.session, row.state) == (THU, "am", BookingState.INCOMPLETE)
    assert await used(harness, WED) == 0 and await used(harness, THU) == 15


async def test_reschedule_to_a_slot_that_fills_meanwhile_leaves_the_booking(harness: Harness) -> None:
    unit = await logged_in(harness)
    other = await make_unit(harness, "beta", "北京另一家公司")
    async with harness.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, THU, "am", 15)
    b = await book(harness, unit, {B.NEW: 1})
    user = harness.user(1001)
    await user.command("my")
    await user.press("改约")
    await user.press("12/3 上午")
    await book(harness, other, {B.NEW: 1}, day=THU, user_id=2001)  # someone else takes it first
    reply = await press_text(user, "确定", exact=True)
    assert texts.SESSION_FULL in reply.text and "原预约保持不变" in reply.text
    assert "12月3日（周四）：上午 已满" in reply.text
    assert not any(label.startswith("12/3 上午") for label in reply.labels)
    row = await booking_row(harness, b.id)
    assert (row.date, row.session) == (WED, "am")
    assert await used(harness, WED) == 15 and await used(harness, THU) == 15


async def test_counts_up_that_fits_reopens_a_pending_booking(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, {B.NEW: 1})
    await fill(harness, b.id)
    user = harness.user(1001)
    await user.command("my")
    reply = await user.press("修改信息")
    assert reply.labels == ["申请人信息", "经办人信息", "办理数量", "返回"]
    assert dict(reply.buttons)["申请人信息"] == pack("ap", "list", b.id)
    reply = await user.press("办理数量")
    assert "现：新办 ×1（共15分钟）" in reply.text
    reply = await user.press("＋ 续办")
    assert "现：新办 ×1、续办 ×1（共25分钟）" in reply.text
    reply = await press_text(user, "确定", exact=True)
    assert "确认修改办理数量" in reply.text and "新：新办 ×1、续办 ×1（共25分钟）" in reply.text
    assert "新增1项需补充申请人信息" in reply.text
    reply = await press_text(user, "确定", exact=True)
    assert "已修改为：新办 ×1、续办 ×1（共25分钟）" in reply.text and "申请人信息" in reply.labels
    row = await booking_row(harness, b.id)
    assert row.minutes == 25 and row.state is BookingState.INCOMPLETE
    assert await items_of(harness, b.id) == [(B.NEW, 1, True), (B.RENEW, 1, False)]
    assert await used(harness) == 25


async def test_counts_up_beyond_60_minutes_is_refused_as_the_clerk_taps(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, {B.NEW: 4})
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    editor = await user.press("办理数量")
    await user.press("＋ 新办")
    alert = user.answer_of_last_press()
    assert alert.get("show_alert") and "不超过60分钟" in alert["text"]
    assert harness.api.messages[editor.message_id].text == editor.text  # the editor did not change
    # a forged confirmation with more than 60 minutes is refused by the service too
    reply = await user.press_data(pack("my", "qdo", b.id, 5, 0, 0, 0))
    assert "不超过60分钟" in reply.text
    row = await booking_row(harness, b.id)
    assert row.minutes == 60 and len(await items_of(harness, b.id)) == 4
    assert await used(harness) == 60


async def test_counts_up_beyond_capacity_is_refused(harness: Harness) -> None:
    unit = await logged_in(harness)
    async with harness.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, WED, "am", 20)
    b = await book(harness, unit, {B.NEW: 1})
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    await user.press("办理数量")
    await user.press("＋ 续办")
    await user.press("确定", exact=True)
    reply = await press_text(user, "确定", exact=True)
    assert "剩余号源不足" in reply.text and "返回" in reply.labels
    row = await booking_row(harness, b.id)
    assert row.minutes == 15 and await items_of(harness, b.id) == [(B.NEW, 1, False)]
    assert await used(harness) == 15
    # 返回 goes back to the editor with the counts the clerk had chosen
    reply = await user.press("返回")
    assert "现：新办 ×1、续办 ×1（共25分钟）" in reply.text


async def test_counts_down_warns_about_filled_items_and_completes(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, {B.NEW: 1, B.RENEW: 2})
    await fill(harness, b.id, skip_last=1)  # 续办 2/2 still empty → 待完善信息
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    await user.press("办理数量")
    await user.press("－ 续办")
    reply = await press_text(user, "确定", exact=True)
    assert "将被删除" not in reply.text  # the removed item was empty
    reply = await press_text(user, "确定", exact=True)
    assert "已修改为：新办 ×1、续办 ×1（共25分钟）" in reply.text
    row = await booking_row(harness, b.id)
    assert row.minutes == 25 and row.state is BookingState.PENDING
    assert await items_of(harness, b.id) == [(B.NEW, 1, True), (B.RENEW, 1, True)]
    assert await used(harness) == 25
    # removing a filled applicant is allowed but the clerk is warned first
    await user.command("my")
    await user.press("修改信息")
    await user.press("办理数量")
    await user.press("－ 新办")
    reply = await press_text(user, "确定", exact=True)
    assert "以下已填写的申请人信息将被删除" in reply.text and "新办 1/1 张三" in reply.text
    await user.press("确定", exact=True)
    row = await booking_row(harness, b.id)
    assert row.minutes == 10 and row.state is BookingState.PENDING
    assert await items_of(harness, b.id) == [(B.RENEW, 1, True)]
    assert await used(harness) == 10


async def test_contact_edit_with_a_bad_phone_then_a_good_one(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit)
    receipt = await harness.app.bot.send_message(1001, "回执占位", link_preview_options=NO_PREVIEWS)
    async with harness.deps.db.write() as conn:
        await repo.set_receipt(conn, b.id, 1001, receipt.message_id)
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    reply = await user.press("经办人信息")
    assert "请输入新的经办人姓名（当前：李雷）" in reply.text
    reply = await user.send("王5")
    assert "姓名不能包含数字" in reply.text and "请输入新的经办人姓名" in reply.text
    reply = await user.send("王芳")
    assert "手机号码" in reply.text and "138****8000" in reply.text
    reply = await user.send("1391234")
    assert "手机号码应为11位" in reply.text and "请输入经办人的11位手机号码" in reply.text
    assert (await booking_row(harness, b.id)).contact_phone == "13800138000"
    reply = await user.send("13912345678")
    assert "已修改为：王芳 139****5678" in reply.text
    row = await booking_row(harness, b.id)
    assert (row.contact_name, row.contact_phone) == ("王芳", "13912345678")
    assert "王芳 139****5678" in harness.api.messages[receipt.message_id].text
    # the flow is over: a further text is not taken as a phone number
    await user.send("13700000000")
    assert (await booking_row(harness, b.id)).contact_phone == "13912345678"


async def test_contact_edit_keeping_the_name(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit)
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    await user.press("经办人信息")
    await user.press("姓名不变")
    reply = await user.send("13912345678")
    assert "李雷 139****5678" in reply.text
    row = await booking_row(harness, b.id)
    assert (row.contact_name, row.contact_phone) == ("李雷", "13912345678")


async def test_after_the_deadline_nothing_changes_and_forged_presses_are_refused(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, day=MON)
    harness.clock.set(at("2026-12-05 00:00"))  # Friday 24:00 passed for a Monday appointment
    user = harness.user(1001)
    user.new_messages()
    await user.command("my")
    _, card = user.new_messages()
    assert b.code in card.text and "已超过修改/取消截止时间" in card.text
    assert f"如有特殊情况，请致电中心：{harness.settings.bot_centre_phone}" in card.text
    assert card.labels == ["签到码", "我的预约", "主菜单"]  # the check-in code changes nothing
    for data in (pack("my", "cancel", b.id), pack("my", "canceldo", b.id), pack("my", "edit", b.id),
                 pack("my", "move", b.id), pack("my", "qdo", b.id, 2, 0, 0, 0)):
        reply = await user.press_data(data)
        assert "已超过修改/取消截止时间" in reply.text, data
    row = await booking_row(harness, b.id)
    assert row.state is BookingState.INCOMPLETE and row.minutes == 15
    assert await used(harness, MON) == 15


async def test_another_units_booking_is_refused_without_showing_it(harness: Harness) -> None:
    await logged_in(harness)
    other = await make_unit(harness, "beta", "北京另一家公司")
    theirs = await book(harness, other, {B.NEW: 1}, user_id=2001)
    user = harness.user(1001)
    await user.command("my")
    for data in (pack("my", "cancel", theirs.id), pack("my", "canceldo", theirs.id),
                 pack("my", "card", theirs.id), pack("my", "contact", theirs.id), pack("my", "card", 999999)):
        reply = await user.press_data(data)
        assert "未找到该预约，或该预约不属于本单位" in reply.text, data
        assert theirs.code not in reply.text
    assert (await booking_row(harness, theirs.id)).state is BookingState.INCOMPLETE


async def test_contact_edit_survives_a_restart(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit)
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    await user.press("经办人信息")
    await user.send("王芳")
    await harness.restart()
    reply = await user.send("13912345678")
    assert "已修改为：王芳 139****5678" in reply.text
    row = await booking_row(harness, b.id)
    assert (row.contact_name, row.contact_phone) == ("王芳", "13912345678")


async def test_contact_edit_back_steps(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit)
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    reply = await user.press("经办人信息")
    assert reply.labels == ["姓名不变", "返回"]
    await user.send("王芳")
    reply = await user.press("返回")  # from the phone question back to the name question
    assert "请输入新的经办人姓名" in reply.text
    reply = await user.press("返回")  # back to 修改信息; the text step is left
    assert reply.labels == ["申请人信息", "经办人信息", "办理数量", "返回"]
    await user.send("13912345678")
    row = await booking_row(harness, b.id)
    assert (row.contact_name, row.contact_phone) == ("李雷", "13800138000")


# ---------------------------------------------------------------- audit


async def test_the_receipt_is_edited_in_place_on_every_change(harness: Harness) -> None:
    from tests.support.applicants import booked, fill_new

    b = await booked(harness, {B.NEW: 1})
    user = harness.user(1001)
    receipt = next(m for m in user.bot_messages() if m.text and "预约回执" in m.text)
    assert receipt.message_id == (await booking_row(harness, b.id)).receipt_message_id
    first_ics = next(m for m in user.bot_messages() if m.document is not None)
    first_event = ics_event(first_ics)

    def shown() -> tuple[str, int]:
        message = harness.api.messages[receipt.message_id]
        return message.text, message.edits

    # 经办人信息
    await user.command("my")
    await user.press("修改信息")
    await user.press("经办人信息")
    await user.send("王芳")
    await user.send("13912345678")
    text, edits = shown()
    assert "经办人：王芳 139****5678" in text and edits == 1
    # 办理数量
    await user.command("my")
    await user.press("修改信息")
    await user.press("办理数量")
    await user.press("＋ 续办")
    await user.press("确定", exact=True)
    await user.press("确定", exact=True)
    text, edits = shown()
    assert "办理业务：新办 ×1、续办 ×1（共25分钟）" in text and "已完善 0/2" in text and edits == 2
    # 申请人信息, both items: 待办理
    await user.press("申请人信息")
    await user.press("新办 1/1")
    await fill_new(user)
    await user.press("确认保存")
    text, edits = shown()
    assert "已完善 1/2" in text and edits == 3
    await user.press("续办 1/1")
    await fill_new(user, name="李四", id_number=ID_B, phone=PHONE_B)
    await user.send("BJ2020123456")
    await user.press("确认保存")
    text, edits = shown()
    assert "状态：待办理" in text and "下一步，即将完成预约" not in harness.api.messages[receipt.message_id].labels
    assert edits == 4
    # 改约, and the calendar file of the new date on request
    await user.command("my")
    await user.press("改约")
    await user.press("12/3 上午")
    await user.press("确定", exact=True)
    reply, ics = user.bot_messages()[-2:]
    assert "改约成功" in reply.text and reply.labels == ["我的预约", "主菜单"]
    assert ics.document is not None and "打开即可更新手机日历" in (ics.caption or "")
    text, edits = shown()
    assert "办理日期：2026年12月3日（周四）" in text and edits == 5
    assert "预约编号不变" in text  # CY20261202-… now names 12月3日: the receipt says the code stays
    # the new calendar file arrived by itself and updates the event: same UID, higher SEQUENCE
    assert ics.document[0] == f"{b.code}.ics"
    moved_event = ics_event(ics)
    assert moved_event["UID"] == first_event["UID"] and moved_event["SEQUENCE"] > first_event["SEQUENCE"]
    assert moved_event.decoded("DTSTART") == datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
    assert ics_calendar(ics)["METHOD"] == "PUBLISH"
    # 取消预约
    await user.command("my")
    await user.press("取消预约")
    await user.press("确认取消")
    text, edits = shown()
    assert "状态：已取消" in text and edits == 6
    # a cancelling calendar file removes the event
    cancel_ics = user.last
    assert cancel_ics.document is not None and "删除该日程" in (cancel_ics.caption or "")
    assert ics_calendar(cancel_ics)["METHOD"] == "CANCEL"
    cancel_event = ics_event(cancel_ics)
    assert cancel_event["UID"] == first_event["UID"] and cancel_event["STATUS"] == "CANCELLED"
    assert cancel_event["SEQUENCE"] > moved_event["SEQUENCE"]
    assert harness.api.messages[receipt.message_id].labels == ["我的预约"]
    # the calendar button of a cancelled booking is refused
    await user.press_data(pack("my", "ics", b.id))
    assert texts.BOOKING_NOT_ACTIVE in user.last.text
    # masked everywhere after entry: receipt, cards, review panels, confirmations
    from tests.support.applicants import ID_A, PHONE_A, bot_texts

    shown_texts = "\n".join(t for t in bot_texts(harness) if "请核对申请人信息" not in t)
    for raw in (ID_A, ID_B, PHONE_A, PHONE_B, "13912345678", "13800138000"):
        assert raw not in shown_texts, raw
    assert "139****5678" in shown_texts


async def test_a_restart_in_the_middle_of_a_reschedule(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, {B.NEW: 1})
    user = harness.user(1001)
    await user.command("my")
    await user.press("改约")
    confirm = await user.press("12/7 下午")
    assert "确认改约" in confirm.text
    old_confirm = next(d for label, d in confirm.buttons if label == "确定")
    await harness.restart()
    reply = await press_text(user, "确定", confirm, exact=True)
    assert "改约成功" in reply.text
    row = await booking_row(harness, b.id)
    assert (row.date, row.session) == (MON, "pm")
    assert await used(harness, WED) == 0 and await used(harness, MON, "pm") == 15
    # pressed again (the old confirmation, which showed the booking before the move): nothing moves twice
    await user.press_data(old_confirm, confirm)
    assert "未作任何修改" in harness.api.messages[confirm.message_id].text
    assert await used(harness, MON, "pm") == 15


async def test_a_move_to_a_date_the_unit_already_holds_is_refused(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, {B.NEW: 1})
    held = await book(harness, unit, {B.RENEW: 1}, day=THU)
    user = harness.user(1001)
    await user.command("my")
    card = user.bot_messages()[-2]
    assert b.code in card.text
    await user.press("改约", card)
    reply = card  # edited in place into the move options
    assert "12月3日（周四）：上午 本单位已约" in reply.text
    assert not any("12月3日" in label for label in reply.labels)
    revision = (await harness.deps.bookings.details(b.id)).revision  # forged, as the page would have shown it
    reply = await user.press_data(pack("my", "movedo", b.id, THU, "pm", revision))
    assert "同一日期只能保留一个预约" in reply.text and held.code in reply.text and "原预约保持不变" in reply.text
    assert (await booking_row(harness, b.id)).date == WED


async def test_forged_editor_buttons_change_nothing(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit, {B.NEW: 1})
    user = harness.user(1001)
    for data in (f"my:qa:{b.id}:1:0:0", f"my:qa:{b.id}:1:0:0:0:7", f"my:qs:{b.id}:99:0:0:0:0",
                 f"my:qok:{b.id}:-1:0:0:0", f"my:qdo:{b.id}:x:0:0:0", f"my:qdo:{b.id}:0:0:0:0",
                 f"my:pick:{b.id}:2026:am", f"my:pick:{b.id}:20261203:night", f"my:movedo:{b.id}:20261203:night",
                 f"my:movedo:{b.id}:20261231:am", "my:edit", "my:nonsense:1"):
        await user.press_data(data)
        assert "系统繁忙" not in (user.last.text or ""), data
    row = await booking_row(harness, b.id)
    assert (row.date, row.session, row.minutes, row.state) == (WED, "am", 15, BookingState.INCOMPLETE)
    assert await items_of(harness, b.id) == [(B.NEW, 1, False)] and await used(harness) == 15


async def test_contact_edit_bad_input_keeps_the_question_and_its_buttons(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit)
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    await user.press("经办人信息")
    reply = await user.send_sticker()
    assert "请直接输入文字" in reply.text and reply.labels == ["姓名不变", "返回"]
    reply = await user.send("王" * 600)
    assert "过长" in reply.text and reply.labels == ["姓名不变", "返回"]
    await user.press("姓名不变", reply)
    reply = await user.send_photo()
    assert "请输入经办人的11位手机号码" in reply.text and reply.labels == ["返回"]
    reply = await user.send("13912345678")
    assert "李雷 139****5678" in reply.text
    assert (await booking_row(harness, b.id)).contact_phone == "13912345678"


async def test_an_idle_contact_edit_ends_and_its_answer_is_not_taken(harness: Harness) -> None:
    unit = await logged_in(harness)
    b = await book(harness, unit)
    user = harness.user(1001)
    await user.command("my")
    await user.press("修改信息")
    await user.press("经办人信息")
    await user.send("王芳")
    harness.clock.advance(minutes=31)  # type: ignore[attr-defined]
    await user.send("13912345678")
    assert any("超过30分钟未操作" in m for m in user.texts())
    assert "draft_contact" not in harness.app.user_data[1001]
    row = await booking_row(harness, b.id)
    assert (row.contact_name, row.contact_phone) == ("李雷", "13800138000")


async def test_my_bookings_from_the_receipt_leaves_the_receipt_intact(harness: Harness) -> None:
    from tests.support.applicants import booked

    b = await booked(harness, {B.NEW: 1})
    user = harness.user(1001)
    receipt = next(m for m in user.bot_messages() if m.text and "预约回执" in m.text)
    before = receipt.text
    user.new_messages()
    await user.press("我的预约", receipt)
    assert harness.api.messages[receipt.message_id].text == before
    assert harness.api.messages[receipt.message_id].edits == 0
    header, card = user.new_messages()
    assert "我的预约（待办理预约）：共1个" in header.text and b.code in card.text


async def test_a_failed_receipt_edit_does_not_undo_the_confirmation(harness: Harness) -> None:
    from bot.fake_telegram import ApiError
    from tests.support.applicants import booked

    b = await booked(harness, {B.NEW: 1})
    receipt_id = (await booking_row(harness, b.id)).receipt_message_id
    user = harness.user(1001)

    def behaviour(method: str, params: dict) -> ApiError | None:
        if method == "editMessageText" and int(params["message_id"]) == receipt_id:
            return ApiError(502, "Bad Gateway")
        return None

    harness.api.behaviour = behaviour
    await user.command("my")
    await user.press("取消预约")
    reply = await press_text(user, "确认取消")
    assert f"预约 {b.code} 已取消" in reply.text
    assert not any("系统繁忙" in text for text in user.texts())
    assert (await booking_row(harness, b.id)).state is BookingState.CANCELLED
