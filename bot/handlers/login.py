"""Logging in, choosing the unit's own password, logging out (SPEC §9).

    /login ──► USERNAME ──text──► PASSWORD ──ok──► (one-time password?) NEW_PASSWORD
    /start login_<username> ────────►   │ wrong: same question + 忘记密码 │
                                        │ 重新输入用户名 ──► USERNAME     ▼
                                        └ locked: END (phone, 「登录」)  CONFIRM_PASSWORD ──► END
Password messages are deleted from the chat as soon as they arrive — before any
check, whatever they look like (a password may start with "/" or be too long), see
``secret_step``. While the new
password waits for its confirmation, only a salted hash of it is kept, in memory
(``Deps.runtime``, never persisted): a password never reaches the database except as an
argon2 hash, and an abandoned confirmation leaves no plaintext behind.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import texts
from bot.callbacks import pattern
from bot.deps import BotContext
from bot.errors import DomainError, LoginLocked
from bot.handlers.common import END, answer, button, delete_quietly, keyboard, main_menu_keyboard, send
from bot.handlers.flow import (
    MAX_TEXT,
    ask,
    conversation,
    not_text,
    reask,
    text_of,
    text_step,
)
from bot.handlers.menus import refresh_menu
from bot.services.accounts import password_problem, username_problem
from bot.texts import login as t
from bot.user_data import Slot

USERNAME, PASSWORD, NEW_PASSWORD, CONFIRM_PASSWORD = range(4)
LOGIN_USERNAME = Slot("login_username", str)  # the username typed, until its password arrives
LINK_PREFIX = "login_"  # /start login_<username>: the deep link on the centre's account letter
LOGIN_LINK = filters.Regex(rf"^/start(@\w+)? {LINK_PREFIX}")


def _fingerprint(password: str, salt: bytes) -> bytes:
    """A salted hash, only to compare the confirmation with the first entry."""
    return hashlib.sha256(salt + password.encode("utf-8")).digest()


App = Application[Any, Any, Any, Any, Any, Any]


def secret_step(callback: Any) -> list[BaseHandler[Any, Any, Any]]:
    """The handlers of a password state: the message is deleted first, then checked.

    Unlike ``text_step`` every text is taken, even one that looks like a command
    (menu commands and /cancel have already ended the flow by then), so a password
    never stays in the chat; anything else (a photo or document whose caption may be
    the password, a sticker) is deleted too and gets the question again; an earlier
    message edited meanwhile is deleted and otherwise ignored.
    """

    async def guarded(update: Update, context: BotContext) -> object:
        message = update.message
        assert message is not None
        await delete_quietly(context, message.chat_id, message.message_id)
        text = (message.text or "").strip()
        if not text:
            await reask(update, context)
            return None
        if len(text) > MAX_TEXT:
            await reask(update, context, texts.TOO_LONG)
            return None
        return await callback(update, context)

    guarded.__name__ = getattr(callback, "__name__", "secret_step")
    guarded.__doc__ = callback.__doc__
    new = filters.UpdateType.MESSAGE
    return [
        MessageHandler(new & filters.TEXT, guarded),
        MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, _delete_not_text),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, _delete_edit),
    ]


async def _delete_not_text(update: Update, context: BotContext) -> None:
    """A photo, document or sticker in a password step: deleted (a caption may hold the password), asked again."""
    message = update.message
    if message is not None:
        await delete_quietly(context, message.chat_id, message.message_id)
    await not_text(update, context)


async def _delete_edit(update: Update, context: BotContext) -> None:
    """An earlier message edited during a password step may now hold a password: delete it."""
    message = update.edited_message
    if message is not None:
        await delete_quietly(context, message.chat_id, message.message_id)


async def begin(update: Update, context: BotContext) -> int:
    """Ask for the username, unless already logged in."""
    await answer(update)
    user = update.effective_user
    assert user is not None
    found = await context.deps.accounts.unit_of_user(user.id)
    if found is not None:
        tg_user, unit = found
        if tg_user.must_set_password:
            return await _ask_new_password(update, context)
        await send(update, context, t.already_logged_in(unit.name), main_menu_keyboard())
        return END
    await ask(update, context, t.ASK_USERNAME)
    return USERNAME


async def from_link(update: Update, context: BotContext) -> int:
    """/start login_<username> (the centre's account letter): the username is filled in, the password asked."""
    user = update.effective_user
    assert user is not None
    if await context.deps.accounts.unit_of_user(user.id) is not None:
        return await begin(update, context)
    username = (context.args or [""])[0].removeprefix(LINK_PREFIX)
    if username_problem(username) is not None:
        await ask(update, context, t.ASK_USERNAME)
        return USERNAME
    return await _ask_password(update, context, username, t.ask_password_for(username))


def _retype_keyboard() -> Any:
    return keyboard(button(t.RETYPE_USERNAME_LABEL, "m", "login"))


async def _ask_password(update: Update, context: BotContext, username: str, prompt: str = t.ASK_PASSWORD) -> int:
    LOGIN_USERNAME.put(context, username)
    await ask(update, context, prompt, _retype_keyboard())
    return PASSWORD


async def got_username(update: Update, context: BotContext) -> int | None:
    """Keep the username; ask for the password (with a way back to the username)."""
    username = text_of(update) or ""
    if username_problem(username) is not None:
        await reask(update, context, t.USERNAME_BAD)
        return None
    return await _ask_password(update, context, username)


async def got_password(update: Update, context: BotContext) -> int | None:
    """Check the password (its message is already deleted)."""
    message, user = update.message, update.effective_user
    assert message is not None and user is not None
    password = message.text or ""
    username = LOGIN_USERNAME.get(context) or ""
    phone = context.deps.settings.bot_centre_phone
    try:
        result = await context.deps.accounts.login(user.id, user.first_name or "", username, password)
    except LoginLocked as err:
        # Not a dead end: how to recover, and a button to try again once the lock is over.
        await send(update, context, f"{err.message}\n{t.forgot_password(phone)}",
                   keyboard(button(t.LOGIN_AGAIN_LABEL, "m", "login")))
        return END
    except DomainError as err:
        await reask(update, context, f"{err.message}\n{t.forgot_password(phone)}")
        return None
    LOGIN_USERNAME.pop(context)
    await refresh_menu(context.application, user.id)
    if result.must_set_password:
        await send(update, context, t.logged_in(result.unit.name))
        return await _ask_new_password(update, context)
    await send(update, context, t.logged_in(result.unit.name) + "\n\n" + texts.welcome_clerk(result.unit.name),
               main_menu_keyboard())
    return END


async def _ask_new_password(update: Update, context: BotContext) -> int:
    await ask(update, context, t.ASK_NEW_PASSWORD)
    return NEW_PASSWORD


async def got_new_password(update: Update, context: BotContext) -> int | None:
    """Check the rules (the message is already deleted); ask for it again."""
    message, user = update.message, update.effective_user
    assert message is not None and user is not None
    password = message.text or ""
    found = await context.deps.accounts.unit_of_user(user.id)
    if found is None:
        await send(update, context, texts.NOT_LOGGED_IN)
        return END
    problem = password_problem(password, found[1].username)
    if problem is not None:
        await reask(update, context, problem)
        return None
    salt = secrets.token_bytes(16)
    context.deps.runtime.pending_passwords[user.id] = (salt, _fingerprint(password, salt))
    await ask(update, context, t.ASK_CONFIRM_PASSWORD)
    return CONFIRM_PASSWORD


async def got_confirmation(update: Update, context: BotContext) -> int | None:
    """On a match store the unit's own password (the message is already deleted)."""
    message, user = update.message, update.effective_user
    assert message is not None and user is not None
    pending = context.deps.runtime.pending_passwords.pop(user.id, None)
    typed = message.text or ""
    if pending is None or not hmac.compare_digest(pending[1], _fingerprint(typed, pending[0])):
        await ask(update, context, t.PASSWORDS_DIFFER if pending is not None else t.PASSWORD_FORGOTTEN)
        return NEW_PASSWORD
    try:
        unit = await context.deps.accounts.set_own_password(user.id, typed)
    except DomainError as err:
        await ask(update, context, f"{err.message}\n\n{t.ASK_NEW_PASSWORD}")
        return NEW_PASSWORD
    await send(update, context, t.PASSWORD_SET + "\n\n" + texts.welcome_clerk(unit.name), main_menu_keyboard())
    await refresh_menu(context.application, user.id)
    return END


async def logout(update: Update, context: BotContext) -> None:
    """/logout: unbind this Telegram user; drafts are dropped."""
    user = update.effective_user
    assert user is not None
    was_bound = await context.deps.accounts.logout(user.id)
    if context.user_data is not None:
        context.user_data.clear()
    # Never a dead end: the way back in is one press away.
    await send(update, context, t.LOGGED_OUT if was_bound else t.NOT_BOUND,
               keyboard(button(t.LOGIN_AGAIN_LABEL, "m", "login")))
    await refresh_menu(context.application, user.id)


def register(application: App) -> None:
    """The login conversation and /logout."""
    application.add_handler(
        conversation(
            application,
            "login",
            entry_points=[
                CommandHandler("login", begin),
                CommandHandler("start", from_link, filters=LOGIN_LINK),
                CallbackQueryHandler(begin, pattern=pattern("m", "login", "setpw")),
            ],
            states={
                USERNAME: text_step(got_username),
                # 「重新输入用户名」 under the password question: back to the username
                PASSWORD: [CallbackQueryHandler(begin, pattern=pattern("m", "login")), *secret_step(got_password)],
                NEW_PASSWORD: secret_step(got_new_password),
                CONFIRM_PASSWORD: secret_step(got_confirmation),
            },
        )
    )
    application.add_handler(CommandHandler("logout", logout))
