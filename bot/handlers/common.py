"""What every handler shares: replying, editing in place, who the clerk is, errors.

Handlers stay thin: parse the update, call a service, render through ``bot.texts``
and the keyboards, reply. These helpers are the "reply" part and the guard that
turns an update into a logged-in clerk (or a polite refusal).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, TelegramError
from telegram.ext import ConversationHandler

from bot import texts
from bot.callbacks import unpack
from bot.delivery.lean_bot import Sent
from bot.deps import BotContext, deps_of
from bot.keyboards import NO_PREVIEWS
from bot.keyboards import button as button  # re-exported for the handlers
from bot.keyboards import keyboard as keyboard
from bot.keyboards import notice_button as notice_button
from bot.processing import alongside
from bot.read_models import TgUser, Unit
from bot.texts import booking as booking_texts
from bot.texts.html import parse_mode

log = logging.getLogger(__name__)

END = ConversationHandler.END
Keyboard = InlineKeyboardMarkup | None
# what a new message may carry: inline buttons, or a reply keyboard (or its removal)
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass(frozen=True)
class Clerk:
    """A logged-in clerk: the Telegram user and the unit it is bound to."""

    user: TgUser
    unit: Unit

    @property
    def user_id(self) -> int:
        """The clerk's Telegram user id."""
        return self.user.user_id

    @property
    def unit_id(self) -> int:
        """The unit's id."""
        return self.unit.id


def main_menu_keyboard() -> InlineKeyboardMarkup:
    """The clerk's main menu."""
    return keyboard(
        [button(texts.MENU_BOOK, "m", "book"), button(texts.MENU_MY, "m", "my")],
        [button(texts.MENU_HISTORY, "m", "history"), button(texts.MENU_ACCOUNT, "m", "me")],
        [button(texts.MENU_HELP, "m", "help")],
    )


def back_to_menu_row() -> list[InlineKeyboardButton]:
    """A row with the main-menu button."""
    return [button(texts.MENU, "m", "menu")]


async def send(update: Update, context: BotContext, text: str, markup: ReplyMarkup = None) -> Sent:
    """Send a new message to the update's chat; which message it made (``bot.delivery.lean_bot``)."""
    chat = update.effective_chat
    assert chat is not None
    return await context.bot.send_text(chat.id, text, reply_markup=markup, parse_mode=parse_mode(text))


async def show(update: Update, context: BotContext, text: str, markup: Keyboard = None) -> Sent:
    """Edit the pressed message in place, or send a new one for a typed message.

    Steps driven by buttons keep one message that changes, instead of a new message
    per tap. An edit that changes nothing is not an error. A booking receipt is never
    overwritten (its 「我的预约」 button gets a new message): it stays the clerk's record,
    edited only by ``receipt.refresh_receipt``. Nor is a notification (a button made by
    ``notice_button``): a reminder or a review result stays as it was sent.
    Returns the message that shows ``text`` (the pressed one, or the new one).
    """
    query = update.callback_query
    pressed = query.message if query is not None else None
    pressed_text = getattr(pressed, "text", None)
    # A message shows the receipt title first whether or not it was sent as HTML.
    parsed = unpack(query.data) if query is not None else None
    on_notice = parsed is not None and parsed.notice
    if (query is not None and pressed is not None and pressed_text and not on_notice
            and not pressed_text.startswith(booking_texts.RECEIPT_TITLE)):
        try:
            # The answer to an edit is not read (``bot.lean_request``): the pressed message shows it.
            await query.edit_message_text(text, reply_markup=markup, parse_mode=parse_mode(text),
                                          link_preview_options=NO_PREVIEWS)
            return Sent(pressed.chat.id, pressed.message_id)
        except BadRequest as err:
            if "not modified" in str(err).lower():
                return Sent(pressed.chat.id, pressed.message_id)
            if "not found" not in str(err).lower():
                raise
    return await send(update, context, text, markup)


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the pressed button (every press is answered, STYLE §6).

    The answer runs alongside the rest of the step (the panel edit does not wait for
    it); the update is done only once it is answered.
    """
    if update.callback_query is not None:
        await alongside(_answer(update.callback_query, text, alert))


async def _answer(query: CallbackQuery, text: str | None, alert: bool) -> None:
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest:
        log.debug("callback query already answered or too old")


async def best_effort(call: Awaitable[object]) -> None:
    """Await a reply whose failure must not undo what was just done (after a commit).

    The change is in the database and what the clerk must learn of it is in the outbox;
    a lost panel edit or callback answer is logged and forgotten.
    """
    try:
        await call
    except TelegramError as err:
        log.info("best-effort reply not delivered (%s)", type(err).__name__)


async def current_clerk(update: Update, context: BotContext, *, quiet: bool = False) -> Clerk | None:
    """The logged-in clerk behind this update, or None after telling the user why."""
    user = update.effective_user
    if user is None:
        return None
    found = await context.deps.accounts.unit_of_user(user.id)
    if found is None:
        if not quiet:
            await answer(update)
            await send(update, context, texts.NOT_LOGGED_IN,
                       keyboard(button(texts.MENU_LOGIN, "m", "login")))
        return None
    tg_user, unit = found
    if tg_user.must_set_password:
        if not quiet:
            await answer(update)
            await send(update, context, texts.MUST_SET_PASSWORD,
                       keyboard(button("设置新密码", "m", "setpw")))
        return None
    return Clerk(tg_user, unit)


async def delete_quietly(context: BotContext, chat_id: int, message_id: int) -> bool:
    """Delete a message; a message already gone is not an error."""
    try:
        return await context.bot.delete_message(chat_id, message_id)
    except TelegramError:
        log.warning("could not delete message %s in chat %s", message_id, chat_id)
        return False


def trace_without_messages(error: BaseException | None) -> str:
    """Where ``error`` (and what caused it) was raised: types and frames, no messages.

    An exception's message may echo what the user typed (a pydantic ValidationError
    shows the input), so the log gets the frames and the type names only (SPEC §12).
    """
    parts: list[str] = []
    seen: set[int] = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{type(current).__name__}")
        current = current.__cause__ or current.__context__
    return "\n\ncaused by, or raised while handling:\n".join(parts)


def report_conflict(application: Any) -> None:
    """Another process polls Telegram with this token (409 Conflict): say so once, plainly.

    Polling keeps retrying with PTB's back-off (up to 30 s between tries) and takes over
    as soon as the other instance stops; a stream of tracebacks would say nothing more.
    """
    runtime = deps_of(application).runtime
    if runtime.conflict_reported:
        log.debug("still in conflict with another instance polling this token")
        return
    runtime.conflict_reported = True
    log.error("another bot instance is polling Telegram with this token (409 Conflict): only one may run. "
              "Stop the other one; this instance keeps retrying every 30 s and takes over when it is gone.")


async def on_error(update: object, context: BotContext) -> None:
    """Log first (no personal data: the update id, the error type and frames), then apologise."""
    if isinstance(context.error, Conflict):
        report_conflict(context.application)
        return
    kind = type(context.error).__name__
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error %s while handling update %s\n%s", kind, update_id, trace_without_messages(context.error))
    if isinstance(context.error, Forbidden):
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        await best_effort(answer(update))  # a failed answer must not stop the apology
        try:
            phone = deps_of(context.application).settings.bot_centre_phone
            await context.bot.send_message(update.effective_chat.id, texts.SYSTEM_ERROR.format(phone=phone),
                                           link_preview_options=NO_PREVIEWS)
        except TelegramError:
            log.warning("could not tell the user about error in update %s", update_id)
