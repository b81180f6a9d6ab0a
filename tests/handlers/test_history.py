"""已办理预约 and 满意度评价 through the real Application."""

from __future__ import annotations

from datetime import date

import pytest

from bot import texts
from bot.callbacks import pack
from bot.errors import UnratedEvaluation
from bot.harness import Harness
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.models import Booking
from tests.support.clerks import logged_in, make_unit

WED = date(2026, 12, 2)
THU = date(2026, 12, 3)


async def held(h: Harness, unit_id: int, counts: dict[B, int] | None = None, day: date = WED) -> Booking:
    """A booking made now (book before marking others served: an unrated one blocks booking)."""
    booking = await h.deps.bookings.book(unit_id=unit_id, user_id=1001, day=day, session="am",
                                         counts=counts or {B.NEW: 1}, contact_name="李雷",
                                         contact_phone="13800138000")
    await h.courier.deliver_booking(booking.id)  # its receipt, as after 「确定」
    return booking


async def finish(h: Harness, booking: Booking, state: BookingState = BookingState.SERVED,
                 reviews: list[tuple[str, str | None]] | None = None) -> Booking:
    """Staff review the items and mark the booking served (or no-show)."""
    async with h.deps.db.write() as conn:
        items = await repo.items_of(conn, booking.id)
        for item, (review, reason) in zip(items, reviews or []):
            await repo.set_item_review(conn, item.id, review, reason, 900001, h.clock.now())
        await repo.set_booking_state(conn, booking.id, BookingState.INCOMPLETE, state, h.clock.now())
    return booking


async def finished(h: Harness, unit_id: int, counts: dict[B, int] | None = None, day: date = WED,
                   state: BookingState = BookingState.SERVED,
                   reviews: list[tuple[str, str | None]] | None = None) -> Booking:
    """A booking made now, then reviewed and marked served (or no-show) by staff."""
    return await finish(h, await held(h, unit_id, counts, day), state, reviews)


async def evaluation(h: Harness, booking_id: int) -> tuple[int, str] | None:
    async with h.deps.db.read() as conn:
        return await repo.get_evaluation(conn, booking_id)


async def test_empty_history(harness: Harness) -> None:
    await logged_in(harness)
    reply = await harness.user(1001).command("history")
    assert reply.text == "本单位还没有已办理的预约。"


async def test_history_shows_review_results_and_the_rate_button(harness: Harness) -> None:
    unit = await logged_in(harness)
    pending = await held(harness, unit, day=date(2026, 12, 4))
    missed = await finished(harness, unit, {B.PERSON_CHANGE: 1}, day=THU, state=BookingState.NO_SHOW)
    served = await finished(harness, unit, {B.NEW: 1, B.RENEW: 2},
                            reviews=[("pass", None), ("fail", "材料不全"), ("mismatch", None)])
    user = harness.user(1001)
    reply = await user.command("history")
    text = reply.text
    assert "共2个" in text
    assert text.index(missed.code) < text.index(served.code)  # newest first
    assert f"{missed.code}　2026年12月3日（周四） 上午　未到" in text
    assert "新办 1/1：通过" in text
    assert "续办 1/2：不通过（材料不全）" in text
    assert "续办 2/2：材料不符" in text
    assert "个人信息变更 1/1：审核中" in text
    assert "满意度评价：未评价" in text
    assert pending.code not in text
    assert reply.labels == ["满意度评价", "主菜单"]
    assert dict(reply.buttons)["满意度评价"] == pack("hs", "rate", served.id)
    # the main-menu button shows the same page
    await user.command("start")
    reply = await user.press("已办理预约")
    assert served.code in reply.text


