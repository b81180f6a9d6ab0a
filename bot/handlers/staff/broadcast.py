"""/broadcast: compose a notice, choose who gets it, preview, confirm (SPEC §11).

    /broadcast ──► TEXT ──text──► AUDIENCE ──全部经办人 st:baud:all──────────────────► PREVIEW
                                     │                                                  │ 确认发送 st:bsend ──► END
                                     └──某日有预约的经办人 st:baud:date──► DATE ──┘      │ 取消 st:bcancel ──► END
                                                (date button st:bdate / typed date; 返回 st:bback)

The draft (text, audience, date) lives in ``draft_broadcast`` until 确认发送, which
stores the broadcast with all its recipients in one transaction, turns the preview
message into the progress message and starts the sender in the background
(``bot.services.broadcast``). Nothing is sent from the handler itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import pattern, unpack
from bot.delivery.broadcasts import launch
from bot.deps import BotContext
from bot.errors import BroadcastError, DateInputError
from bot.handlers.common import END, Keyboard, answer, button, keyboard, send, show
from bot.handlers.flow import (
    ask,
    conversation,
    end_flows,
    reask,
    remember,
    text_of,
    text_step,
)
from bot.handlers.staff.common import staff_only
from bot.persistence import persisted_model
from bot.rules.staff_dates import parse_date
from bot.services import broadcast as service
from bot.services.broadcast import Audience
from bot.texts import BACK
from bot.texts import broadcast as t
from bot.user_data import Slot

TEXT, AUDIENCE, DATE, PREVIEW = range(4)

App = Application[Any, Any, Any, Any, Any, Any]


@persisted_model
class BroadcastDraft(BaseModel):
    """A broadcast being composed."""

    text: str
    audience: Audience | None = None
    day: date | None = None


DRAFT = Slot("draft_broadcast", BroadcastDraft)


def _draft(context: BotContext) -> BroadcastDraft | None:
    return DRAFT.get(context)


async def _stale(update: Update) -> int:
    await answer(update, t.DRAFT_GONE, alert=True)
    return END


# ---------------------------------------------------------------- steps


@staff_only
async def begin(update: Update, context: BotContext) -> int:
    """Leave any other flow, forget an old draft, ask for the text."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    end_flows(context.application, user.id, chat.id)
    DRAFT.pop(context)
    await answer(update)
    await ask(update, context, t.ASK_TEXT)
    return TEXT


@staff_only
async def got_text(update: Update, context: BotContext) -> int | None:
    """Check the text (≤ 3500 characters), keep it, ask for the audience."""
    text = text_of(update)
    if not text:
        await reask(update, context)
        return None
    problem = service.text_problem(text)
    if problem is not None:
        await reask(update, context, problem)
        return None
    DRAFT.put(context, BroadcastDraft(text=text))
    await _show_audiences(update, context)
    return AUDIENCE


async def _show_audiences(update: Update, context: BotContext, note: str = "") -> None:
    everyone = await service.recipient_count(context.deps.db, Audience.ALL)
    markup = keyboard(
        button(t.audience_all_label(everyone), "st", "baud", Audience.ALL.value),
        button(t.AUDIENCE_DATE_LABEL, "st", "baud", Audience.DATE.value),
        button(t.CANCEL_LABEL, "st", "bcancel"),
    )
    text = f"{note}\n\n{t.ASK_AUDIENCE}" if note else t.ASK_AUDIENCE
    await show(update, context, text, markup)


@staff_only
async def chose_audience(update: Update, context: BotContext) -> int:
    """全部经办人 → preview; 某日有预约的经办人 → choose the date."""
    draft = _draft(context)
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    if draft is None or parsed is None or parsed.args[:1] not in ((Audience.ALL.value,), (Audience.DATE.value,)):
        return await _stale(update)
    await answer(update)
    if parsed.args[0] == Audience.ALL.value:
        draft.audience, draft.day = Audience.ALL, None
        return await _preview(update, context, draft)
    dates = await service.audience_dates(context.deps.db, context.deps.bookings, context.deps.clock.now().date())
    rows = [button(t.date_label(day, count), "st", "bdate", day) for day, count in dates]
    remember(context, t.ASK_DATE)  # re-asked on bad input
    await show(update, context, t.ASK_DATE, keyboard(*rows, button(BACK, "st", "bback")))
    return DATE


