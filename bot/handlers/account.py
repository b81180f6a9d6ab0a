"""我的账户 (/me) and /settings: the unit, its clerks, the month's mismatches, the freeze,
the 09:00 release-notice switch, and 退出登录 (SPEC §8, §9, §10).

    /me, m:me ──► account view ──ac:notice──► (switched, same view again)
    /settings  ──► settings view ──ac:notice──► (switched, same view again)
    退出登录 ac:logout ──► 确认退出 ac:logoutok ──► logged out

Nothing here has free-text steps, so there is no conversation: each press says in
its data which view it came from and what the switch should become (idempotent, so
an old button does no harm).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.callbacks import pattern, unpack
from bot.deps import BotContext
from bot.handlers.common import Clerk, answer, button, current_clerk, keyboard, show
from bot.handlers.flow import end_flows
from bot.handlers.menus import refresh_menu
from bot.texts import account as t
from bot.texts import login as login_texts

App = Application[Any, Any, Any, Any, Any, Any]
ME, SETTINGS = "me", "st"


async def _render(update: Update, context: BotContext, clerk: Clerk, view: str) -> None:
    info = await context.deps.users.overview(clerk.user_id, clerk.unit_id)
    at = context.deps.settings.bot_release_notice_time
    toggle = button(t.notice_label(info.release_notice, at), "ac", "notice", int(not info.release_notice), view)
    if view == SETTINGS:
        text = t.settings(info.release_notice, at)
    else:
        text = t.account(clerk.unit.name, clerk.unit.username, info.clerks, info.status, info.release_notice, at,
                         phone=context.deps.settings.bot_centre_phone)
    await show(update, context, text,
               keyboard(toggle, button(t.LOGOUT_LABEL, "ac", "logout"), button(texts.MENU, "m", "menu")))


async def account(update: Update, context: BotContext) -> None:
    """/me and 我的账户."""
    await answer(update)
    clerk = await current_clerk(update, context)
    if clerk is not None:
        await _render(update, context, clerk, ME)


async def settings(update: Update, context: BotContext) -> None:
    """/settings: the release-notice switch and 退出登录."""
    await answer(update)
    clerk = await current_clerk(update, context)
    if clerk is not None:
        await _render(update, context, clerk, SETTINGS)


async def switch_notice(update: Update, context: BotContext) -> None:
    """Turn the 09:00 release notice on or off, then show the same view again."""
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    wanted = parsed.int_arg(0) if parsed else None
    if wanted not in (0, 1):
        await answer(update, texts.STALE_BUTTON, alert=True)
        return
    clerk = await current_clerk(update, context)
    if clerk is None:
        return
    await context.deps.users.set_release_notice(clerk.user_id, bool(wanted))
    await answer(update, t.notice_switched(bool(wanted), context.deps.settings.bot_release_notice_time))
    view = parsed.args[1] if parsed and len(parsed.args) > 1 else ME
    await _render(update, context, clerk, SETTINGS if view == SETTINGS else ME)


async def ask_logout(update: Update, context: BotContext) -> None:
    """退出登录: confirm first (logging in again needs the password)."""
    await answer(update)
    if await current_clerk(update, context) is None:
        return
    await show(update, context, t.CONFIRM_LOGOUT,
               keyboard([button(t.CONFIRM_LOGOUT_LABEL, "ac", "logoutok"), button(texts.BACK, "m", "me")]))


async def logout(update: Update, context: BotContext) -> None:
    """确认退出: unbind this Telegram user; any flow ends and drafts are dropped."""
    await answer(update)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    # An old 确认退出 may be pressed in the middle of a flow: its next answer must not be taken.
    end_flows(context.application, user.id, chat.id)
    was_bound = await context.deps.accounts.logout(user.id)
    if context.user_data is not None:
        context.user_data.clear()
    await show(update, context, login_texts.LOGGED_OUT if was_bound else login_texts.NOT_BOUND,
               keyboard(button(texts.MENU_LOGIN, "m", "login")))
    await refresh_menu(context.application, user.id)


def register(application: App) -> None:
    """/me, /settings, the 我的账户 button and the ac:* buttons."""
    application.add_handler(CommandHandler("me", account))
    application.add_handler(CommandHandler("settings", settings))
    application.add_handler(CallbackQueryHandler(account, pattern=pattern("m", "me")))
    application.add_handler(CallbackQueryHandler(switch_notice, pattern=pattern("ac", "notice")))
    application.add_handler(CallbackQueryHandler(ask_logout, pattern=pattern("ac", "logout")))
    application.add_handler(CallbackQueryHandler(logout, pattern=pattern("ac", "logoutok")))
