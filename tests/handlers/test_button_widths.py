"""Every inline button a clerk is shown fits a 360 px phone (issue 10 item 4).

One walk through the clerk's day — logging in, booking, the applicants, 我的预约 with
every change, 已办理预约 and the rating, 我的账户, the notifications the bot sends on its
own — then every keyboard ever sent to or edited into a clerk's chat is measured with
``bot.texts.width``: about 4 CJK characters a button in a row of four, 8 in a row of two.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.harness import Harness
from bot.jobs.reminders import run_due
from bot.notice import ACCEPT_LABEL
from bot.rules.states import BookingState
from bot.storage import repo
from bot.texts.width import MAX_PER_ROW, label_width, too_wide
from tests.support import at
from tests.support.clerks import filled_booking, logged_in, make_unit

CLERK = 1001
STAFF = 900001
ID_A = "11010519491231002X"


def test_the_width_rule() -> None:
    assert label_width("新办") == 4 and label_width("12/2") == 4 and label_width("⚠️ 新办 1/1") == 11
    assert too_wide(["一二三四", "一二三四五"] * 2) == ["一二三四五", "一二三四五"]
    assert too_wide(["一二三四五六七八", "返回"]) == []
    assert too_wide(["a"] * (MAX_PER_ROW + 1)) == ["a"] * (MAX_PER_ROW + 1)


def keyboards_sent_to(h: Harness, chat_id: int) -> list[tuple[str, list[list[str]]]]:
    """(method, rows of labels) of every inline keyboard sent or edited into a chat."""
    found = []
    for call in h.api.calls:
        if str(call.params.get("chat_id")) != str(chat_id) and call.method != "editMessageReplyMarkup":
            continue
        markup: Any = call.params.get("reply_markup")
        if isinstance(markup, str):
            import json

            markup = json.loads(markup)
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            continue
        rows = [[b["text"] for b in row] for row in markup["inline_keyboard"]]
        found.append((call.method, rows))
    return found


async def walk_the_clerks_day(h: Harness) -> None:
    """Press through every clerk screen and the bot's own notifications."""
    user = h.user(CLERK)
    await user.command("start")  # the guest welcome
    unit_id = await logged_in(h, CLERK)
    await user.command("start")
    await user.command("help")
    # 业务预约: notice, contact, basket, availability, confirmation, receipt
    await user.command("book")
    await user.press("查看须知全文") if "查看须知全文" in (user.last.labels if user.last else []) else None
    await user.press(ACCEPT_LABEL)
    await user.press("查看须知全文")
    await user.press("返回")
    await user.press("填写经办人信息")
    await user.send("李雷")
    await user.send("13800138000")
    await user.press("＋ 新办")
    await user.press("＋ 续办")
    await user.press("查询可预约信息")
    await user.press("12/2 上午")
    await user.press("确定", exact=True)
    # the applicants: panel, questions, id types, review
    await user.press("下一步，即将完成预约")
    await user.press("新办 1/1")
    await user.send("张三")
    await user.press("居民身份证")
    await user.send(ID_A)
    await user.send("13912345678")
    await user.press("确认保存")
    await user.press("续办 1/1")
    await user.send("李四")
    await user.press("护照")
    await user.send("E12345678")
    await user.send("13912345679")
    await user.send("BJ2020123456")
    await user.press("确认保存")
    await user.press("返回")
    # 我的预约: card, 修改信息, contact, counts, 改约, cancel
    await user.command("my")
    await user.press("修改信息")
    await user.press("经办人信息")
    await user.press("姓名不变")
    await user.send("13912345678")
    await user.command("my")
    await user.press("修改信息")
    await user.press("办理数量")
    await user.press("＋ 个人信息变更")
    await user.press("确定", exact=True)
    await user.press("返回")
    await user.press("确定", exact=True)
    await user.press("确定", exact=True)
    await user.command("my")
    await user.press("改约")
    await user.press("12/3 上午")
    await user.press("确定", exact=True)
    # a second booking to cancel
    other = await filled_booking(h, unit_id, date(2026, 12, 4))
    await user.press_data(f"my:cancel:{other.id}")
    await user.press("确认取消")
    # 我的账户 and /settings
    await user.command("me")
    await user.command("settings")
    await user.command("me")
    await user.press("退出登录")
    await user.press("返回")
    # a staff review: the notice, the panel with 已更正，请复核
    staff = h.user(STAFF)
    await staff.command("staff")
    async with h.deps.db.read() as conn:
        [moved] = await repo.bookings_of_unit(conn, unit_id, [BookingState.PENDING, BookingState.INCOMPLETE])
    await staff.command("find", moved.code)
    await staff.press("材料不符", exact=True)
    await staff.press("证件号码不一致")
    await staff.press("确认", exact=True)
    notice = user.last
    assert notice is not None
    await user.press("查看审核结果", notice)
    await user.press("已更正，请复核")
    # the bot's own messages: release notice, deadline reminder, appointment reminder
    h.clock.set(at("2026-12-02 09:00"))
    await run_due(h.app)
    h.clock.set(at("2026-12-02 15:00"))
    await run_due(h.app)
    h.clock.set(at("2026-12-03 08:00"))
    await run_due(h.app)
    # 已办理预约 and the rating
    h.clock.set(at("2026-12-03 09:30"))
    served = await filled_booking(h, unit_id, date(2026, 12, 9))
    async with h.deps.db.write() as conn:
        await repo.set_booking_state(conn, served.id, BookingState.PENDING, BookingState.SERVED, h.clock.now())
    await user.command("history")
    await user.press("评价")
    await user.press("非常满意")
    await user.press("跳过")
    # a full window: 有号提醒
    beta = await make_unit(h, "beta", "北京贝塔咨询有限公司")
    async with h.deps.db.write() as conn:
        for day in (date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10)):
            for session in ("am", "pm"):
                await repo.set_slot_capacity(conn, day, session, 0)
    assert beta
    await user.command("book")
    await user.press("使用以上信息")
    await user.press("＋ 新办")
    await user.press("查询可预约信息")


async def test_every_clerk_button_fits_a_phone(harness: Harness) -> None:
    await walk_the_clerks_day(harness)
    keyboards = keyboards_sent_to(harness, CLERK)
    assert len(keyboards) > 40  # the walk did reach the screens
    labels = {label for _, rows in keyboards for row in rows for label in row}
    for expected in ("－ 新办", "12/2 上午 可预约", "已更正，请复核", "查看审核结果", "下一步，即将完成预约",
                     "主菜单", "登录"):
        assert expected in labels, expected
    problems = [(method, row, too_wide(row)) for method, rows in keyboards for row in rows if too_wide(row)]
    assert problems == []