async def test_rating_with_a_comment_lifts_the_booking_block(harness: Harness) -> None:
    unit = await logged_in(harness)
    served = await finished(harness, unit)
    with pytest.raises(UnratedEvaluation) as refused:
        await harness.deps.bookings.check_unit_may_book(unit)
    assert refused.value.message == texts.UNRATED_SERVED
    user = harness.user(1001)
    await user.command("history")
    reply = await user.press("满意度评价")
    assert served.code in reply.text
    assert reply.labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意", "返回"]
    reply = await user.press("满意", exact=True)
    assert "您的评价：满意" in reply.text and reply.labels == ["跳过"]
    reply = await user.send("好" * 201)
    assert "最多200个字" in reply.text and "您的评价：满意" in reply.text
    assert await evaluation(harness, served.id) is None
    reply = await user.send("窗口服务很耐心")
    assert "感谢您的评价" in reply.text and "现在可以再次预约" in reply.text
    assert "业务预约" in reply.labels
    assert await evaluation(harness, served.id) == (4, "窗口服务很耐心")
    await harness.deps.bookings.check_unit_may_book(unit)  # no longer blocked
    async with harness.deps.db.read() as conn:
        hist = await repo.history(conn, "booking", served.id)
    assert hist[-1].action == "evaluate" and hist[-1].actor == "tg:1001"
    reply = await user.command("history")
    assert "满意度评价：满意（意见：窗口服务很耐心）" in reply.text
    assert "满意度评价" not in reply.labels


async def test_rating_with_skip_and_duplicates_refused(harness: Harness) -> None:
    unit = await logged_in(harness)
    served = await finished(harness, unit)
    user = harness.user(1001)
    # the booking flow's 去评价 button uses the same callback
    reply = await user.press_data(pack("hs", "rate", served.id))
    star_data = dict(reply.buttons)["非常满意"]
    await user.press("非常满意")
    reply = await user.press("跳过")
    assert "感谢您的评价" in reply.text
    assert await evaluation(harness, served.id) == (5, "")
    # a second rating: refused politely, the first one stands
    reply = await user.press_data(pack("hs", "rate", served.id))
    assert "该预约已完成满意度评价" in reply.text
    reply = await user.press_data(star_data)
    assert "该预约已完成满意度评价" in reply.text
    assert await evaluation(harness, served.id) == (5, "")


async def test_only_own_served_bookings_can_be_rated(harness: Harness) -> None:
    unit = await logged_in(harness)
    other = await make_unit(harness, "beta", "北京另一家公司")
    theirs = await finished(harness, other)
    missed = await finished(harness, unit, state=BookingState.NO_SHOW)
    user = harness.user(1001)
    reply = await user.press_data(pack("hs", "rate", theirs.id))
    assert "未找到该预约，或该预约不属于本单位" in reply.text and theirs.code not in reply.text
    reply = await user.press_data(pack("hs", "star", theirs.id, 1))
    assert "未找到该预约" in reply.text
    reply = await user.press_data(pack("hs", "rate", missed.id))
    assert "只有已办理的预约才能进行满意度评价" in reply.text
    assert await evaluation(harness, theirs.id) is None and await evaluation(harness, missed.id) is None


async def test_two_unrated_bookings_and_the_remaining_count(harness: Harness) -> None:
    unit = await logged_in(harness)
    first, second = await held(harness, unit), await held(harness, unit, day=THU)
    await finish(harness, first)
    await finish(harness, second)
    user = harness.user(1001)
    reply = await user.command("history")
    assert reply.labels == [f"满意度评价（{second.code}）", f"满意度评价（{first.code}）", "主菜单"]
    await user.press(f"满意度评价（{first.code}）")
    await user.press("基本满意")
    reply = await user.press("跳过")
    assert "还有1个已办理预约待评价" in reply.text
    assert await evaluation(harness, first.id) == (3, "")
    with pytest.raises(UnratedEvaluation):
        await harness.deps.bookings.check_unit_may_book(unit)


async def test_history_pages_by_five(harness: Harness) -> None:
    unit = await logged_in(harness)
    made = [await finished(harness, unit, state=BookingState.NO_SHOW) for _ in range(7)]
    user = harness.user(1001)
    reply = await user.command("history")
    assert "共7个，第1/2页" in reply.text
    assert [b.code in reply.text for b in made] == [False, False, True, True, True, True, True]
    assert reply.labels == ["下一页", "主菜单"]
    reply = await user.press("下一页")
    assert "第2/2页" in reply.text and made[0].code in reply.text and made[2].code not in reply.text
    assert reply.text.startswith("已办理预约") and "6. " in reply.text
    assert reply.labels == ["上一页", "主菜单"]
    reply = await user.press("上一页")
    assert "第1/2页" in reply.text
    # A 下一页 pressed after the history shrank (a forged page number alike) shows the last page.
    reply = await user.press_data(pack("hs", "page", 7))
    assert "第2/2页" in reply.text and made[0].code in reply.text


