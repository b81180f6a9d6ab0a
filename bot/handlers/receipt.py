"""The booking receipt in the clerk's chat: delivered by the outbox, edited in place.

The receipt itself (its text, the check-in QR code and the .ics file) is written to the
outbox by the booking's transaction and delivered by ``bot.delivery.outbox.Courier``;
what it says is rendered by ``bot.delivery.render``. Here: the best-effort edit after
a change (``refresh_receipt``) and the .ics file a clerk asks for again.
"""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.delivery.render import Sender, calendar_file, checkin_code, receipt_buttons, receipt_text
from bot.deps import BotContext, deps_of
from bot.keyboards import NO_PREVIEWS, markup
from bot.read_models import BookingDetails
from bot.texts.html import parse_mode

log = logging.getLogger(__name__)


async def send_calendar(context: BotContext, chat_id: int, details: BookingDetails, caption: str) -> None:
    """Send the booking's .ics file as it is now (the clerk asked for it again)."""
    ics = calendar_file(deps_of(context.application), details, caption)
    if ics is not None:
        await context.bot.send_document_bytes(chat_id, ics.data, filename=ics.filename, caption=ics.caption)


async def send_checkin_code(context: BotContext, chat_id: int, details: BookingDetails) -> None:
    """Send the receipt's check-in QR code again (the clerk asked for it, to show at the counter)."""
    code = checkin_code(details, Sender(context.bot.username))
    if code is not None:
        await context.bot.send_photo_bytes(chat_id, code.data, filename=code.filename, caption=code.caption)


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
            reply_markup=markup(receipt_buttons(details)), parse_mode=parse_mode(text),
            link_preview_options=NO_PREVIEWS,
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
