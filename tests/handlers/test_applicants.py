"""Filling in applicants through the real Application: buttons, answers, rows, receipt."""

from __future__ import annotations

from datetime import date

from bot.callbacks import pack
from bot.harness import Harness
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.models import Booking
from bot.texts import BOOKING_NOT_FOUND, CHANGE_DEADLINE_PASSED, DUPLICATE_PERSON, STALE_BUTTON
from tests.support import at
from tests.support.applicants import ID_A, ID_B, PHONE_A, PHONE_B, booked, bot_texts, fill_new
from tests.support.clerks import logged_in, make_unit

THU = date(2026, 12, 3)


PASSPORT = "E12345678"
RAW = (ID_A, ID_B, PASSPORT, PHONE_A, PHONE_B, "13800138000")


async def items_of(h: Harness, booking_id: int):
    async with h.deps.db.read() as conn:
        return await repo.items_of(conn, booking_id)


async def booking_of(h: Harness, booking_id: int) -> Booking:
    async with h.deps.db.read() as conn:
        found = await repo.get_booking(conn, booking_id)
    assert found is not None
    return found


async def test_complete_both_items_end_to_end(harness: Harness) -> None:
    booking = await booked(harness, {B.NEW: 1, B.RENEW: 1})
    user = harness.user(1001)
    panel = await user.press("下一步，即将完成预约")
    assert "CY20261202-001" in panel.text and "待完善信息" in panel.text and "已完善 0/2" in panel.text
    assert "2026年12月2日" in panel.text
    assert panel.labels == ["新办 1/1", "续办 1/1", "返回"]

    reply = await user.press("新办 1/1")
    assert "【新办 1/1】" in reply.text and "姓名" in reply.text
    reply = await user.send("张三")
    assert "证件类型" in reply.text
    assert reply.labels[:5] == ["居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证",
                                "外国人永久居留身份证"]
    reply = await user.press("居民身份证")
    assert "18位居民身份证号码" in reply.text
    reply = await user.send(ID_A)
    assert "手机号码" in reply.text
    review = await user.send(PHONE_A)
    assert "姓名：张三" in review.text and "证件类型：居民身份证" in review.text
    assert "证件号码：" + ID_A in review.text and "手机号码：139****9000" not in review.text and "手机号码：13900139000" in review.text
    assert "确认保存" in review.labels and "修改姓名" in review.labels and "修改证件" in review.labels
    panel = await user.press("确认保存")
    assert panel.message_id == review.message_id  # the review turned into the list panel
    assert "已保存：新办 1/1" in panel.text and "已完善 1/2" in panel.text
    assert panel.labels == ["📝 新办 1/1", "续办 1/1", "返回"]
    receipt = harness.api.messages[(await booking_of(harness, booking.id)).receipt_message_id]
    assert "已完善 1/2" in receipt.text

    await user.press("续办 1/1")
    await user.send("Mary-Jane O'Neil")
    await user.press("护照")
    reply = await user.send(PASSPORT.lower())
    assert "手机号码" in reply.text
    reply = await user.send(PHONE_B)
    assert "工作居住证编号" in reply.text
    review = await user.send("bj 2020 123456")
    assert "工作居住证编号：BJ2020123456" in review.text and "证件号码：E12345678" in review.text
    panel = await user.press("确认保存")
    assert "已完善 2/2" in panel.text and "待办理" in panel.text
    assert panel.labels == ["📝 新办 1/1", "📝 续办 1/1", "返回"]

    stored = await booking_of(harness, booking.id)
    assert stored.state is BookingState.PENDING
    items = await items_of(harness, booking.id)
    assert [(i.applicant_name, i.id_type, i.id_number, i.phone, i.permit_number) for i in items] == [
        ("张三", "resident", ID_A, PHONE_A, None),
        ("Mary-Jane O'Neil", "passport", PASSPORT, PHONE_B, "BJ2020123456"),
    ]
    receipt = harness.api.messages[stored.receipt_message_id]
    assert "状态：待办理" in receipt.text and receipt.edits >= 2
    assert "下一步，即将完成预约" not in receipt.labels
    # numbers in full only on the review before saving (SPEC §6); once saved, masked everywhere
    shown_in_full = [text for text in bot_texts(harness) if any(raw in text for raw in RAW)]
    assert shown_in_full  # the review showed them …
    assert all("请核对申请人信息" in text for text in shown_in_full)  # … and nothing else did
    for message in harness.user(1001).bot_messages():
        for raw in RAW:
            assert raw not in (message.text or message.caption or "")
    async with harness.deps.db.read() as conn:
        audit = await repo.history(conn, "booking", booking.id)
    assert [a.action for a in audit] == ["book", "applicant", "applicant", "complete"]
    for entry in audit:
        for raw in RAW:
            assert raw not in (entry.before or "") + (entry.after or "")
    assert "110105********1239" in audit[1].after


