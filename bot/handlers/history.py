"""已办理预约 and 满意度评价 (SPEC §5.8, §8).

    /history, m:history, hs:page ──► a page of finished bookings (5 a page, newest first)
    满意度评价 hs:rate ──► five ratings hs:star ──► COMMENT ──text / 跳过 hs:skip──► END
                  ▲ 返回 (on the chosen rating, above the comment question) ─┘

The rating entry ``hs:rate:<booking id>`` is also the booking flow's 「去评价」 button.
Each press re-checks that the booking is the unit's own, served and unrated; the
chosen rating waits for the optional comment in ``draft_evaluation``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from telegram import InlineKeyboardButton, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.callbacks import pattern, unpack
from bot.deps import BotContext
from bot.errors import DomainError
from bot.handlers.common import END, answer, button, current_clerk, keyboard, send, show
from bot.handlers.flow import ask, conversation, reask, text_of, text_step
from bot.persistence import persisted_model
from bot.services.evaluation import EvaluationService, parse_comment
from bot.texts import history as t
from bot.user_data import Slot

COMMENT = 0

App = Application[Any, Any, Any, Any, Any, Any]


@persisted_model
class EvaluationDraft(BaseModel):
    """A chosen rating waiting for its optional comment."""

    booking_id: int
    rating: int


DRAFT = Slot("draft_evaluation", EvaluationDraft)


def _service(context: BotContext) -> EvaluationService:
    return context.deps.evaluations


def _after_row() -> list[InlineKeyboardButton]:
    return [button(texts.MENU_HISTORY, "m", "history"), button(texts.MENU, "m", "menu")]


# ---------------------------------------------------------------- 已办理预约


async def history(update: Update, context: BotContext) -> int:
    """/history, 已办理预约 and 上一页/下一页: one page of finished bookings."""
    await answer(update)
    DRAFT.pop(context)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    parsed = unpack(update.callback_query.data) if update.callback_query else None
    wanted = parsed.int_arg(0) if parsed is not None and parsed.ns == "hs" else 0
    page = await _service(context).history(clerk.unit_id, wanted or 0)
    if not page.total:
        await show(update, context, t.NO_HISTORY,
                   keyboard([button(t.BOOK_LABEL, "m", "book"), button(texts.MENU, "m", "menu")]))
        return END
    bookings = context.deps.bookings
    specs = {e.booking.session: bookings.session(e.booking.session) for e in page.entries}
    ratable = [e.booking for e in page.entries if e.ratable]
    rows: list[Any] = [button(t.rate_button(b.code, len(ratable) > 1), "hs", "rate", b.id) for b in ratable]
    nav = []
    if page.page > 0:
        nav.append(button(t.PREV_LABEL, "hs", "page", page.page - 1))
    if page.page + 1 < page.pages:
        nav.append(button(t.NEXT_LABEL, "hs", "page", page.page + 1))
    rows += [nav, [button(texts.MENU, "m", "menu")]]
    await show(update, context, t.history_page(page, specs), keyboard(*rows))
    return END


# ---------------------------------------------------------------- 满意度评价


async def _refuse(update: Update, context: BotContext, message: str) -> int:
    DRAFT.pop(context)
    await answer(update)
    await show(update, context, message, keyboard(_after_row()))
    return END


async def rate(update: Update, context: BotContext) -> int:
    """满意度评价 / 去评价: the five ratings, if this booking may be rated."""
    DRAFT.pop(context)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    booking_id = parsed.int_arg(0) if parsed else None
    try:
        booking = await _service(context).ratable(booking_id or 0, clerk.unit_id)
    except DomainError as err:
        return await _refuse(update, context, err.message)
    rows = [button(label, "hs", "star", booking.id, value) for value, label in t.RATINGS.items()]
    await answer(update)
    await show(update, context, t.ask_rating(booking), keyboard(*rows, button(texts.BACK, "hs", "page", 0)))
    return END


async def star(update: Update, context: BotContext) -> int:
    """A rating was chosen: keep it; ask for the optional comment."""
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    booking_id, rating = (parsed.int_arg(0), parsed.int_arg(1)) if parsed else (None, None)
    if booking_id is None or rating not in t.RATINGS:
        return await _refuse(update, context, texts.STALE_BUTTON)
    try:
        booking = await _service(context).ratable(booking_id, clerk.unit_id)
    except DomainError as err:
        return await _refuse(update, context, err.message)
    DRAFT.put(context, EvaluationDraft(booking_id=booking.id, rating=rating))
    await answer(update)
    # 「返回」 (choose the rating again) stays on the rating panel, just above the question.
    await show(update, context, t.ask_rating(booking) + f"\n\n已选择：{t.RATINGS[rating]}",
               keyboard(button(texts.BACK, "hs", "rate", booking.id)))
    await ask(update, context, t.ask_comment(rating), keyboard(button(t.SKIP_LABEL, "hs", "skip", booking.id)))
    return COMMENT


async def got_comment(update: Update, context: BotContext) -> int | None:
    """The comment: at most 200 characters; then save."""
    try:
        comment = parse_comment(text_of(update) or "")
    except DomainError as err:
        await reask(update, context, err.message)
        return None
    return await _save(update, context, comment)


async def skip(update: Update, context: BotContext) -> int:
    """跳过: save the rating without a comment."""
    draft = DRAFT.get(context)
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    if draft is None or parsed is None or parsed.int_arg(0) != draft.booking_id:
        return await _refuse(update, context, texts.STALE_BUTTON)
    await answer(update)
    return await _save(update, context, "")


async def _save(update: Update, context: BotContext, comment: str) -> int:
    """Store the rating once; say whether booking is possible again."""
    draft = DRAFT.pop(context)
    if draft is None:
        await send(update, context, t.RATING_DRAFT_LOST, keyboard(_after_row()))
        return END
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        remaining = await _service(context).rate(draft.booking_id, unit_id=clerk.unit_id, user_id=clerk.user_id,
                                                 rating=draft.rating, comment=comment)
    except DomainError as err:
        await send(update, context, err.message, keyboard(_after_row()))
        return END
    await send(update, context, t.thanks(remaining),
               keyboard([button(t.BOOK_LABEL, "m", "book"), button(texts.MENU, "m", "menu")]))
    return END


def register(application: App) -> None:
    """已办理预约 pages and the evaluation conversation."""
    application.add_handler(
        conversation(
            application,
            "evaluation",
            entry_points=[
                CommandHandler("history", history),
                CallbackQueryHandler(history, pattern=pattern("m", "history")),
                CallbackQueryHandler(history, pattern=pattern("hs", "page")),
                CallbackQueryHandler(rate, pattern=pattern("hs", "rate")),
                CallbackQueryHandler(star, pattern=pattern("hs", "star")),
            ],
            states={
                COMMENT: [*text_step(got_comment), CallbackQueryHandler(skip, pattern=pattern("hs", "skip"))],
            },
        )
    )
