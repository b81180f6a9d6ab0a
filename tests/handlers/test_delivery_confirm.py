"""「确定」 under Telegram's ordinary failures (SPEC §13): whoever holds a booking is told of it.

Faults are injected at the Bot API boundary (``FaultScript``) and the real Application
handles the press: the booking commits, the panel edit and the callback answer are
best effort, and the receipt with its .ics file comes from the outbox — at once, after
the courier's retries, or after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.fake_telegram import FAULTS, FakeUser, Fault, FaultScript
from bot.harness import Harness
from bot.rules.states import BookingState
from bot.storage import outbox, repo
from bot.storage.models import Booking
from bot.texts import booking as booking_texts
from tests.support.booking import receipts, to_basket, to_confirm
from tests.support.clerks import logged_in

CONFIRM_CALLS = ["answerCallbackQuery", "editMessageText", "sendMessage", "sendPhoto", "sendDocument"]
# Faults a retry inside the rate limiter cannot get past (more than its max_retries) or
# that must not be repeated there (maybe delivered).
BURSTS = {"5xx_before": 5, "connection": 5, "5xx_after": 1, "timeout_after": 1, "429": 5}


async def press_unanswered(user: FakeUser, label: str) -> None:
    """Press a button even if the bot's answer to the press is lost on the way."""
    target, data = user._find_button(label, None, True)
    await user.feed(user.callback_update(data, target))


async def assert_told(h: Harness, user: FakeUser, *, booked: int = 1) -> None:
    """Every booking of the clerk has its code, receipt and .ics in the chat, its receipt id recorded."""
    await h.courier.idle()
    async with h.deps.db.read() as conn:
        bookings = [b for b in await repo.bookings_of_unit(conn, 1, BookingState) if b.created_by == user.user_id]
        assert len(bookings) == booked
        for b in bookings:
            rows = await outbox.of_booking(conn, b.id)
            assert rows and all(r.status == "sent" for r in rows), rows
    for b in bookings:
        fresh = await _booking(h, b.id)
        shown = {m.message_id: m for m in receipts(user) if b.code in (m.text or "")}
        assert fresh.receipt_message_id in shown, user.transcript()
        assert fresh.receipt_chat_id == user.chat_id
        docs = [m for m in user.bot_messages() if m.document and m.document[0] == f"{b.code}.ics"]
        assert docs and b"BEGIN:VCALENDAR" in docs[0].document[1]


async def _booking(h: Harness, booking_id: int) -> Booking:
    async with h.deps.db.read() as conn:
        found = await repo.get_booking(conn, booking_id)
    assert found is not None
    return found


# Every fault on every call of the press; a 429 (which the limiter waits out, a second
# each time) on the two calls that show it: the interactive answer and the receipt.
CASES = [(mode, method) for mode in sorted(BURSTS) for method in CONFIRM_CALLS
         if mode != "429" or method in ("answerCallbackQuery", "sendMessage")]


@pytest.mark.parametrize(("mode", "method"), CASES)
async def test_each_fault_at_confirm_still_tells_the_clerk(harness: Harness, mode: str, method: str) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await to_confirm(user)
    script = FaultScript({method: [FAULTS[mode]() for _ in range(BURSTS[mode])]})
    harness.api.behaviour = script
    await press_unanswered(user, "确定")
    assert script.injected, "the fault was not reached"
    await assert_told(harness, user)
    before = {"5xx_before", "connection", "429"}
    if mode in before or method not in ("sendMessage",):
        assert len(receipts(user)) == 1, user.transcript()  # nothing delivered twice when nothing was uncertain
    assert not [c for c in harness.api.calls if c.method == "sendMessage"
                and booking_texts.RECEIPT_TITLE in str(c.params.get("text")) and c.error is None][1:]


async def test_a_fault_on_every_call_of_the_press_still_tells_the_clerk(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await to_confirm(user)
    harness.api.behaviour = FaultScript({m: [Fault.bad_gateway_before()] * 5 for m in CONFIRM_CALLS})
    await press_unanswered(user, "确定")
    await assert_told(harness, user)


async def test_crash_between_commit_and_receipt_then_restart_delivers_it_once(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    await to_confirm(user)
    stuck = asyncio.Event()

    async def hang(method: str, params: dict[str, object]) -> None:
        if method == "sendMessage":
            stuck.set()
            await asyncio.Event().wait()  # the process dies while the receipt is on its way

    harness.api.behaviour = hang
    press = asyncio.create_task(press_unanswered(user, "确定"))
    await asyncio.wait_for(stuck.wait(), 5)
    await harness.crash()
    press.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await press
    assert receipts(user) == []
    harness.api.behaviour = None

    await harness.start()  # the restart: the courier finds the receipt pending
    await assert_told(harness, user)
    assert len(receipts(user)) == 1
    assert len([m for m in user.bot_messages() if m.document]) == 1


async def test_stale_dialogue_confirm_books_nothing(harness: Harness) -> None:
    """SPEC §12: a 「确定」 from an earlier confirmation never books what a later one holds."""
    await logged_in(harness)
    user = harness.user(1001)
    first = await to_confirm(user, "12/3 上午")
    await user.command("book")
    await user.press("使用以上信息")
    await user.press("查询可预约信息")
    second = await user.press("12/8 下午")
    assert second is not None and second.message_id != first.message_id and "12月8日" in second.text

    await user.press("确定", first, exact=True)
    popup = user.answer_of_last_press()
    assert popup.get("show_alert") and "未作任何预约" in popup["text"]
    async with harness.deps.db.read() as conn:
        assert await repo.bookings_of_unit(conn, 1, BookingState) == []
    assert "未作任何预约" in harness.api.messages[first.message_id].text

    await user.press("确定", second, exact=True)  # the dialogue on screen still books
    async with harness.deps.db.read() as conn:
        (booking,) = await repo.bookings_of_unit(conn, 1, BookingState)
    assert booking.date.day == 8 and booking.session == "pm"


async def test_confirm_pressed_again_after_a_lost_answer_shows_the_booking(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    panel = await to_confirm(user)
    harness.api.behaviour = FaultScript({"answerCallbackQuery": [Fault.bad_gateway_before()] * 5,
                                         "editMessageText": [Fault.bad_gateway_before()] * 5})
    await press_unanswered(user, "确定")
    assert "请核对以下预约信息" in harness.api.messages[panel.message_id].text  # the clerk saw nothing change
    harness.api.behaviour = None

    await user.press("确定", panel, exact=True)
    assert "预约成功" in harness.api.messages[panel.message_id].text
    assert "已有预约" not in str(user.answer_of_last_press())
    await assert_told(harness, user)
    assert len(receipts(user)) == 1


async def test_the_clerks_other_booking_flow_is_not_confused_by_an_old_confirm(harness: Harness) -> None:
    """After booking, the old 「确定」 (draft gone, dialogue done) shows that booking, never books again."""
    await logged_in(harness)
    user = harness.user(1001)
    panel = await to_confirm(user)
    data = next(d for label, d in panel.buttons if label == "确定")
    await user.press("确定", panel, exact=True)
    await to_basket(user, accept=False)
    await user.press_data(data, panel)
    async with harness.deps.db.read() as conn:
        assert len(await repo.bookings_of_unit(conn, 1, BookingState)) == 1
    assert len(receipts(user)) == 1