async def test_rating_comment_survives_a_restart(harness: Harness) -> None:
    unit = await logged_in(harness)
    served = await finished(harness, unit)
    user = harness.user(1001)
    await user.command("history")
    await user.press("满意度评价")
    await user.press("不满意", exact=True)
    await harness.restart()
    reply = await user.send("等候时间较长")
    assert "感谢您的评价" in reply.text
    assert await evaluation(harness, served.id) == (2, "等候时间较长")


# ---------------------------------------------------------------- audit


async def test_back_from_the_comment_to_the_ratings(harness: Harness) -> None:
    unit = await logged_in(harness)
    served = await finished(harness, unit)
    user = harness.user(1001)
    await user.command("history")
    await user.press("满意度评价")
    await user.press("不满意", exact=True)
    chosen = user.bot_messages()[-2]
    assert "已选择：不满意" in chosen.text and chosen.labels == ["返回"]
    old_question = user.last
    await user.press("返回", chosen)
    panel = chosen  # edited in place back into the five ratings
    assert panel.labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意", "返回"]
    await user.press("跳过", old_question)  # the question of the rating taken back
    assert user.answer_of_last_press().get("text") == texts.STALE_BUTTON
    assert await evaluation(harness, served.id) is None
    await user.press("非常满意", panel)
    reply = await user.send("很好")
    assert "感谢您的评价" in reply.text
    assert await evaluation(harness, served.id) == (5, "很好")


async def test_bad_input_at_the_comment_keeps_the_rating_and_the_skip_button(harness: Harness) -> None:
    unit = await logged_in(harness)
    served = await finished(harness, unit)
    user = harness.user(1001)
    await user.press_data(pack("hs", "rate", served.id))
    await user.press("基本满意")
    reply = await user.send_sticker()
    assert "请直接输入文字" in reply.text and "您的评价：基本满意" in reply.text and reply.labels == ["跳过"]
    reply = await user.send_photo()
    assert reply.labels == ["跳过"]
    reply = await user.send("意" * 201)
    assert "最多200个字，您输入了201个字" in reply.text and reply.labels == ["跳过"]
    reply = await user.send("意" * 600)
    assert "过长" in reply.text and reply.labels == ["跳过"]
    assert await evaluation(harness, served.id) is None
    reply = await user.press("跳过", reply)  # the button of the re-asked question
    assert "感谢您的评价" in reply.text
    assert await evaluation(harness, served.id) == (3, "")


async def test_an_idle_rating_is_dropped_and_its_buttons_refused(harness: Harness) -> None:
    from bot.handlers.history import DRAFT

    unit = await logged_in(harness)
    served = await finished(harness, unit)
    user = harness.user(1001)
    await user.press_data(pack("hs", "rate", served.id))
    await user.press("满意", exact=True)
    harness.clock.advance(minutes=31)  # type: ignore[attr-defined]
    await user.press("跳过")
    assert any("超过30分钟未操作" in m for m in user.texts())
    assert user.answer_of_last_press().get("text") == texts.STALE_BUTTON
    assert DRAFT not in harness.app.user_data[1001]
    assert await evaluation(harness, served.id) is None
    # the 已办理预约 page still offers the rating, and the next booking is still blocked
    reply = await user.command("book")
    assert texts.UNRATED_SERVED in reply.text and "去评价" in reply.labels


async def test_review_results_show_per_item_with_reasons(harness: Harness) -> None:
    unit = await logged_in(harness)
    await finished(harness, unit, {B.NEW: 1, B.RENEW: 2},
                   reviews=[("pass", None), ("fail", "材料过期"), ("mismatch", None)])
    user = harness.user(1001)
    reply = await user.command("history")
    assert "新办 1/1：通过" in reply.text
    assert "续办 1/2：不通过（材料过期）" in reply.text and "续办 2/2：材料不符" in reply.text
    assert "满意度评价：未评价" in reply.text
