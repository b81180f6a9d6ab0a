"""The booking code is tap-to-copy (HTML ``<code>``) and nothing typed is taken for markup
(issue 10 item 11): ``<b>&`` in a unit name and a staff reason reaches the clerk as typed."""

from __future__ import annotations

from bot.deps import BotContext
from bot.handlers.receipt import refresh_receipt
from bot.harness import Harness
from bot.notice import ACCEPT_LABEL
from bot.storage import repo
from bot.texts.html import Html, html_lines, plain
from tests.support.clerks import logged_in

HOSTILE = "<b>&"


def test_html_lines_escape_everything_but_the_marked_code() -> None:
    text = html_lines([f"单位：{HOSTILE}公司", "预约编号：CY20261202-001"], marked=["CY20261202-001"])
    assert isinstance(text, Html)
    assert text == "单位：&lt;b&gt;&amp;公司\n预约编号：<code>CY20261202-001</code>"
    assert plain(text) == f"单位：{HOSTILE}公司\n预约编号：CY20261202-001"


async def test_hostile_names_and_reasons_reach_the_clerk_as_typed(harness: Harness) -> None:
    unit_id = await logged_in(harness, 1001, "evil", f"{HOSTILE}科技有限公司")
    user = harness.user(1001)
    await user.command("book")
    await user.press(ACCEPT_LABEL)
    await user.press("填写经办人信息")
    await user.send("李雷")
    await user.send("13800138000")
    await user.press("＋ 新办")
    await user.press("查询可预约信息")
    await user.press("12/2 上午")
    await user.press("确定", exact=True)
    async with harness.deps.db.read() as conn:
        [booking] = await repo.bookings_of_unit(conn, unit_id, ["incomplete"])  # type: ignore[list-item]
    receipt = harness.api.messages[booking.receipt_message_id or 0]
    assert f"单位：{HOSTILE}科技有限公司" in (receipt.text or "")
    assert receipt.html is not None and "&lt;b&gt;&amp;科技" in receipt.html
    assert f"<code>{booking.code}</code>" in receipt.html
    prompt = next(m for m in user.bot_messages() if m.text and m.text.startswith("预约成功"))
    assert prompt.html is not None and f"<code>{booking.code}</code>" in prompt.html
    # the card in 我的预约 is HTML too: its code tap-to-copy
    await user.command("my")
    card = user.last
    assert card is not None and card.html is not None and f"<code>{booking.code}</code>" in card.html
    # a staff reason with markup characters: the receipt is edited, showing it as typed
    await harness.deps.staff.revoke(900001, booking.id, f"{HOSTILE}材料原因")
    edits = receipt.edits
    await refresh_receipt(BotContext(harness.app), booking.id)
    receipt = harness.api.messages[booking.receipt_message_id or 0]
    assert receipt.edits == edits + 1 and f"说明：{HOSTILE}材料原因" in (receipt.text or "")
