"""SPEC §8 「且未及时修改」 through the real Application: a 材料不符 counts only if not
corrected by the change deadline; the clerk's 「已更正，请复核」 tells staff; the 4th
counted one freezes the unit until the 1st of the next month."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.harness import Harness
from bot.jobs.reminders import run_due
from bot.rules.basket import BusinessType
from bot.rules.freeze import MismatchState
from bot.storage import repo
from bot.storage.models import Booking
from tests.support import at
from tests.support.clerks import filled_booking, logged_in

STAFF = 900001
NEW = BusinessType.NEW


async def booked(h: Harness, unit_id: int, day: date, counts: Mapping[BusinessType, int]) -> Booking:
    """A booking with every applicant filled (待办理)."""
    return await filled_booking(h, unit_id, day, counts)


async def states(h: Harness, booking_id: int) -> list[MismatchState]:
    async with h.deps.db.read() as conn:
        found = await repo.mismatches_of_booking(conn, booking_id)
    return [m.state for _, m in sorted(found.items())]


async def give_mismatch(h: Harness, code: str, nth: int = 0) -> None:
    staff = h.user(STAFF)
    await staff.command("find", code)
    buttons = [data for label, data in staff.last.buttons if label == "材料不符"]  # type: ignore[union-attr]
    await staff.press_data(buttons[nth])  # a reason (a quick pick) and the confirmation
    await staff.press("证件号码不一致")
    await staff.press("确认", exact=True)


async def test_a_corrected_mismatch_that_staff_pass_does_not_count(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await booked(harness, acme, date(2026, 12, 3), {NEW: 1})  # deadline 12-02 24:00
    clerk, staff = harness.user(1001), harness.user(STAFF)
    await staff.command("staff")
    clerk.new_messages()
    await give_mismatch(harness, booking.code)
    [notice] = clerk.new_messages()
    assert "审核结果：材料不符" in notice.text and "请在2026年12月2日（周三）24:00（修改截止时间）前" in notice.text
    assert "本月已计0次；再有4次将冻结本月预约权限" in notice.text
    # the clerk opens the results from the notice: a new panel, the notice stays as it was
    panel = await clerk.press("查看审核结果", notice)
    assert panel is not None and panel.message_id != notice.message_id
    assert "⚠️ 材料不符：证件号码不一致（待更正）" in panel.text and "新办 1/1　张三" in panel.text
    assert "⚠️ 新办 1/1" in panel.labels and "已更正，请复核" in panel.labels
    assert clerk.api.messages_in(1001)[[m.message_id for m in clerk.api.messages_in(1001)]
                                       .index(notice.message_id)].text == notice.text
    # correct the item (修改姓名) and report it
    review = await clerk.press("⚠️ 新办 1/1", panel)
    assert "已更正，请复核" in review.labels  # type: ignore[union-attr]
    await clerk.press("修改姓名", review)
    await clerk.send("张叁")
    await clerk.press("确认保存")
    staff.new_messages()
    panel = await clerk.press("已更正，请复核")
    assert "已通知中心复核" in panel.text and "⚠️ 材料不符：证件号码不一致（已更正，待复核）" in panel.text  # type: ignore[union-attr]
    assert "已更正，请复核" not in panel.labels  # type: ignore[union-attr]
    assert await states(harness, booking.id) == [MismatchState.CORRECTED]
    [told] = staff.new_messages()
    assert "经办人已更正「材料不符」" in told.text and booking.code in told.text and "北京示例科技有限公司" in told.text
    card = await staff.press("查看预约", told)
    assert card is not None and f"预约 {booking.code}" in card.text
    assert "材料不符（证件号码不一致）·已更正，待复核" in card.text  # where the mismatch stands
    # the deadline passes before staff re-review: a corrected mismatch does not count
    harness.clock.set(at("2026-12-03 00:01"))
    await run_due(harness.app)
    assert await states(harness, booking.id) == [MismatchState.CORRECTED]
    assert not [m for m in clerk.new_messages() if "材料不符已计入" in m.text]
    await staff.command("find", booking.code)
    await staff.press("通过", exact=True)
    assert await states(harness, booking.id) == [MismatchState.WITHDRAWN]
    assert (await harness.deps.mismatches.standing(acme)).count == 0
    reply = await clerk.command("me")
    assert "材料不符：本月已计0次；再有4次将冻结本月预约权限" in reply.text  # type: ignore[union-attr]


async def test_an_uncorrected_mismatch_counts_at_the_deadline_and_the_clerk_is_told(harness: Harness) -> None:
    acme = await logged_in(harness)
    booking = await booked(harness, acme, date(2026, 12, 3), {NEW: 1})
    clerk = harness.user(1001)
    await give_mismatch(harness, booking.code)
    harness.clock.set(at("2026-12-02 23:59"))
    await run_due(harness.app)
    assert await states(harness, booking.id) == [MismatchState.PENDING]
    clerk.new_messages()
    harness.clock.set(at("2026-12-03 00:00"))
    await run_due(harness.app)
    assert await states(harness, booking.id) == [MismatchState.COUNTED]
    [told] = [m for m in clerk.new_messages() if "材料不符已计入" in m.text]
    assert booking.code in told.text and "本月已计1次；再有3次将冻结本月预约权限" in told.text
    await run_due(harness.app)  # counted and told once
    assert not [m for m in clerk.new_messages() if "材料不符已计入" in m.text]
    async with harness.deps.db.read() as conn:
        assert len(await repo.mismatch_times(conn, acme, "2026-12")) == 1
        actions = [e.action for e in await repo.history(conn, "unit", acme)]
    assert actions.count("mismatch") == 1
    card = await harness.user(STAFF).command("find", booking.code)
    assert "材料不符（证件号码不一致）·已计入本月次数" in card.text  # staff see it counted
    # too late to correct now: the panel offers no button and a forged press is refused
    panel = await clerk.press_data(f"ap:list:{booking.id}")
    assert "⚠️ 材料不符：证件号码不一致（已计入本月次数）" in panel.text and "已更正，请复核" not in panel.labels  # type: ignore[union-attr]
    item_id = next(iter(await harness.deps.mismatches.of_booking(booking.id)))
    await clerk.press_data(f"ap:fixed:{item_id}")
    assert clerk.answer_of_last_press()["show_alert"] is True
    assert await states(harness, booking.id) == [MismatchState.COUNTED]


async def test_the_fourth_counted_mismatch_freezes_until_the_first(harness: Harness) -> None:
    harness.clock.set(at("2026-12-07 10:00"))
    acme = await logged_in(harness)
    booking = await booked(harness, acme, date(2026, 12, 9), {NEW: 4})  # deadline 12-08 24:00
    clerk = harness.user(1001)
    for n in range(4):
        await give_mismatch(harness, booking.code, n)
    harness.clock.set(at("2026-12-09 00:00"))
    clerk.new_messages()
    await run_due(harness.app)
    told = [m.text for m in clerk.new_messages() if "材料不符已计入" in m.text]
    assert len(told) == 4 and any("本月预约权限已冻结，次月1日起可再次预约" in text for text in told)
    assert not any("/3" in text for text in told)
    harness.clock.set(at("2026-12-09 10:00"))
    reply = await clerk.command("book")
    assert "本月预约权限已冻结，次月1日起可再次预约" in reply.text  # type: ignore[union-attr]
    reply = await clerk.command("me")
    assert "材料不符：本月已计4次，本月预约权限已冻结，次月1日起可再次预约" in reply.text  # type: ignore[union-attr]
    harness.clock.set(at("2027-01-04 10:00"))
    reply = await clerk.command("book")
    assert "本月预约权限已冻结" not in reply.text and "我已认真阅读并接受以上协议" in reply.labels  # type: ignore[union-attr]