@staff_only
async def chose_date(update: Update, context: BotContext) -> int:
    """A date button: the clerks with active bookings that day."""
    draft = _draft(context)
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    day = parsed.date_arg(0) if parsed is not None else None
    if draft is None or day is None:
        return await _stale(update)
    await answer(update)
    draft.audience, draft.day = Audience.DATE, day
    return await _preview(update, context, draft)


@staff_only
async def typed_date(update: Update, context: BotContext) -> int | None:
    """A typed date (any form the staff date parser reads)."""
    draft = _draft(context)
    if draft is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    try:
        day = parse_date(text_of(update) or "", context.deps.clock.now().date())
    except DateInputError as err:
        await reask(update, context, err.message)
        return None
    draft.audience, draft.day = Audience.DATE, day
    return await _preview(update, context, draft)


@staff_only
async def back(update: Update, context: BotContext) -> int:
    """返回: choose the audience again."""
    if _draft(context) is None:
        return await _stale(update)
    await answer(update)
    await _show_audiences(update, context)
    return AUDIENCE


async def _preview(update: Update, context: BotContext, draft: BroadcastDraft) -> int:
    """The text and the recipient count, with 确认发送 / 取消 (back to the audience if nobody)."""
    assert draft.audience is not None
    count = await service.recipient_count(context.deps.db, draft.audience, draft.day)
    if not count:
        await _show_audiences(update, context, t.NO_RECIPIENTS)
        return AUDIENCE
    markup: Keyboard = keyboard(
        [button(t.CONFIRM_LABEL, "st", "bsend"), button(t.CANCEL_LABEL, "st", "bcancel")]
    )
    await show(update, context, t.preview(draft.text, draft.day, count), markup)
    return PREVIEW


@staff_only
async def confirm(update: Update, context: BotContext) -> int | None:
    """确认发送: store the broadcast and its recipients, then start sending in the background."""
    draft = _draft(context)
    query, user = update.callback_query, update.effective_user
    if draft is None or draft.audience is None or query is None or user is None:
        return await _stale(update)
    await answer(update)
    message = query.message
    try:
        broadcast_id, total = await service.create_broadcast(
            context.deps.db, context.deps.clock, created_by=user.id, text=draft.text,
            audience=draft.audience, day=draft.day,
            progress_chat_id=message.chat.id if message else None,
            progress_message_id=message.message_id if message else None,
        )
    except BroadcastError as err:
        await _show_audiences(update, context, err.message)
        return AUDIENCE
    DRAFT.pop(context)
    await show(update, context, t.progress(broadcast_id, 0, 0, 0, total))
    launch(context.application, broadcast_id)
    return END


@staff_only
async def cancel(update: Update, context: BotContext) -> int:
    """取消: drop the draft; nothing was sent."""
    await answer(update)
    DRAFT.pop(context)
    await show(update, context, t.CANCELLED)
    return END


async def use_buttons(update: Update, context: BotContext) -> None:
    """Typing while a button is expected: say so."""
    await send(update, context, t.USE_BUTTONS)


def register(application: App) -> None:
    """The /broadcast conversation."""
    buttons: list[BaseHandler[Any, Any, Any]] = [
        CallbackQueryHandler(chose_audience, pattern=pattern("st", "baud")),
        CallbackQueryHandler(chose_date, pattern=pattern("st", "bdate")),
        CallbackQueryHandler(back, pattern=pattern("st", "bback")),
        CallbackQueryHandler(confirm, pattern=pattern("st", "bsend")),
        CallbackQueryHandler(cancel, pattern=pattern("st", "bcancel")),
    ]
    waiting_for_button: list[BaseHandler[Any, Any, Any]] = [
        MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, use_buttons)]
    application.add_handler(
        conversation(
            application,
            "staff_broadcast",
            entry_points=[CommandHandler("broadcast", begin), CallbackQueryHandler(begin, pattern=pattern("st", "bnew")),
                          *buttons],
            states={
                TEXT: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, got_text),
                    MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, reask),
                ],
                AUDIENCE: waiting_for_button,
                DATE: text_step(typed_date),
                PREVIEW: waiting_for_button,
            },
        )
    )
