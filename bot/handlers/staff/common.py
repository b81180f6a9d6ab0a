"""The staff guard: staff commands and st: buttons are refused to everyone else.

A refusal gives no hint of what the command does: to a clerk it looks exactly like
an unknown command (the short help), and a forged st: button is answered as stale.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TypeVar

from telegram import Update

from bot import texts
from bot.deps import BotContext
from bot.handlers.common import answer, main_menu_keyboard, send
from bot.services.roles import Role, role_of

R = TypeVar("R")
Handler = Callable[[Update, BotContext], Awaitable[R]]


async def refuse(update: Update, context: BotContext) -> None:
    """Answer as if the command or button did not exist."""
    if update.callback_query is not None:
        await answer(update, texts.STALE_BUTTON, alert=True)
    else:
        await send(update, context, texts.unknown_input(), main_menu_keyboard())


def _guard(minimum: Role) -> Callable[[Handler[R]], Handler[R | None]]:
    def decorate(func: Handler[R]) -> Handler[R | None]:
        @wraps(func)
        async def wrapper(update: Update, context: BotContext) -> R | None:
            user = update.effective_user
            role = Role.NONE if user is None else await role_of(context.deps.db, context.deps.settings, user.id)
            allowed = role is Role.ADMIN or (minimum is Role.STAFF and role is Role.STAFF)
            if not allowed:
                await refuse(update, context)
                return None
            return await func(update, context)

        return wrapper

    return decorate


staff_only = _guard(Role.STAFF)
admin_only = _guard(Role.ADMIN)


def actor(update: Update) -> str:
    """The audit-log actor of a staff action."""
    user = update.effective_user
    return f"tg:{user.id}" if user is not None else "system"

