"""The edges of delivery (SPEC §12, §13): a second poller, passwords in captions, UTF-16 limits,
changes told through the outbox, and the one rate limiter."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import pytest
from telegram.error import Conflict

from bot.delivery.limiter import BULK, PriorityRateLimiter
from bot.fake_telegram import Fault, FaultScript
from bot.harness import Harness
from bot.rules.basket import BusinessType
from bot.rules.states import BookingState
from bot.services import broadcast as broadcast_service
from bot.storage import outbox, repo
from bot.texts import utf16_len
from tests.support.clerks import logged_in, make_unit

WED = date(2026, 12, 2)


# ---------------------------------------------------------------- a second poller


async def test_a_second_poller_is_reported_once_plainly_without_tracebacks(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    assert harness.app is not None
    with caplog.at_level(logging.DEBUG):
        for _ in range(17):  # what 2.5 minutes of polling against another instance produce
            await harness.app.process_error(update=None, error=Conflict("terminated by other getUpdates request"))
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "another bot instance is polling Telegram with this token" in errors[0].getMessage()
    assert errors[0].exc_info is None and "Traceback" not in caplog.text


# ---------------------------------------------------------------- passwords sent as something else


@pytest.mark.parametrize("kind", ["photo", "document"])
async def test_a_password_sent_as_a_caption_is_deleted_and_asked_again(harness: Harness, kind: str) -> None:
    await make_unit(harness)
    user = harness.user(1001)
    await user.command("login")
    await user.send("acme")
    attachment = (
        {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]} if kind == "photo"
        else {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "pw.txt", "file_size": 3}}
    )
    update = user.update_for(caption="Start-Pass-1", **attachment)
    await user.feed(update)
    assert update.message is not None
    assert harness.api.messages[update.message.message_id].deleted
    assert "请输入密码" in (user.last.text or "")
    reply = await user.send("Start-Pass-1")  # nothing was lost: the step goes on
    assert reply is not None and "设置本单位的新密码" in reply.text


# ---------------------------------------------------------------- UTF-16 limits


async def test_a_broadcast_is_measured_in_utf16_units(harness: Harness) -> None:
    text = "通" * 2890 + "😀" * 600  # 3,490 characters, 4,090 UTF-16 units
    assert len(text) < broadcast_service.MAX_TEXT < utf16_len(text)
    problem = broadcast_service.text_problem(text)
    assert problem is not None and "4090" in problem
    fits = "通" * 2890 + "😀" * 300
    assert broadcast_service.text_problem(fits) is None
    await logged_in(harness)  # one clerk to send to
    staff = harness.user(900001)
    await staff.command("broadcast")
    reply = await staff.send(text)
    assert reply is not None and "超过" in reply.text  # the same question again, not 系统繁忙
    reply = await staff.send(fits)
    assert reply is not None and "请选择接收人" in reply.text


# ---------------------------------------------------------------- changes told through the outbox


async def test_cancel_edits_the_receipt_through_the_outbox_even_when_the_panel_fails(harness: Harness) -> None:
    unit = await logged_in(harness)
    booking = await harness.deps.bookings.book(unit_id=unit, user_id=1001, day=WED, session="am",
                                               counts={BusinessType.NEW: 1}, contact_name="李雷",
                                               contact_phone="13800138000")
    await harness.courier.deliver_booking(booking.id)
    user = harness.user(1001)
    await user.command("my")
    await user.press("取消预约")
    harness.api.behaviour = FaultScript({"answerCallbackQuery": [Fault.bad_gateway_before()] * 5,
                                         "editMessageText": [Fault.timeout_after(), Fault.bad_gateway_before()] * 3})
    target, data = user._find_button("确认取消", None, False)
    await user.feed(user.callback_update(data, target))
    await harness.courier.idle()
    async with harness.deps.db.read() as conn:
        fresh = await repo.get_booking(conn, booking.id)
        rows = await outbox.of_booking(conn, booking.id)
    assert fresh is not None and fresh.state is BookingState.CANCELLED
    assert [(r.render, r.status) for r in rows] == [("receipt", "sent"), ("receipt_edit", "sent"), ("calendar", "sent")]
    assert "状态：已取消" in harness.api.messages[fresh.receipt_message_id].text  # type: ignore[index]
    last = user.bot_messages()[-1]
    assert last.document is not None and b"METHOD:CANCEL" in last.document[1]  # the entry leaves their calendar


async def test_auto_release_tells_the_clerks_from_the_outbox_after_a_crash(harness: Harness) -> None:
    """The release and its message are one transaction: a crash right after the commit loses nothing."""
    from tests.support import at

    unit = await logged_in(harness)
    booking = await harness.deps.bookings.book(unit_id=unit, user_id=1001, day=date(2026, 12, 3), session="am",
                                               counts={BusinessType.NEW: 1}, contact_name="李雷",
                                               contact_phone="13800138000")
    await harness.courier.deliver_booking(booking.id)
    harness.clock.set(at("2026-12-03 00:00"))  # type: ignore[attr-defined]
    await harness.deps.bookings.release(booking.id)  # committed; the process dies before telling anyone
    await harness.crash()
    await harness.start()
    await harness.courier.idle()
    told = [m for m in harness.user(1001).bot_messages() if (m.text or "").startswith("ℹ️ 预约已自动释放")]
    assert len(told) == 1 and booking.code in told[0].text


# ---------------------------------------------------------------- the one rate limiter


async def test_the_limiter_serves_interactive_calls_before_bulk_ones() -> None:
    limiter = PriorityRateLimiter(overall_rate=20, bulk_rate=20)
    order: list[str] = []

    async def call(name: str) -> bool:
        order.append(name)
        return True

    async def send(name: str, bulk: bool) -> None:
        await limiter.process_request(call, (name,), {}, "sendMessage", {"chat_id": 1}, BULK if bulk else None)

    bulk = [asyncio.create_task(send(f"b{i}", True)) for i in range(6)]
    await asyncio.sleep(0.12)  # a broadcast is under way
    await asyncio.gather(*(send(f"i{i}", False) for i in range(3)))  # then three clerks tap
    await asyncio.gather(*bulk)
    first_interactive = order.index("i0")
    assert order[first_interactive:first_interactive + 3] == ["i0", "i1", "i2"], order
    # ahead of the broadcast still waiting, whose calls keep the order they asked in
    assert any(n.startswith("b") for n in order[order.index("i2"):]), order
    assert len([n for n in order[:first_interactive] if n.startswith("b")]) < 6
    assert [n for n in order if n.startswith("b")] == [f"b{i}" for i in range(6)], order


async def test_a_row_its_writer_never_sent_is_adopted_by_the_courier(settings, clock) -> None:  # type: ignore[no-untyped-def]
    """A change made without a handler to send its message (another process, a script): the
    courier's loop finds the row after ``poll_seconds`` and delivers it."""
    from bot.delivery.policy import DeliveryPolicy

    h = Harness(settings, clock, delivery=DeliveryPolicy(backoff_first=0.01, poll_seconds=0.05))
    await h.start()
    try:
        unit = await logged_in(h)
        booking = await h.deps.bookings.book(unit_id=unit, user_id=1001, day=WED, session="am",
                                             counts={BusinessType.NEW: 1}, contact_name="李雷",
                                             contact_phone="13800138000")
        async with asyncio.timeout(5):
            while not any("预约回执" in (m.text or "") for m in h.user(1001).bot_messages()):
                await asyncio.sleep(0.02)
        await h.courier.idle()
        async with h.deps.db.read() as conn:
            fresh = await repo.get_booking(conn, booking.id)
        assert fresh is not None and fresh.receipt_message_id is not None
    finally:
        await h.stop()