async def test_every_bad_answer_is_refused_and_nothing_is_lost(harness: Harness) -> None:
    booking = await booked(harness, {B.PERSON_CHANGE: 1})
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("个人信息变更 1/1")
    reply = await user.send("张3")
    assert "姓名不能包含数字" in reply.text and "请输入申请人姓名" in reply.text
    await user.send("张三")
    reply = await user.send("居民身份证")  # typed instead of pressed
    assert "请点击下方按钮选择证件类型" in reply.text and "护照" in reply.labels
    await user.press("护照")
    reply = await user.send("E12")
    assert "护照号码应为5–20位，您输入了3位" in reply.text and "请输入护照号码" in reply.text
    reply = await user.press("返回")
    assert "证件类型" in reply.text
    await user.press("居民身份证")
    reply = await user.send(ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1"))
    assert "校验位不正确" in reply.text and "请输入18位居民身份证号码" in reply.text
    await user.send(ID_A)
    reply = await user.send("12345")
    assert "手机号码应为11位，您输入了5位" in reply.text and "请输入申请人的手机号码" in reply.text
    await user.send(PHONE_A)
    reply = await user.send("A12")
    assert "工作居住证编号应为6–32位" in reply.text and "工作居住证编号" in reply.text
    await user.send("BJ2020123456")
    reply = await user.send("改" * 201)
    assert "最多200个字，您输入了201个字" in reply.text and "请简要说明变更内容" in reply.text
    reply = await user.send_sticker()
    assert "请直接输入文字回答" in reply.text and "请简要说明变更内容" in reply.text
    reply = await user.send_photo()
    assert "请直接输入文字回答" in reply.text and "请简要说明变更内容" in reply.text
    review = await user.send("户口迁入北京，姓名不变")
    for shown in ("姓名：张三", "证件类型：居民身份证", "证件号码：" + ID_A, "手机号码：13900139000",
                  "工作居住证编号：BJ2020123456", "变更内容说明：户口迁入北京，姓名不变"):
        assert shown in review.text
    await user.press("确认保存")
    [item] = await items_of(harness, booking.id)
    assert item.change_description == "户口迁入北京，姓名不变" and item.id_number == ID_A
    assert (await booking_of(harness, booking.id)).state is BookingState.PENDING


async def test_correcting_fields_from_the_review(harness: Harness) -> None:
    booking = await booked(harness, {B.NEW: 1})
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await fill_new(user)
    reply = await user.press("修改手机号码")
    assert "请输入申请人的手机号码" in reply.text
    review = await user.send(PHONE_B)
    assert "手机号码：13700137000" in review.text and "姓名：张三" in review.text
    assert "证件号码：" + ID_A in review.text
    # 证件: the type, then a number checked against that type; 返回 keeps the old pair
    await user.press("修改证件")
    reply = await user.press("返回")
    assert "证件类型：居民身份证" in reply.text and "确认保存" in reply.labels
    await user.press("修改证件")
    await user.press("护照")
    review = await user.send(PASSPORT)
    assert "证件类型：护照" in review.text and "证件号码：E12345678" in review.text
    assert "手机号码：13700137000" in review.text
    await user.press("确认保存")
    [item] = await items_of(harness, booking.id)
    assert (item.id_type, item.id_number, item.phone, item.applicant_name) == ("passport", PASSPORT, PHONE_B, "张三")
    # a saved item opens at its review and can still be corrected before the deadline
    review = await user.press("📝 新办 1/1")
    assert "证件号码：E1*****78" in review.text and "确认保存" in review.labels
    await user.press("修改姓名")
    review = await user.send("李四")
    assert "姓名：李四" in review.text
    panel = await user.press("确认保存")
    assert "新办 1/1　李四　已填写，待审核" in panel.text
    [item] = await items_of(harness, booking.id)
    assert item.applicant_name == "李四" and item.id_number == PASSPORT
    assert (await booking_of(harness, booking.id)).state is BookingState.PENDING


async def test_same_person_same_business_twice_is_refused(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    first = await booked(harness, {B.NEW: 1}, unit_id=unit_id)
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await fill_new(user)
    await user.press("确认保存")
    second = await booked(harness, {B.NEW: 1, B.RENEW: 1}, unit_id=unit_id, day=THU)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await user.send("张三")
    await user.press("居民身份证")
    # refused right after the number, not four answers later at 「确认保存」
    reply = await user.send(ID_A)
    assert DUPLICATE_PERSON in reply.text and "证件号码" in reply.text and "返回" in reply.labels
    items = await items_of(harness, second.id)
    assert not any(i.filled for i in items)
    # another person is accepted at once, the name kept
    await user.send(ID_B)
    review = await user.send(PHONE_A)
    assert "姓名：张三" in review.text and "证件号码：" + ID_B in review.text
    panel = await user.press("确认保存")
    assert "已完善 1/2" in panel.text
    await user.press("续办 1/1")
    await fill_new(user)
    review = await user.send("BJ2020123456")
    assert "工作居住证编号" in review.text
    panel = await user.press("确认保存")
    assert "待办理" in panel.text
    assert (await booking_of(harness, first.id)).state is BookingState.PENDING


async def test_forged_and_foreign_presses_are_refused(harness: Harness) -> None:
    await booked(harness, {B.NEW: 1})
    other_unit = await make_unit(harness, "other", "另一家公司")
    foreign = await booked(harness, {B.NEW: 1}, unit_id=other_unit, user_id=None)
    [foreign_item] = await items_of(harness, foreign.id)
    user = harness.user(1001)
    user.new_messages()
    for data in (pack("ap", "item", foreign_item.id), pack("ap", "list", foreign.id), pack("ap", "item", 99999),
                 pack("ap", "done", foreign.id)):
        await user.press_data(data)
        answered = user.answer_of_last_press()
        assert answered["text"] == BOOKING_NOT_FOUND and answered.get("show_alert") in (True, "true", "True")
    assert user.new_messages() == []
    assert not any("另一家公司" in text or foreign.code in text for text in bot_texts(harness))
    # a press from an old question is answered as stale
    await user.press_data(pack("ap", "save", 12345))
    assert user.answer_of_last_press()["text"] == STALE_BUTTON


async def test_after_the_deadline_nothing_can_be_saved(harness: Harness) -> None:
    booking = await booked(harness, {B.NEW: 1})
    harness.clock.set(at("2026-12-01 23:50"))
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await fill_new(user)
    harness.clock.set(at("2026-12-02 00:05"))  # the deadline was Tue 24:00
    panel = await user.press("确认保存")
    assert user.answer_of_last_press()["text"] == CHANGE_DEADLINE_PASSED
    assert CHANGE_DEADLINE_PASSED in panel.text and panel.labels == ["返回"]
    assert f"如有特殊情况，请致电中心：{harness.settings.bot_centre_phone}" in panel.text  # no dead end
    assert not (await items_of(harness, booking.id))[0].filled
    panel = await user.press("下一步，即将完成预约")
    assert CHANGE_DEADLINE_PASSED in panel.text and panel.labels == ["返回"]
    [item] = await items_of(harness, booking.id)
    user.new_messages()
    await user.press_data(pack("ap", "item", item.id))
    assert user.answer_of_last_press()["text"] == CHANGE_DEADLINE_PASSED
    assert user.new_messages() == []


async def test_restart_mid_entry_continues_at_the_same_question(harness: Harness) -> None:
    booking = await booked(harness, {B.RENEW: 2})
    user = harness.user(1001)
    panel = await user.press("下一步，即将完成预约")
    assert panel.labels == ["续办 1/2", "续办 2/2", "返回"]
    await user.press("续办 2/2")
    await user.send("王五")
    reply = await user.press("居民身份证")
    assert "18位居民身份证号码" in reply.text
    await harness.restart()
    reply = await user.send("12345")
    assert "居民身份证号码应为18位" in reply.text and "请输入18位居民身份证号码" in reply.text
    reply = await user.send(ID_B)
    assert "手机号码" in reply.text
    await harness.restart()
    await user.send(PHONE_A)
    review = await user.send("BJ2020123456")
    assert "【续办 2/2】" in review.text and "姓名：王五" in review.text and ID_B in review.text
    panel = await user.press("确认保存")
    assert panel.labels == ["续办 1/2", "📝 续办 2/2", "返回"]
    items = await items_of(harness, booking.id)
    assert [i.applicant_name for i in items] == [None, "王五"]
    assert (await booking_of(harness, booking.id)).state is BookingState.INCOMPLETE


async def test_back_from_the_list_and_first_question(harness: Harness) -> None:
    await booked(harness, {B.NEW: 1})
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    panel = await user.press("返回")
    assert "已完善 0/1" in panel.text and panel.labels == ["新办 1/1", "返回"]
    closed = await user.press("返回")
    assert "已退出申请人信息填写" in closed.text and closed.labels == ["我的预约", "主菜单"]


# ---------------------------------------------------------------- audit: 返回 at every step


async def test_back_walks_every_question_and_keeps_the_answers(harness: Harness) -> None:
    booking = await booked(harness, {B.EMPLOYER_CHANGE: 1})
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("单位信息变更 1/1")
    await user.send("张三")
    await user.press("护照")
    await user.send(PASSPORT)
    await user.send(PHONE_A)
    await user.send("BJ2020123456")
    reply = await user.send("单位名称变更")
    assert "【单位信息变更 1/1】请核对申请人信息" in reply.text
    # back from the review: the last question, every answer kept
    reply = await user.press("返回")
    assert "请简要说明变更内容" in reply.text and reply.labels == ["返回"]
    for expected in ("工作居住证编号", "手机号码", "护照号码", "证件类型", "申请人姓名"):
        reply = await user.press("返回")
        assert expected in reply.text, (expected, reply.text)
    draft = harness.app.user_data[1001]["draft_applicant"]
    assert draft.fields == {"name": "张三", "id_type": "passport", "id_number": PASSPORT, "phone": PHONE_A,
                            "permit_number": "BJ2020123456", "change_description": "单位名称变更"}
    # a wrong answer on the way keeps the 返回 button on the re-asked question
    reply = await user.send("张3")
    assert "姓名不能包含数字" in reply.text and reply.labels == ["返回"]
    panel = await user.press("返回", reply)  # before the first question: the list
    assert "已完善 0/1" in panel.text and panel.labels == ["单位信息变更 1/1", "返回"]
    assert "draft_applicant" not in harness.app.user_data[1001]
    assert not (await items_of(harness, booking.id))[0].filled


async def test_back_from_the_review_of_a_new_applicant_then_save(harness: Harness) -> None:
    booking = await booked(harness, {B.NEW: 1})
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await fill_new(user)
    reply = await user.press("返回")
    assert "请输入申请人的手机号码" in reply.text
    review = await user.send(PHONE_B)
    assert "姓名：张三" in review.text and "证件号码：" + ID_A in review.text
    assert "手机号码：13700137000" in review.text
    panel = await user.press("确认保存")
    assert "待办理" in panel.text
    [item] = await items_of(harness, booking.id)
    assert (item.applicant_name, item.id_number, item.phone) == ("张三", ID_A, PHONE_B)
    # a saved applicant's review goes back to the list
    await user.press("📝 新办 1/1")
    panel = await user.press("返回")
    assert "已完善 1/1" in panel.text and panel.labels == ["📝 新办 1/1", "返回"]
    # the review's 返回 pressed on an old review is stale
    await user.press_data(pack("ap", "prev", item.id, "review"))
    assert user.answer_of_last_press()["text"] == STALE_BUTTON


async def test_cancel_mid_entry_drops_the_typed_numbers(harness: Harness) -> None:
    booking = await booked(harness, {B.NEW: 1})
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await user.send("张三")
    await user.press("居民身份证")
    await user.send(ID_A)
    reply = await user.command("cancel")
    assert "已退出当前操作" in reply.text
    assert "draft_applicant" not in harness.app.user_data[1001]
    reply = await user.send(PHONE_A)  # not taken as the phone any more
    assert "没有理解" in reply.text
    assert not (await items_of(harness, booking.id))[0].filled


async def test_an_idle_entry_ends_and_its_answers_are_dropped(harness: Harness) -> None:
    from bot.handlers.flow import sweep_idle

    booking = await booked(harness, {B.NEW: 1})
    user = harness.user(1001)
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await user.send("张三")
    await user.press("居民身份证")
    question = await user.send(ID_A)
    harness.clock.advance(minutes=31)  # type: ignore[attr-defined]
    assert await sweep_idle(harness.app) == 1
    assert "超过30分钟未操作" in user.last.text
    assert "draft_applicant" not in harness.app.user_data[1001]
    await user.press("返回", question)
    assert user.answer_of_last_press()["text"] == STALE_BUTTON
    await user.send(PHONE_A)
    assert "没有理解" in user.last.text
    assert not (await items_of(harness, booking.id))[0].filled
    # the list still works, and the item starts again from its first question
    await user.press("下一步，即将完成预约")
    reply = await user.press("新办 1/1")
    assert "请输入申请人姓名" in reply.text
