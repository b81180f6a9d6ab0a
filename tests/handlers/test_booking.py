"""The clerk's booking conversation through the real Application (SPEC §5 steps 1–5)."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.callbacks import pack
from bot.handlers.booking import DRAFT, OPEN_DATA, BookingDraft
from bot.harness import Harness
from bot.notice import ACCEPT_LABEL, FULL_TEXT_LABEL, NOTICE_VERSION, digest
from bot.rules.basket import BusinessType
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.models import Booking
from tests.support import at
from tests.support.booking import receipts, tap, to_basket, to_confirm
from tests.support.clerks import logged_in

DEC2 = date(2026, 12, 2)
WINDOW = ["12月2日（周三）", "12月3日（周四）", "12月4日（周五）", "12月7日（周一）", "12月8日（周二）"]
NEW, RENEW = BusinessType.NEW, BusinessType.RENEW


async def served_unrated(harness: Harness, unit_id: int) -> Booking:
    """A booking of the unit made, then marked 已办理 by staff, and not rated yet."""
    deps = harness.deps
    served = await deps.bookings.book(unit_id=unit_id, user_id=1001, day=DEC2, session="am", counts={NEW: 1},
                                      contact_name="李雷", contact_phone="13800138000")
    async with deps.db.write() as conn:
        now = deps.clock.now()
        await repo.set_booking_state(conn, served.id, BookingState.INCOMPLETE, BookingState.PENDING, now)
        await repo.set_booking_state(conn, served.id, BookingState.PENDING, BookingState.SERVED, now)
    return served


async def freeze(harness: Harness, unit_id: int) -> None:
    """Four counted 材料不符 this month: the unit is frozen."""
    async with harness.deps.db.write() as conn:
        for _ in range(4):
            await repo.add_mismatch(conn, unit_id, None, "2026-12", None, harness.clock.now())


async def test_full_booking_from_start_to_receipt(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    user = harness.user(1001)
    await user.command("start")
    panel = await user.press("业务预约")
    assert "朝阳区办理北京市工作居住证网上预约需知" in panel.text and "九、系统冻结处理" in panel.text
    assert panel.labels == [ACCEPT_LABEL, "取消"]

    panel = await user.press(ACCEPT_LABEL)
    async with harness.deps.db.read() as conn:
        assert (await repo.get_tg_user(conn, 1001)).notice_version == NOTICE_VERSION
        audit = await repo.history(conn, "tg_user", 1001)
    assert [a.action for a in audit] == ["accept_notice"]
    assert "请填写本次预约的经办人姓名和手机号码" in panel.text
    assert panel.labels == ["填写经办人信息", FULL_TEXT_LABEL, "取消"]

    assert "请输入经办人姓名" in (await user.press("填写经办人信息")).text
    assert "请输入经办人手机号码" in (await user.send("李雷")).text
    panel = await user.send("138 0013 8000")
    assert "合计：0分钟 / 60分钟" in panel.text
    assert panel.labels[:4] == ["－ 新办", "＋ 新办", "－ 续办", "＋ 续办"]
    assert panel.labels[-2:] == ["查询可预约信息", "返回"]

    await tap(user, "add", NEW)
    panel = await tap(user, "add", RENEW, 2)
    assert "新办（15分钟/个）：1" in panel.text and "续办（10分钟/个）：2" in panel.text
    assert "合计：35分钟 / 60分钟" in panel.text

    panel = await user.press("查询可预约信息")
    cells = [label for label in panel.labels if label.endswith("可预约")]
    assert len(cells) == 10
    assert cells[0] == "12/2 上午 可预约"
    assert cells[1] == "12/2 下午 可预约"
    assert [c.split(" 上午")[0] for c in cells[::2]] == ["12/2", "12/3", "12/4", "12/7", "12/8"]
    for day in WINDOW:
        assert f"{day}：上午 可预约｜下午 可预约" in panel.text

    panel = await user.press("12/2 上午")
    for part in ("2026年12月2日（周三）", "上午 09:00–12:00", "新办 ×1、续办 ×2", "合计：35分钟", "经办人：李雷 138****8000"):
        assert part in panel.text
    assert panel.labels == ["确定", "返回"]

    await user.press("确定", exact=True)
    assert "预约成功" in panel.text and "下一步，即将完成预约" in panel.text
    assert "2026年12月1日（周二）24:00" in panel.text and not panel.labels
    (receipt,) = receipts(user)
    assert "预约编号：CY20261202-001" in receipt.text and "待完善信息" in receipt.text
    ics = user.last
    assert ics is not None and ics.document is not None and ics.document[0] == "CY20261202-001.ics"
    lines = ics.document[1].decode("utf-8").split("\r\n")
    assert "DTSTART;TZID=Asia/Shanghai:20261202T090000" in lines
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VEVENT" in lines

    async with harness.deps.db.read() as conn:
        booking = await repo.get_booking_by_code(conn, "CY20261202-001")
        assert booking is not None
        items = await repo.items_of(conn, booking.id)
        usage = await repo.slot_usage(conn, [DEC2])
    assert booking.unit_id == unit_id and booking.state is BookingState.INCOMPLETE
    assert (booking.date, booking.session, booking.minutes) == (DEC2, "am", 35)
    assert (booking.contact_name, booking.contact_phone) == ("李雷", "13800138000")
    assert [(i.business, i.ordinal) for i in items] == [(NEW, 1), (RENEW, 1), (RENEW, 2)]
    assert usage[(DEC2, "am")].used == 35
    assert DRAFT not in harness.app.user_data[1001]  # type: ignore[union-attr]

    # the second booking: the digest, the contact pre-filled from the last booking
    panel = await user.command("book")
    assert digest() in panel.text and "经办人：李雷 138****8000" in panel.text
    assert ACCEPT_LABEL not in panel.labels
    assert panel.labels == ["使用以上信息", "修改", FULL_TEXT_LABEL, "取消"]
    full = await user.press(FULL_TEXT_LABEL)
    assert "九、系统冻结处理" in full.text and full.labels == ["返回"]
    panel = await user.press("返回")
    assert "经办人：李雷 138****8000" in panel.text
    panel = await user.press("使用以上信息")
    assert "合计：0分钟 / 60分钟" in panel.text
    await tap(user, "add", NEW)
    panel = await user.press("返回")
    panel = await user.press("取消")
    assert "已取消本次预约" in panel.text and "业务预约" in panel.labels
    assert DRAFT not in harness.app.user_data[1001]  # type: ignore[union-attr]


async def test_sixty_minute_cap_is_enforced_as_the_clerk_taps(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    panel = await to_basket(user)
    await user.press("查询可预约信息")
    popup = user.answer_of_last_press()
    assert popup.get("show_alert") and "请至少选择一项业务" in popup["text"]
    assert "合计：0分钟 / 60分钟" in user.last.text

    panel = await tap(user, "add", NEW, 4)
    assert "合计：60分钟 / 60分钟" in panel.text
    edits = panel.edits
    for business in (NEW, BusinessType.PERSON_CHANGE):
        panel = await tap(user, "add", business)
        popup = user.answer_of_last_press()
        assert popup.get("show_alert") and "预约总时长不超过60分钟" in popup["text"]
        assert "新办（15分钟/个）：4" in panel.text and "合计：60分钟 / 60分钟" in panel.text
    assert panel.edits == edits
    draft = harness.app.user_data[1001][DRAFT]  # type: ignore[union-attr]
    assert draft.counts == {NEW: 4}

    await tap(user, "sub", NEW)
    await tap(user, "add", RENEW)
    panel = await tap(user, "add", BusinessType.PERSON_CHANGE)
    assert "合计：60分钟 / 60分钟" in panel.text and "新办：申请工作居住证" in panel.text
    await tap(user, "sub", BusinessType.EMPLOYER_CHANGE)
    assert "数量已为0" in user.answer_of_last_press().get("text", "")


async def test_before_nine_the_basket_is_prepared_and_books_at_nine(harness: Harness) -> None:
    await logged_in(harness)
    harness.clock.set(at("2026-12-01 08:40"))  # type: ignore[attr-defined]
    user = harness.user(1001)
    await user.command("book")
    panel = await user.press(ACCEPT_LABEL)
    assert "下次开放时间：2026年12月1日（周二）09:00" in panel.text
    await user.press("填写经办人信息")
    await user.send("韩梅梅")
    await user.send("13900139000")
    await tap(user, "add", NEW)
    panel = await user.press("查询可预约信息")
    assert "下次开放时间：2026年12月1日（周二）09:00" in panel.text and "已保存" in panel.text
    assert panel.labels == ["查询可预约信息", "返回"]
    draft = harness.app.user_data[1001][DRAFT]  # type: ignore[union-attr]
    assert draft.counts == {NEW: 1} and draft.contact_name == "韩梅梅"

    harness.clock.set(at("2026-12-01 09:00"))  # type: ignore[attr-defined]
    panel = await user.press("查询可预约信息")
    assert "12/2 上午 可预约" in panel.labels
    await user.press("12/2 上午")
    await user.press("确定", exact=True)
    (receipt,) = receipts(user)
    assert "CY20261202-001" in receipt.text and "韩梅梅 139****9000" in receipt.text


async def test_release_button_opens_availability_with_the_prepared_basket(harness: Harness) -> None:
    await logged_in(harness)
    harness.clock.set(at("2026-12-01 08:50"))  # type: ignore[attr-defined]
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", RENEW)
    await user.command("start")  # leaves the flow; the draft stays
    harness.clock.set(at("2026-12-01 09:00"))  # type: ignore[attr-defined]
    panel = await user.press_data(OPEN_DATA)
    assert "续办 ×1（共10分钟）" in panel.text
    assert "12/2 上午 可预约" in panel.labels
    await user.press("12/3 下午")
    await user.press("确定", exact=True)
    assert "CY20261203-001" in receipts(user)[0].text
    # without a prepared basket the same button starts the flow, as a new panel
    before = len(user.bot_messages())
    panel = await user.press_data(OPEN_DATA)
    assert len(user.bot_messages()) == before + 1
    assert digest() in panel.text and "使用以上信息" in panel.labels


async def test_statutory_holiday_lets_the_clerk_prepare_only(harness: Harness) -> None:
    await logged_in(harness)
    harness.clock.set(at("2026-10-01 10:00"))  # type: ignore[attr-defined]
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", NEW)
    panel = await user.press("查询可预约信息")
    assert "下次开放时间：2026年10月8日（周四）09:00" in panel.text
    assert not [label for label in panel.labels if "可预约 余" in label]


async def test_frozen_unit_is_refused_with_the_date_it_thaws(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    await freeze(harness, unit_id)
    user = harness.user(1001)
    reply = await user.command("book")
    assert "本月预约权限已冻结" in reply.text and "次月1日起可再次预约" in reply.text
    assert reply.labels == ["主菜单"]
    await user.send("李雷")  # the flow ended: plain text is not taken as a step
    assert "没有理解" in user.last.text


async def test_unrated_served_booking_offers_the_evaluation(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    served = await served_unrated(harness, unit_id)
    user = harness.user(1001)
    reply = await user.command("book")
    assert "满意度评价" in reply.text
    assert ("去评价", pack("hs", "rate", served.id)) in reply.buttons


async def test_a_unit_refused_while_its_clerk_prepares_is_told_at_the_availability_step(harness: Harness) -> None:
    """Frozen or owing an evaluation since /book: 查询可预约信息 says so instead of the dates."""
    unit_id = await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", NEW)
    served = await served_unrated(harness, unit_id)
    panel = await user.press("查询可预约信息")
    assert "满意度评价" in panel.text and "可预约" not in " ".join(panel.labels)
    assert ("去评价", pack("hs", "rate", served.id)) in panel.buttons
    async with harness.deps.db.write() as conn:
        await repo.set_booking_state(conn, served.id, BookingState.SERVED, BookingState.PENDING, harness.clock.now())
    await to_basket(user, accept=False)
    await tap(user, "add", NEW)
    await freeze(harness, unit_id)
    panel = await user.press("查询可预约信息")
    assert "本月预约权限已冻结" in panel.text and panel.labels == ["主菜单"]


async def test_unit_already_booked_that_date(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    await harness.deps.bookings.book(unit_id=unit_id, user_id=1001, day=DEC2, session="am", counts={NEW: 1},
                                     contact_name="李雷", contact_phone="13800138000")
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", NEW)
    panel = await user.press("查询可预约信息")
    # the held date is marked before anything is pressed, not refused after 「确定」
    assert "12月2日（周三）：本单位已约（CY20261202-001）" in panel.text
    assert "12/2 本单位已约" in panel.labels and "12/2 下午 可预约" not in panel.labels
    await user.press("12/2 本单位已约")
    assert user.answer_of_last_press()["show_alert"] is True
    assert "同一日期只能保留一个预约" in user.answer_of_last_press()["text"]
    # a forged press on the held date still meets the service's refusal at 「确定」
    await user.press_data("bk:slot:20261202:pm", panel)
    panel = await user.press("确定", exact=True)
    assert "同一日期只能保留一个预约" in panel.text and "CY20261202-001" in panel.text
    assert panel.labels == ["返回", "我的预约"]
    panel = await user.press("返回")
    await user.press("12/3 上午")
    await user.press("确定", exact=True)
    assert "CY20261203-001" in receipts(user)[0].text


async def test_session_filled_while_choosing(harness: Harness) -> None:
    await logged_in(harness)
    other = await logged_in(harness, 1002, "beta", "北京另一公司")
    async with harness.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, DEC2, "am", 40)
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", NEW)
    await tap(user, "add", RENEW, 2)
    panel = await user.press("查询可预约信息")
    assert "12/2 上午 可预约" in panel.labels
    await user.press("12/2 上午")
    await harness.deps.bookings.book(unit_id=other, user_id=1002, day=DEC2, session="am", counts={RENEW: 1},
                                     contact_name="王芳", contact_phone="13700137000")
    panel = await user.press("确定", exact=True)
    assert "刚刚约满" in panel.text
    assert "12/2 上午 已满" in panel.labels
    await user.press("12/2 上午 已满")
    assert user.answer_of_last_press().get("show_alert")
    assert "请核对" not in user.last.text
    await user.press("12/2 下午")
    await user.press("确定", exact=True)
    assert "CY20261202-002" in receipts(user)[0].text


async def test_two_clerks_race_for_the_last_minutes(harness: Harness) -> None:
    await logged_in(harness)
    await logged_in(harness, 1002, "beta", "北京另一公司")
    async with harness.deps.db.write() as conn:
        await repo.set_slot_capacity(conn, DEC2, "am", 40)
    first, second = harness.user(1001), harness.user(1002)
    await to_confirm(first)
    await to_confirm(second, name="王芳", phone="13700137000")
    await asyncio.gather(first.press("确定", exact=True), second.press("确定", exact=True))
    won = [u for u in (first, second) if receipts(u)]
    lost = [u for u in (first, second) if not receipts(u)]
    assert len(won) == 1 and len(lost) == 1
    assert len(receipts(won[0])) == 1
    loser_panel = lost[0].last
    assert "刚刚约满" in loser_panel.text and "12/2 上午 已满" in loser_panel.labels
    async with harness.deps.db.read() as conn:
        usage = await repo.slot_usage(conn, [DEC2])
        booked = await repo.bookings_on(conn, DEC2)
    assert usage[(DEC2, "am")].used == 35 and len(booked) == 1


async def test_bad_answers_at_the_contact_steps_keep_the_draft(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", RENEW, 3)
    panel = await user.press("返回")
    assert "经办人：李雷 138****8000" in panel.text
    assert "请输入经办人姓名" in (await user.press("修改")).text

    reply = await user.send("李雷2")
    assert "姓名不能包含数字" in reply.text and reply.text.endswith("请输入经办人姓名：")
    reply = await user.send_sticker()
    assert "请直接输入文字" in reply.text and reply.text.endswith("请输入经办人姓名：")
    reply = await user.send("李" * 600)
    assert "过长" in reply.text and reply.text.endswith("请输入经办人姓名：")
    reply = await user.send("韩梅梅")
    assert reply.text.startswith("请输入经办人手机号码")

    reply = await user.send("12345")
    assert "手机号码应为11位" in reply.text and reply.text.endswith("请输入经办人手机号码（11位）：")
    reply = await user.send("+44 7700 900123")
    assert "仅支持中国大陆手机号码" in reply.text
    reply = await user.send_photo()
    assert "请直接输入文字" in reply.text and "手机号码" in reply.text
    panel = await user.send("13900139000")
    assert "续办（10分钟/个）：3" in panel.text and "合计：30分钟 / 60分钟" in panel.text
    draft = harness.app.user_data[1001][DRAFT]  # type: ignore[union-attr]
    assert draft == BookingDraft(counts={RENEW: 3}, contact_name="韩梅梅", contact_phone="13900139000")


async def test_all_full_offers_watch_requests(harness: Harness) -> None:
    await logged_in(harness)
    days = [date(2026, 12, d) for d in (2, 3, 4, 7, 8)]
    async with harness.deps.db.write() as conn:
        for day in days:
            for session in ("am", "pm"):
                await repo.set_slot_capacity(conn, day, session, 20)
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", NEW, 2)
    panel = await user.press("查询可预约信息")
    assert "已全部约满" in panel.text
    assert [label for label in panel.labels if "已满" in label][0] == "12/2 上午 已满"
    assert [label for label in panel.labels if label.startswith("有号提醒")] == [
        "有号提醒 12月2日", "有号提醒 12月3日", "有号提醒 12月4日", "有号提醒 12月7日", "有号提醒 12月8日"]
    panel = await user.press("有号提醒 12月2日")
    assert "有号时将通知您" in user.answer_of_last_press().get("text", "")
    assert "已登记12月2日的有号提醒，有号时将通知您" in panel.text
    async with harness.deps.db.read() as conn:
        assert [(u, m) for _, u, m in await repo.open_watches(conn, DEC2)] == [(1001, 30)]
        assert await repo.open_watches(conn, date(2026, 12, 3)) == []
        assert [a.action for a in await repo.history(conn, "watch", "1001:2026-12-02")] == ["request"]
    panel = await user.press("有号提醒 12月2日")
    assert "已登记过" in panel.text
    # a forged request for a date outside the window is refused
    await user.press_data(pack("wt", "add", date(2026, 12, 31)))
    assert "不在可预约范围内" in user.answer_of_last_press().get("text", "")


async def test_forged_and_stale_buttons(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", NEW)
    await user.press("查询可预约信息")
    panel = await user.press_data(pack("bk", "slot", date(2026, 12, 31), "am"))
    popup = user.answer_of_last_press()
    assert popup.get("show_alert") and "该日期不在可预约范围内" in popup["text"]
    assert "该日期不在可预约范围内" in panel.text
    assert "12/2 上午 可预约" in panel.labels
    panel = await user.press_data(pack("bk", "slot", DEC2, "night"))
    assert "请核对" not in panel.text
    await user.press_data("bk:add:bogus")  # not a basket step now: stale
    assert "已失效" in user.answer_of_last_press().get("text", "")

    await user.press("12/2 上午")
    await user.press("确定", exact=True)
    assert receipts(user)
    await user.press_data(pack("bk", "add", "new"))
    assert "已失效" in user.answer_of_last_press().get("text", "")
    name_question = next(m for m in user.bot_messages() if m.text and m.text.startswith("请输入经办人手机号码"))
    await user.press("返回", name_question)
    assert "已失效" in user.answer_of_last_press().get("text", "")
    await user.press_data(pack("bk", "confirm"))
    assert "已失效" in user.answer_of_last_press().get("text", "")
    async with harness.deps.db.read() as conn:
        assert len(await repo.bookings_on(conn, DEC2)) == 1


async def test_restart_mid_flow_keeps_the_basket(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", NEW)
    await tap(user, "add", RENEW, 2)
    await harness.restart()
    panel = await user.press("查询可预约信息")
    assert "新办 ×1、续办 ×2（共35分钟）" in panel.text
    panel = await user.press("返回")
    assert "新办（15分钟/个）：1" in panel.text and "合计：35分钟 / 60分钟" in panel.text
    await user.press("查询可预约信息")
    await user.press("12/4 下午")
    await user.press("确定", exact=True)
    (receipt,) = receipts(user)
    assert "CY20261204-001" in receipt.text
    async with harness.deps.db.read() as conn:
        booking = await repo.get_booking_by_code(conn, "CY20261204-001")
    assert booking is not None and booking.minutes == 35 and booking.session == "pm"


async def test_basket_prepared_at_eight_survives_the_idle_timeout_until_nine(harness: Harness) -> None:
    """Our decision: the idle timeout drops the slot choice, not the prepared basket."""
    from bot.handlers.flow import sweep_idle

    await logged_in(harness)
    harness.clock.set(at("2026-12-01 08:00"))  # type: ignore[attr-defined]
    user = harness.user(1001)
    await to_basket(user)
    await tap(user, "add", RENEW)
    harness.clock.set(at("2026-12-01 08:45"))  # type: ignore[attr-defined]
    assert await sweep_idle(harness.app) == 1
    assert "超过30分钟未操作" in user.last.text
    harness.clock.set(at("2026-12-01 09:00"))  # type: ignore[attr-defined]
    panel = await user.press_data(OPEN_DATA)
    assert "办理业务：续办 ×1（共10分钟）" in panel.text  # the basket is kept: the window opens for it
    assert "12/2 上午 可预约" in panel.labels
    await user.press("12/2 上午")
    confirm = user.last
    assert "续办" in confirm.text and "10分钟" in confirm.text
    await user.press("确定", exact=True)
    (receipt,) = receipts(user)
    assert "续办 ×1（共10分钟）" in receipt.text


# ---------------------------------------------------------------- audit


async def test_a_changed_notice_is_shown_in_full_again(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await user.command("book")
    await user.press(ACCEPT_LABEL)
    await user.command("cancel")
    panel = await user.command("book")
    assert digest() in panel.text and ACCEPT_LABEL not in panel.labels
    async with harness.deps.db.write() as conn:  # the text changed since this clerk accepted it
        await repo.set_notice_version(conn, 1001, "0123456789abcdef", harness.clock.now())
    panel = await user.command("book")
    assert "九、系统冻结处理" in panel.text and panel.labels == [ACCEPT_LABEL, "取消"]
    panel = await user.press(ACCEPT_LABEL)
    assert digest() in panel.text
    async with harness.deps.db.read() as conn:
        assert (await repo.get_tg_user(conn, 1001)).notice_version == NOTICE_VERSION


async def test_back_goes_one_step_at_every_step(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    panel = await user.command("book")
    await user.press(ACCEPT_LABEL)
    question = await user.press("填写经办人信息")
    assert question.text == "请输入经办人姓名：" and question.labels == ["返回"]
    panel = await user.press("返回")  # name → contact
    assert "请填写本次预约的经办人姓名和手机号码" in panel.text
    await user.press("填写经办人信息")
    question = await user.send("李雷")
    assert question.labels == ["返回"]
    panel = await user.press("返回")  # phone → name, the name kept in the draft
    assert panel.text == "请输入经办人姓名："
    assert harness.app.user_data[1001][DRAFT].contact_name == "李雷"
    await user.send("李雷")
    await user.send("13800138000")
    await tap(user, "add", RENEW)
    panel = await user.press("返回")  # basket → contact
    assert "经办人：李雷 138****8000" in panel.text
    panel = await user.press("使用以上信息")
    assert "续办（10分钟/个）：1" in panel.text  # the basket kept
    await user.press("查询可预约信息")
    panel = await user.press("返回")  # slots → basket
    assert "续办（10分钟/个）：1" in panel.text
    await user.press("查询可预约信息")
    await user.press("12/3 上午")
    panel = await user.press("返回")  # confirm → slots, the choice dropped
    assert "12/3 上午 可预约" in panel.labels
    assert harness.app.user_data[1001][DRAFT].day is None
    async with harness.deps.db.read() as conn:
        assert await repo.bookings_on(conn, date(2026, 12, 3)) == []
