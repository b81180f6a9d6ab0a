"""Driving the booking flow through the fake Bot API: basket taps, up to the confirmation, receipts."""

from __future__ import annotations

from bot.callbacks import pack
from bot.fake_telegram import FakeMessage, FakeUser
from bot.notice import ACCEPT_LABEL
from bot.rules.basket import BusinessType

NEW, RENEW = BusinessType.NEW, BusinessType.RENEW


async def tap(user: FakeUser, action: str, business: BusinessType, times: int = 1) -> FakeMessage:
    """Press the 「+」/「−」 of a basket row (the button must be on the panel)."""
    for _ in range(times):
        panel = user.last
        assert panel is not None
        data = pack("bk", action, business.value)
        assert data in [d for _, d in panel.buttons], panel.labels
        await user.press_data(data, panel)
    assert user.last is not None
    return user.last


async def to_basket(user: FakeUser, *, accept: bool = True, name: str = "李雷",
                    phone: str = "13800138000") -> FakeMessage:
    """/book through the notice and the contact step to the basket panel."""
    await user.command("book")
    if accept:
        await user.press(ACCEPT_LABEL)
    assert user.last is not None
    if "填写经办人信息" in user.last.labels:
        await user.press("填写经办人信息")
        await user.send(name)
        await user.send(phone)
    else:
        await user.press("使用以上信息")
    panel = user.last
    assert panel is not None and "合计：" in panel.text
    return panel


async def to_confirm(user: FakeUser, cell: str = "12/2 上午", **kwargs: object) -> FakeMessage:
    """To the confirmation dialogue with the basket 新办1 续办2 (35 minutes)."""
    await to_basket(user, **kwargs)  # type: ignore[arg-type]
    await tap(user, "add", NEW)
    await tap(user, "add", RENEW, 2)
    await user.press("查询可预约信息")
    panel = await user.press(cell)
    assert panel is not None and "请核对以下预约信息" in panel.text, user.transcript()
    return panel


def receipts(user: FakeUser) -> list[FakeMessage]:
    return [m for m in user.bot_messages() if m.text and "预约回执" in m.text]
