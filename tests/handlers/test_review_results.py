"""Review results where the clerk works (issue 10 item 1, SPEC §8): each item's result on the
我的预约 card and on the applicant panel — ✅ 通过, ⚠️ 材料不符, ❌ 不通过 with the reason — and a
filled but unreviewed item is not shown as passed."""

from __future__ import annotations

from datetime import date

from bot.harness import Harness
from bot.rules.basket import BusinessType
from bot.storage import repo
from tests.support.clerks import filled_booking, logged_in

STAFF = 900001


async def test_results_show_on_the_card_and_the_panel(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    booking = await filled_booking(harness, unit_id, date(2026, 12, 3), {BusinessType.NEW: 4})
    async with harness.deps.db.read() as conn:
        items = await repo.items_of(conn, booking.id)
    staff = harness.deps.staff
    await staff.review(STAFF, items[0].id, "pass")
    await staff.review(STAFF, items[1].id, "fail", "照片不清晰")
    await staff.review(STAFF, items[2].id, "mismatch", "证件号码不一致")
    user = harness.user(1001)
    await user.command("my")
    card = user.last
    assert card is not None
    assert "新办 1/4 张三　✅ 通过" in card.text
    assert "新办 2/4 李雷　❌ 不通过（照片不清晰）" in card.text
    assert "新办 3/4 韩梅梅　⚠️ 材料不符：证件号码不一致（待更正）" in card.text
    assert "新办 4/4 王五　已填写，待审核" in card.text and card.text.count("✅") == 1
    panel = await user.press_data(f"ap:list:{booking.id}")
    assert panel is not None
    assert "✅ 新办 1/4" in panel.labels and "❌ 新办 2/4" in panel.labels and "⚠️ 新办 3/4" in panel.labels
    assert "📝 新办 4/4" in panel.labels and "已更正，请复核" in panel.labels
    assert "新办 4/4　王五　已填写，待审核" in panel.text and "❌ 不通过（照片不清晰）" in panel.text
