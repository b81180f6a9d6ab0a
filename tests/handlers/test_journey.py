"""One clerk's whole journey through the real Application: /start to 待办理, and out again."""

from __future__ import annotations

from bot.harness import Harness
from bot.notice import ACCEPT_LABEL
from bot.rules.applicant import resident_id_check_digit
from bot.rules.basket import BusinessType
from bot.rules.states import BookingState
from bot.storage import repo
from tests.support.booking import receipts, tap
from tests.support.clerks import make_unit

ID_BODY = "11010519850315123"
ID_NUMBER = ID_BODY + resident_id_check_digit(ID_BODY)


async def test_from_start_to_pending_and_cancel(harness: Harness) -> None:
    unit_id = await make_unit(harness)
    clerk = harness.user(1001, "韩梅梅")

    # /start as a guest, then log in with the one-time password and choose our own
    assert "请先使用本单位的预约账户登录" in (await clerk.command("start")).text
    await clerk.press("登录")
    await clerk.send("acme")
    await clerk.send("Start-Pass-1")
    await clerk.send("Own-Password-9")
    menu = await clerk.send("Own-Password-9")
    assert {"业务预约", "我的预约", "已办理预约", "我的账户"} <= set(menu.labels)

    # /cancel mid-flow leaves it; nothing is held
    await clerk.press("业务预约")
    assert ACCEPT_LABEL in clerk.last.labels
    assert "已退出当前操作" in (await clerk.command("cancel")).text

    # book: notice, contact, basket, availability, confirmation
    await clerk.press("业务预约")
    await clerk.press(ACCEPT_LABEL)
    await clerk.press("填写经办人信息")
    await clerk.send("韩梅梅")
    await clerk.send("13900139000")
    await tap(clerk, "add", BusinessType.NEW)
    panel = await clerk.press("查询可预约信息")
    assert sum("可预约" in label for label in panel.labels) == 10
    await clerk.press("12/3 下午")
    await clerk.press("确定", exact=True)
    (receipt,) = receipts(clerk)
    assert "CY20261203-001" in receipt.text and "待完善信息" in receipt.text
    assert clerk.last.document[0] == "CY20261203-001.ics"

    # complete the applicant from the receipt's button
    await clerk.press("下一步，即将完成预约", receipt)
    await clerk.press("新办 1/1")
    await clerk.send("李雷")
    await clerk.press("居民身份证")
    await clerk.send(ID_NUMBER)
    await clerk.send("13800138000")
    panel = await clerk.press("确认保存")
    assert "待办理" in panel.text
    receipt = harness.api.messages[receipt.message_id]
    assert "状态：待办理" in receipt.text

    async with harness.deps.db.read() as conn:
        [booking] = await repo.bookings_of_unit(conn, unit_id, [BookingState.PENDING])
        [item] = await repo.items_of(conn, booking.id)
        used = (await repo.slot_usage(conn, [booking.date]))[(booking.date, "pm")].used
    assert (booking.code, booking.contact_name, booking.minutes) == ("CY20261203-001", "韩梅梅", 15)
    assert (item.applicant_name, item.id_number) == ("李雷", ID_NUMBER)
    assert used == 15
    assert all(ID_NUMBER not in text for text in clerk.texts())

    # 我的预约 → 取消预约 → 确认: the minutes return and the receipt says so
    await clerk.command("my")
    await clerk.press("取消预约")
    await clerk.press("确认取消")
    async with harness.deps.db.read() as conn:
        cancelled = await repo.get_booking(conn, booking.id)
        used = (await repo.slot_usage(conn, [booking.date]))[(booking.date, "pm")].used
    assert cancelled.state is BookingState.CANCELLED and used == 0
    assert "状态：已取消" in harness.api.messages[receipt.message_id].text
