"""The staff guard: staff commands and st: buttons are refused to everyone else.

A refusal gives no hint of what the command does: to a clerk it looks exactly like
an unknown command (the short help), and a forged st: button is answered as stale.
A refused step of a staff conversation also ends that conversation (someone removed
from the staff mid-flow), so that their next texts are not swallowed by it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any, TypeVar

from telegram import Update

from bot import texts
from bot.deps import BotContext
from bot.handlers.common import END, answer
from bot.handlers.flow import current_flows, end_flows
from bot.handlers.start import unknown
from bot.read_models import Actor, actor_of
from bot.services.roles import Role, role_of

R = TypeVar("R")
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, R]]
Guarded = Callable[[Update, BotContext], Coroutine[Any, Any, R | int]]


async def refuse(update: Update, context: BotContext) -> None:
    """Answer exactly as if the command or button did not exist (start.unknown / stale)."""
    if update.callback_query is not None:
        await answer(update, texts.STALE_BUTTON, alert=True)
    else:
        await unknown(update, context)


def _end_staff_flows(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is not None and chat is not None and any(
            name.startswith("staff_") for name in current_flows(context.application, user.id, chat.id)):
        end_flows(context.application, user.id, chat.id)


def _guard(minimum: Role) -> Callable[[Handler[R]], Guarded[R]]:
    def decorate(func: Handler[R]) -> Guarded[R]:
        @wraps(func)
        async def wrapper(update: Update, context: BotContext) -> R | int:
            user = update.effective_user
            role = Role.NONE if user is None else await role_of(context.deps.db, context.deps.settings, user.id)
            allowed = role is Role.ADMIN or (minimum is Role.STAFF and role is Role.STAFF)
            if not allowed:
                # Someone no longer staff may still sit in a staff flow: end it first, so the
                # refusal reads exactly as for anyone else.
                _end_staff_flows(update, context)
                await refuse(update, context)
                return END  # ignored outside a conversation; inside one, it ends it
            return await func(update, context)

        return wrapper

    return decorate


staff_only = _guard(Role.STAFF)
admin_only = _guard(Role.ADMIN)


def actor(update: Update) -> Actor:
    """The audit-log actor of a staff action."""
    user = update.effective_user
    return actor_of(user.id if user is not None else None)