async def test_a_review_result_is_told_even_when_telegram_fails_after_the_commit(harness: Harness) -> None:
    """SPEC §13: the review and its notice are one transaction; the notice is retried until accepted."""
    from tests.support.clerks import filled_booking

    unit = await logged_in(harness)
    booking = await filled_booking(harness, unit, WED)
    item = (await harness.deps.bookings.items(booking.id))[0]
    harness.api.behaviour = FaultScript({"sendMessage": [Fault.bad_gateway_before()] * 6})
    result = await harness.deps.staff.review(900001, item.id, "fail", "材料模糊，请重新上传")
    await harness.courier.deliver_booking(booking.id)  # what the handler does after the commit
    await harness.courier.idle()
    told = [m for m in harness.user(1001).bot_messages() if "材料模糊" in (m.text or "")]
    assert len(told) == 1 and result.clerk_ids == [1001]
    assert "查看审核结果" in told[0].labels


async def test_a_closure_is_told_after_a_crash_with_rebook_options_as_of_delivery(harness: Harness) -> None:
    unit = await logged_in(harness)
    booking = await harness.deps.bookings.book(unit_id=unit, user_id=1001, day=WED, session="am",
                                               counts={BusinessType.NEW: 1}, contact_name="李雷",
                                               contact_phone="13800138000")
    await harness.courier.deliver_booking(booking.id)
    await harness.deps.staff.close_session(900001, WED, "am", "设备检修")  # committed; then the process dies
    await harness.crash()
    await harness.start()
    await harness.courier.idle()
    (notice,) = [m for m in harness.user(1001).bot_messages() if (m.text or "").startswith("很抱歉")]
    assert booking.code in notice.text and notice.labels and all(label.startswith("改约") for label in notice.labels)
    async with harness.deps.db.read() as conn:
        fresh = await repo.get_booking(conn, booking.id)
    assert fresh is not None and "已取消" in harness.api.messages[fresh.receipt_message_id].text  # type: ignore[index]


async def test_a_cancel_confirmation_from_before_a_change_cancels_nothing(harness: Harness) -> None:
    """SPEC §12: the 「确认取消」 of a page that showed 12月2日 does not cancel the booking once moved."""
    unit = await logged_in(harness)
    booking = await harness.deps.bookings.book(unit_id=unit, user_id=1001, day=WED, session="am",
                                               counts={BusinessType.NEW: 1}, contact_name="李雷",
                                               contact_phone="13800138000")
    await harness.courier.deliver_booking(booking.id)
    user = harness.user(1001)
    await user.command("my")
    page = await user.press("取消预约")
    assert page is not None and "确认取消" in page.labels
    await harness.deps.bookings.reschedule(booking.id, unit_id=unit, user_id=1001, day=date(2026, 12, 3),
                                           session="pm")  # meanwhile, in another panel
    reply = await user.press("确认取消", page)
    assert reply is not None and "已有变更" in reply.text and "未作任何修改" in reply.text
    async with harness.deps.db.read() as conn:
        fresh = await repo.get_booking(conn, booking.id)
    assert fresh is not None and fresh.state is not BookingState.CANCELLED and fresh.date == date(2026, 12, 3)
    await user.command("my")
    await user.press("取消预约")
    await user.press("确认取消")  # the page showing the booking as it is now still cancels
    async with harness.deps.db.read() as conn:
        fresh = await repo.get_booking(conn, booking.id)
    assert fresh is not None and fresh.state is BookingState.CANCELLED
