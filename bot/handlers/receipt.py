"""The booking receipt: sent once at confirmation (with an .ics file), then edited in place.

Every flow that changes a booking calls ``refresh_receipt`` afterwards (outside any
transaction): the clerk's receipt message always shows the booking as it is.
"""

from __future__ import annotations

import io
import logging

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.deps import BotContext, Deps, deps_of
from bot.handlers.common import button, keyboard
from bot.ics import details_ics
from bot.qr import qr_png
from bot.read_models import BookingDetails
from bot.rules.states import ACTIVE_STATES, BookingState
from bot.services.arrival import checkin_link
from bot.storage import repo
from bot.texts import arrival as ta
from bot.texts import booking as t
from bot.texts.html import parse_mode

log = logging.getLogger(__name__)


def receipt_text(deps: Deps, details: BookingDetails) -> str:
    """The receipt text of a booking."""
    settings = deps.settings
    spec = deps.bookings.session(details.booking.session)
    return t.receipt(details, spec, settings.bot_centre_address, settings.bot_centre_phone)


def receipt_keyboard(details: BookingDetails) -> InlineKeyboardMarkup:
    """Next step while incomplete; 我的预约 always."""
    rows = []
    if details.booking.state is BookingState.INCOMPLETE and details.changeable:
        rows.append(button(t.NEXT_STEP_LABEL, "ap", "list", details.booking.id))
    rows.append(button("我的预约", "m", "my"))
    return keyboard(*rows)


async def send_receipt(context: BotContext, chat_id: int, booking_id: int) -> None:
    """Send the receipt and its .ics file; remember the receipt message for later edits."""
    deps = context.deps
    details = await deps.bookings.details(booking_id)
    text = receipt_text(deps, details)
    message = await context.bot.send_message(chat_id, text, reply_markup=receipt_keyboard(details),
                                             parse_mode=parse_mode(text))
    async with deps.db.write() as conn:
        await repo.set_receipt(conn, booking_id, chat_id, message.message_id)
    await send_checkin_code(context, chat_id, details)
    await send_calendar(context, chat_id, details, t.ICS_CAPTION)


async def send_checkin_code(context: BotContext, chat_id: int, details: BookingDetails) -> None:
    """Send the receipt's check-in QR code: staff scan it at the counter (SPEC §4)."""
    arrival = details.arrival
    if arrival is None or details.booking.state not in ACTIVE_STATES:
        return
    link = checkin_link(context.bot.username, arrival.token)
    try:
        await context.bot.send_photo(chat_id, qr_png(link), filename=ta.QR_FILENAME,
                                     caption=ta.qr_caption(details.booking.code, arrival.promised))
    except TelegramError as err:
        # The booking is made and its receipt sent; staff can still check in by the code.
        log.warning("check-in code of booking %s not sent: %s", details.booking.id, type(err).__name__)


async def send_calendar(context: BotContext, chat_id: int, details: BookingDetails, caption: str) -> None:
    """Send the booking's .ics file: at confirmation, after 改约 (same UID, higher SEQUENCE) and,
    once the booking ended, a cancelling one (METHOD:CANCEL)."""
    deps = deps_of(context.application)
    b = details.booking
    spec = deps.bookings.session(b.session)
    if spec is None:
        return
    data = details_ics(details, spec, address=deps.settings.bot_centre_address,
                       centre_name=deps.settings.bot_centre_name, stamp=deps.clock.now())
    await context.bot.send_document(chat_id, io.BytesIO(data), filename=f"{b.code}.ics", caption=caption)


async def refresh_receipt(context: BotContext, booking_id: int) -> None:
    """Edit the booking's receipt message to show its current state (if there is one)."""
    deps = deps_of(context.application)
    details = await deps.bookings.details(booking_id)
    b = details.booking
    if b.receipt_chat_id is None or b.receipt_message_id is None:
        return
    try:
        text = receipt_text(deps, details)
        await context.bot.edit_message_text(
            text, chat_id=b.receipt_chat_id, message_id=b.receipt_message_id,
            reply_markup=receipt_keyboard(details), parse_mode=parse_mode(text),
        )
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            log.info("receipt of booking %s could not be edited: %s", booking_id, err)
    except Forbidden:
        log.info("receipt of booking %s: the clerk blocked the bot", booking_id)
    except TelegramError as err:
        # The change itself is done and confirmed to the clerk; a late receipt edit must
        # not turn that into a 系统繁忙 message.
        log.warning("receipt of booking %s not edited: %s", booking_id, type(err).__name__)
