"""/stats: bookings, minutes against capacity, no-show rate and ratings of a date range.

    /stats [YYYY-MM-DD YYYY-MM-DD] ──► the range (default: this calendar month) ──► RANGE
    RANGE ──typed "YYYY-MM-DD YYYY-MM-DD"──► that range ──► END
        (also one date for that day, and the other staff commands' forms: 12-1~12-3, 2026-12-01..2026-12-05)
    上月 / 本月 st:srange:<start>:<end> ──► that range ──► RANGE

The numbers come from ``bot.services.stats``; this module only parses and renders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import pattern, unpack
from bot.deps import BotContext
from bot.errors import DateInputError
from bot.handlers.common import END, answer, button, keyboard, show
from bot.handlers.flow import conversation, end_flows, reask, remember, text_of, text_step
from bot.handlers.staff.common import staff_only
from bot.rules.staff_dates import parse_date_range
from bot.rules.stats import month_range, previous_month_range, range_problem
from bot.services.stats import period_stats
from bot.texts import STALE_BUTTON
from bot.texts import arrival as ta
from bot.texts.staff import stats as t

RANGE = 0

App = Application[Any, Any, Any, Any, Any, Any]


async def _show(update: Update, context: BotContext, start: date, end: date) -> None:
    today = context.deps.clock.now().date()
    this_month, last_month = month_range(today), previous_month_range(today)
    stats = await period_stats(context.deps.db, context.deps.bookings, start, end)
    arrival = await context.deps.arrivals.stats(start, end)
    remember(context, t.ASK_RANGE)
    await show(update, context, t.stats(stats, ta.stats_block(arrival)), keyboard([
        button(t.LAST_MONTH_LABEL, "st", "srange", *last_month),
        button(t.THIS_MONTH_LABEL, "st", "srange", *this_month),
    ]))


@staff_only
async def begin(update: Update, context: BotContext) -> int | None:
    """/stats [start end]: that range, or this calendar month."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    end_flows(context.application, user.id, chat.id)
    await answer(update)
    remember(context, t.ASK_RANGE)
    if context.args:
        return await _typed(update, context, " ".join(context.args))
    await _show(update, context, *month_range(context.deps.clock.now().date()))
    return RANGE


@staff_only
async def pressed_range(update: Update, context: BotContext) -> int | None:
    """上月 / 本月."""
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    start, end = (parsed.date_arg(0), parsed.date_arg(1)) if parsed else (None, None)
    if start is None or end is None or range_problem(start, end) is not None:
        await answer(update, STALE_BUTTON, alert=True)
        return None
    await answer(update)
    await _show(update, context, start, end)
    return RANGE


@staff_only
async def typed_range(update: Update, context: BotContext) -> int | None:
    """A typed range."""
    return await _typed(update, context, text_of(update) or "")


async def _typed(update: Update, context: BotContext, text: str) -> int | None:
    try:
        found = parse_date_range(text, context.deps.clock.now().date())
    except DateInputError as err:
        await reask(update, context, err.message)
        return RANGE
    problem = range_problem(*found)
    if problem is not None:
        await reask(update, context, problem)
        return RANGE
    await _show(update, context, *found)
    return END


def register(application: App) -> None:
    """The /stats conversation."""
    application.add_handler(
        conversation(
            application,
            "staff_stats",
            entry_points=[
                CommandHandler("stats", begin),
                CallbackQueryHandler(begin, pattern=pattern("st", "stats")),
                CallbackQueryHandler(pressed_range, pattern=pattern("st", "srange")),
            ],
            states={RANGE: text_step(typed_range)},
        )
    )
