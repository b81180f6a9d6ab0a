"""Issue 10 items 4–6 through the real Application: the basket fits a phone, typing is
accepted where invited, and the availability step says what each date is."""

from __future__ import annotations

from datetime import date

from bot.harness import Harness
from bot.notice import ACCEPT_LABEL
from bot.rules.basket import BusinessType
from bot.storage import repo
from tests.support.clerks import filled_booking, logged_in

NEW = BusinessType.NEW


async def test_the_basket_shows_names_and_counts_in_the_text_and_matches_the_counts_editor(
    harness: Harness,
) -> None:
    unit_id = await logged_in(harness)
    user = harness.user(1001)
    await user.command("book")
    await user.press(ACCEPT_LABEL)
    await user.press("填写经办人信息")
    await user.send("李雷")
    panel = await user.send("13800138000")
    assert panel is not None
    assert panel.labels[:8] == ["－ 新办", "＋ 新办", "－ 续办", "＋ 续办",
                                "－ 个人信息变更", "＋ 个人信息变更", "－ 单位信息变更", "＋ 单位信息变更"]
    panel = await user.press("＋ 新办")
    assert "新办（15分钟/个）：1个" in panel.text and "个人信息变更（5分钟/个）：0个" in panel.text  # type: ignore[union-attr]
    # 改数量 uses the same control
    booking = await filled_booking(harness, unit_id, date(2026, 12, 3))
    await user.command("my")
    await user.press_data(f"my:qty:{booking.id}")
    editor = user.last
    assert editor is not None and editor.labels[:8] == panel.labels[:8]  # type: ignore[union-attr]
    assert "新办（15分钟/个）：1个" in editor.text


async def test_typing_the_contact_at_the_contact_panel_is_accepted(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await user.command("book")
    panel = await user.press(ACCEPT_LABEL)
    assert panel is not None and "请填写本次预约的经办人姓名和手机号码。" in panel.text
    reply = await user.send_sticker()
    assert reply is not None and "请直接输入文字回答" in reply.text and "请输入经办人姓名" in reply.text
    reply = await user.send("李雷")
    assert reply is not None and "当前操作需要点击" not in reply.text and "请输入经办人手机号码" in reply.text
    reply = await user.send("13800138000")
    assert reply is not None and "＋ 新办" in reply.labels
    # both at once; a bad name gets its own message and the name question again
    await logged_in(harness, 1002, "beta", "北京贝塔咨询有限公司")
    other = harness.user(1002)
    await other.command("book")
    await other.press(ACCEPT_LABEL)
    reply = await other.send("王芳 13700137000")
    assert reply is not None and "＋ 新办" in reply.labels
    await logged_in(harness, 1003, "gamma", "北京伽马有限公司")
    third = harness.user(1003)
    await third.command("book")
    await third.press(ACCEPT_LABEL)
    reply = await third.send("1")
    assert reply is not None and "请输入经办人姓名" in reply.text and "返回" in reply.labels
    reply = await third.send("赵六")
    assert reply is not None and "请输入经办人手机号码" in reply.text
    async with harness.deps.db.read() as conn:
        assert await repo.last_contact_of_unit(conn, 2) is None  # nothing is stored before 「确定」


async def test_availability_marks_held_dates_working_weekends_and_closures(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    held = await filled_booking(harness, unit_id, date(2026, 12, 2))
    now = harness.clock.now()
    async with harness.deps.db.write() as conn:
        await repo.set_calendar_override(conn, date(2026, 12, 5), "workday", "调休上班", None, now)
        await repo.close_date(conn, date(2026, 12, 3), "中心内部培训", None, now)
        assert await repo.take_minutes(conn, date(2026, 12, 4), "am", 480, 540)  # 60 of 540 left
    user = harness.user(1001)
    await user.command("book")
    await user.press(ACCEPT_LABEL)
    await user.press("使用以上信息")
    await user.press("＋ 新办")
    panel = await user.press("查询可预约信息")
    assert panel is not None
    text = panel.text
    assert f"12月2日（周三）：本单位已约（{held.code}）" in text
    assert "12月3日（周四）：中心关闭（中心内部培训）" in text
    assert "12月4日（周五）：上午 紧张｜下午 可预约" in text
    assert "12月5日（周六·调休上班）：上午 可预约｜下午 可预约" in text
    assert "余" not in text and "分钟）：" not in text.split("可预约信息")[1].split("\n")[3]
    assert "12/2 本单位已约" in panel.labels and not any(label.startswith("12/3") for label in panel.labels)
    assert {"12/4 上午 紧张", "12/4 下午 可预约", "12/5 上午 可预约"} <= set(panel.labels)
    confirm = await user.press("12/5 上午")
    assert confirm is not None and "2026年12月5日（周六）" in confirm.text


async def test_a_session_staff_closed_says_so(harness: Harness) -> None:
    await logged_in(harness)
    async with harness.deps.db.write() as conn:
        await repo.set_slot_closed(conn, date(2026, 12, 2), "pm", True)
    user = harness.user(1001)
    await user.command("book")
    await user.press(ACCEPT_LABEL)
    await user.press("填写经办人信息")
    await user.send("李雷")
    await user.send("13800138000")
    await user.press("＋ 新办")
    panel = await user.press("查询可预约信息")
    assert panel is not None and "12月2日（周三）：上午 可预约｜下午 已关闭" in panel.text
    await user.press("12/2 下午 已关闭")
    assert user.answer_of_last_press()["show_alert"] is True
