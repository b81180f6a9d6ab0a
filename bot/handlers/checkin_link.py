"""/start ci_<token>: the receipt's check-in QR code, scanned with a phone camera (SPEC §4).

    staff ──► the booking checked in (已到达, with the time) ──► its booking card
    anyone else (the clerk, whoever got hold of the picture) ──► "show this at the counter"

Open to everyone, so it lives outside ``handlers/staff`` (whose commands are staff-only);
it is registered before /start itself and stops there, so that no other deep link
(login_…, a booking code) ever sees a check-in code.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, filters

from bot.deps import BotContext
from bot.errors import CheckInRefused
from bot.handlers.common import send
from bot.handlers.staff.checkin import checked_in, refused
from bot.handlers.staff.console import leave_flows
from bot.services.arrival import TOKEN_PREFIX
from bot.services.roles import Role, role_of
from bot.texts import arrival as t

App = Application[Any, Any, Any, Any, Any, Any]
DEEP_LINK = filters.Regex(rf"^/start {TOKEN_PREFIX}")


async def deep_link(update: Update, context: BotContext) -> None:
    """/start ci_<token>: staff check the booking in; anyone else is told to show it at the counter."""
    user = update.effective_user
    assert user is not None
    deps = context.deps
    role = await role_of(deps.db, deps.settings, user.id)
    if role is Role.NONE:
        # A clerk, or whoever got hold of the picture: nothing changes, nothing is revealed.
        await send(update, context, t.NOT_STAFF_SCAN)
        raise ApplicationHandlerStop
    leave_flows(update, context)
    token = (context.args or [""])[0][len(TOKEN_PREFIX):]
    try:
        done = await deps.arrivals.check_in_token(user.id, token)
    except CheckInRefused as err:
        await refused(update, context, err, err.booking_id)
        raise ApplicationHandlerStop from None
    await checked_in(update, context, done)
    raise ApplicationHandlerStop


def register(application: App) -> None:
    """Before /start: it must see check-in codes first."""
    application.add_handler(CommandHandler("start", deep_link, filters=DEEP_LINK))
