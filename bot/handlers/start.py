"""/start, /help, the main menu, private-chat-only, and the answers of last resort.

Registered first (group guard, /start, /help) and last (fallbacks): anything no
flow took gets a short help, and a button no handler took is answered as stale.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.callbacks import pattern
from bot.deps import BotContext
from bot.handlers.common import (
    answer,
    button,
    current_clerk,
    keyboard,
    main_menu_keyboard,
    send,
    show,
)
from bot.handlers.flow import current_flows
from bot.handlers.login import LOGIN_LINK
from bot.handlers.menus import refresh_menu
from bot.handlers.my_bookings import open_by_code
from bot.keyboards import NO_PREVIEWS
from bot.services.roles import Role, role_of

App = Application[Any, Any, Any, Any, Any, Any]


async def private_only(update: Update, context: BotContext) -> None:
    """Group -2: outside private chats say once that the bot works in private, then stop."""
    chat = update.effective_chat
    if chat is None or chat.type == chat.PRIVATE:
        return
    if await context.deps.users.first_word_in_chat(chat.id):
        await context.bot.send_message(chat.id, texts.PRIVATE_ONLY, link_preview_options=NO_PREVIEWS)
    if update.callback_query is not None:
        await answer(update, texts.PRIVATE_ONLY, alert=True)
    raise ApplicationHandlerStop


BOOKING_CODE = re.compile(r"CY\d{8}-\d{3,}", re.IGNORECASE)


async def start(update: Update, context: BotContext) -> None:
    """Welcome: the 工作台 for staff, the main menu for a clerk, how to log in for anyone else.

    ``/start <booking code>`` (a deep link) opens that booking's card for its unit's
    clerk; ``/start login_<username>`` is taken by the login conversation. The chat's
    command menu is brought up to date with the login state.
    """
    user = update.effective_user
    assert user is not None
    deps = context.deps
    await deps.users.touch(user.id, user.first_name or "")
    await refresh_menu(context.application, user.id)
    payload = (context.args or [""])[0]
    if BOOKING_CODE.fullmatch(payload) and await deps.accounts.unit_of_user(user.id) is not None:
        await open_by_code(update, context, payload.upper())
        return
    if not context.args and await role_of(deps.db, deps.settings, user.id) is not Role.NONE:
        # Staff land on their console (SPEC §11). Imported here: the staff handlers import
        # this module (their refusals read exactly like ``unknown``).
        from bot.handlers.staff.console import menu as staff_console

        await staff_console(update, context)
        return
    await main_menu(update, context)


async def main_menu(update: Update, context: BotContext) -> None:
    """Show the main menu (or the guest welcome)."""
    await answer(update)
    clerk = await current_clerk(update, context, quiet=True)
    if clerk is None:
        user = update.effective_user
        found = await context.deps.accounts.unit_of_user(user.id) if user is not None else None
        if found is not None and found[0].must_set_password:
            await current_clerk(update, context)  # says: set the password first
            return
        await show(update, context, texts.welcome_guest(context.deps.settings.bot_centre_phone),
                   keyboard(button(texts.MENU_LOGIN, "m", "login")))
        return
    await show(update, context, texts.welcome_clerk(clerk.unit.name), main_menu_keyboard())


async def help_command(update: Update, context: BotContext) -> None:
    """/help and the 帮助 button."""
    await answer(update)
    await show(update, context, texts.help_text(context.deps.settings.bot_centre_phone),
               keyboard([button(texts.MENU, "m", "menu")]))


async def stale_button(update: Update, context: BotContext) -> None:
    """A press no handler took: an old message, or a step already left."""
    await answer(update, texts.STALE_BUTTON, alert=True)


async def unknown(update: Update, context: BotContext) -> None:
    """Anything unexpected outside a flow gets a short help, not silence.

    Asking about 开户 or 单位跨区信息变更 gets the explanation that they are not booked
    here but filed directly in the city permit system (SPEC §2).
    """
    text = update.message.text if update.message is not None and update.message.text else ""
    if any(word in text for word in texts.NOT_BOOKABLE_KEYWORDS):
        await send(update, context, texts.NOT_BOOKABLE, main_menu_keyboard())
        return
    user, chat = update.effective_user, update.effective_chat
    if user is not None and chat is not None and current_flows(context.application, user.id, chat.id):
        # A step that waits for a button (the basket, the availability …): point there,
        # without a main menu whose buttons would leave the flow.
        await send(update, context, texts.USE_PANEL_BUTTONS)
        return
    await send(update, context, texts.unknown_input(), main_menu_keyboard())


def register(application: App) -> None:
    """The guard, /start, /help and the main-menu buttons that belong to no flow."""
    application.add_handler(TypeHandler(Update, private_only), group=-2)
    # /start login_<username> belongs to the login conversation (registered later).
    application.add_handler(CommandHandler("start", start, filters=~LOGIN_LINK))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CallbackQueryHandler(main_menu, pattern=pattern("m", "menu")))
    application.add_handler(CallbackQueryHandler(help_command, pattern=pattern("m", "help")))


def register_fallbacks(application: App) -> None:
    """Last in group 0: stale buttons and unexpected messages."""
    application.add_handler(CallbackQueryHandler(stale_button))
    # Edits of earlier messages are not new requests: left unanswered.
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, unknown))
