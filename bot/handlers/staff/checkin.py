"""Check-in at the counter and the end-of-session 未到 step (SPEC §4 "Arrival time").

    /start ci_<token> (the receipt's QR code) ──► bot.handlers.checkin_link ──► as below
    booking card 「签到」 st:ci:<id> ──► checked in ──► the card again
    /checkin [code] ──(no code)──► CODE ──预约编号 or ci_ code──► checked in ──► the card
    schedule 「上午未签到N个」 st:nso:<date>:<session> ──► the list
        「全部标记未到」 st:nsy:<date>:<session>:<digest> ──► marked 未到, clerks told

A check-in happens once, only on the booking's date and only while it is active;
a reused or forged code is refused and changes nothing. The 未到 button carries a
digest of the list it showed: pressed after the list changed, it marks nobody.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
)

from bot.callbacks import pattern
from bot.delivery.outbox import courier_of
from bot.deps import BotContext
from bot.errors import AlreadyCheckedIn, CheckInRefused, DomainError
from bot.handlers.common import END, answer, button, keyboard, send, show
from bot.handlers.flow import ask, conversation, reask, text_of, text_step
from bot.handlers.receipt import refresh_receipt
from bot.handlers.staff.common import staff_only
from bot.handlers.staff.console import (
    callback,
    console_row,
    screen,
    show_booking,
    staff_id,
    stale,
)
from bot.read_models import CheckIn
from bot.texts import arrival as t
from bot.texts import staff as staff_texts

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
CODE = 0


async def checked_in(update: Update, context: BotContext, done: CheckIn) -> None:
    """After a check-in: the clerk's receipt shows 已签到; staff see the card."""
    await refresh_receipt(context, done.booking.id)
    await show_booking(update, context, done.booking.id, t.checked_in(done.booking, done.at))


async def refused(update: Update, context: BotContext, err: CheckInRefused, booking_id: int | None) -> None:
    """A refused check-in: the reason, and the booking's card when the booking is known."""
    if booking_id is None:
        await send(update, context, err.message)
        return
    await show_booking(update, context, booking_id, f"⚠️ {err.message}")


@screen
async def card_button(update: Update, context: BotContext) -> None:
    """st:ci:<id>: 「签到」 on the booking card."""
    parsed = callback(update)
    booking_id = parsed.int_arg(0) if parsed else None
    if booking_id is None:
        await stale(update)
        return
    try:
        done = await context.deps.arrivals.check_in(staff_id(update), booking_id, via="card")
    except AlreadyCheckedIn as err:
        await answer(update, err.message, alert=True)
        await show_booking(update, context, booking_id)
        return
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    await checked_in(update, context, done)


@screen
async def checkin_begin(update: Update, context: BotContext) -> int | None:
    """/checkin [code]: check in by the typed booking code, or ask for it."""
    await answer(update)
    raw = " ".join(context.args or []).strip() if update.message is not None else ""
    if raw:
        return await _by_code(update, context, raw, first=True)
    await ask(update, context, t.ASK_CODE, keyboard(console_row()))
    return CODE


@staff_only
async def got_code(update: Update, context: BotContext) -> int | None:
    """The typed code: checked in, or told why not and asked again."""
    return await _by_code(update, context, text_of(update) or "", first=False)


async def _by_code(update: Update, context: BotContext, raw: str, *, first: bool) -> int | None:
    try:
        done = await context.deps.arrivals.check_in_code(staff_id(update), raw)
    except CheckInRefused as err:
        if err.booking_id is not None:  # a real booking that cannot be checked in (now): its card says why
            await refused(update, context, err, err.booking_id)
            return END
        if first:
            await ask(update, context, f"{err.message}\n\n{t.ASK_CODE}", keyboard(console_row()))
            return CODE
        await reask(update, context, err.message)
        return None
    await checked_in(update, context, done)
    return END


# ---------------------------------------------------------------- end of session: 未到 in one step


def _day_session(update: Update) -> tuple[date, str] | None:
    parsed = callback(update)
    if parsed is None or len(parsed.args) < 2:
        return None
    day = parsed.date_arg(0)
    return (day, parsed.args[1]) if day is not None else None


@screen
async def offer_button(update: Update, context: BotContext) -> None:
    """st:nso:<date>:<session>: the ended session's not-checked-in bookings, offered as 未到."""
    found = _day_session(update)
    if found is None:
        await stale(update)
        return
    await answer(update)
    await _show_offer(update, context, *found)


async def _show_offer(update: Update, context: BotContext, day: date, session: str) -> None:
    offer = await context.deps.arrivals.no_show_offer(day, session)
    back = [button(staff_texts.DAY_SCHEDULE, "st", "day", day), *console_row()]
    if offer is None:
        await show(update, context, t.NO_ABSENTEES, keyboard(back))
        return
    await show(update, context, t.no_show_offer(offer), keyboard(
        [button(t.MARK_ALL_NO_SHOW, "st", "nsy", day, session, offer.digest),
         button(t.NOT_NOW, "st", "day", day)],
        console_row(),
    ))


@screen
async def confirm_button(update: Update, context: BotContext) -> None:
    """st:nsy:<date>:<session>:<digest>: mark exactly the list shown 未到, then tell the clerks."""
    found = _day_session(update)
    parsed = callback(update)
    digest = parsed.args[2] if parsed is not None and len(parsed.args) > 2 else ""
    if found is None or not digest:
        await stale(update)
        return
    day, session = found
    deps = context.deps
    try:
        marked = await deps.arrivals.mark_no_shows(staff_id(update), day, session, digest)
    except DomainError as err:
        await answer(update, err.message, alert=True)
        await _show_offer(update, context, day, session)
        return
    await answer(update)
    courier = courier_of(context.application)
    told = 0
    for booking, clerks in marked:  # the notices were written with the 未到 marks
        await courier.deliver_booking(booking.id)
        told += await courier.told(booking.id, clerks)
    await show(update, context, t.no_shows_marked(len(marked), told),
               keyboard([button(staff_texts.DAY_SCHEDULE, "st", "day", day), *console_row()]))


def register(application: App) -> None:
    """/checkin and the check-in / 未到 buttons."""
    application.add_handler(
        conversation(
            application,
            "staff_checkin",
            entry_points=[
                CommandHandler("checkin", checkin_begin),
                CallbackQueryHandler(checkin_begin, pattern=pattern("st", "cin")),
            ],
            states={CODE: text_step(got_code)},
        )
    )
    application.add_handler(CallbackQueryHandler(card_button, pattern=pattern("st", "ci")))
    application.add_handler(CallbackQueryHandler(offer_button, pattern=pattern("st", "nso")))
    application.add_handler(CallbackQueryHandler(confirm_button, pattern=pattern("st", "nsy")))
