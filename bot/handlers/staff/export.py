"""/export: the schedule of a date or range as CSV and XLSX documents; /chart: the
utilisation of the next bookable days as a PNG (SPEC §11).

The files are built by ``bot.exports`` (pure builders); the chart is drawn in a
worker thread so the bot keeps answering others meanwhile.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import pattern
from bot.deps import BotContext
from bot.errors import DateInputError, DomainError, FontMissing
from bot.exports import schedule_csv, schedule_xlsx, utilisation_png
from bot.handlers.common import answer, send
from bot.handlers.staff.console import args_text, date_page, screen, service, staff_id
from bot.rules.staff_dates import parse_date_range
from bot.texts import staff as t

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]


async def send_export(update: Update, context: BotContext, start: date, end: date) -> None:
    """Both documents of one date range."""
    try:
        rows = await service(context).export_rows(staff_id(update), start, end)
    except DomainError as err:
        await send(update, context, err.message)
        return
    start, end = min(start, end), max(start, end)
    span = start.strftime("%Y%m%d") if start == end else f"{start:%Y%m%d}-{end:%Y%m%d}"
    caption = t.export_caption(start, end, len(rows))
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(chat.id, io.BytesIO(schedule_csv(rows)), filename=f"schedule_{span}.csv",
                                    caption=caption)
    await context.bot.send_document(chat.id, io.BytesIO(schedule_xlsx(rows, span)),
                                    filename=f"schedule_{span}.xlsx", caption=caption)


@screen
async def export_command(update: Update, context: BotContext) -> None:
    """/export [YYYY-MM-DD[..YYYY-MM-DD]] (default today)."""
    svc = service(context)
    raw = args_text(context)
    try:
        span = parse_date_range(raw, svc.today()) if raw else (svc.today(), svc.today())
    except DateInputError as err:
        await send(update, context, f"{err.message}\n{t.EXPORT_USAGE}")
        return
    await send_export(update, context, *span)


export_button = date_page(lambda u, c, d: send_export(u, c, d, d), "st:exp:<date>: one date's export.")


@screen
async def chart(update: Update, context: BotContext) -> None:
    """/chart and st:chart: booked vs capacity minutes per session of the bookable days."""
    await answer(update)
    cells = await service(context).chart_days()
    try:
        png = await asyncio.to_thread(utilisation_png, cells, str(context.deps.settings.bot_cjk_font or ""))
    except FontMissing:
        log.error("chart refused: no CJK font installed (run scripts/setup-system.sh)")
        await send(update, context, t.CHART_UNAVAILABLE)
        return
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(chat.id, io.BytesIO(png), caption=t.chart_caption(cells))


def register(application: App) -> None:
    """/export, /chart and their console buttons."""
    application.add_handler(CommandHandler("export", export_command))
    application.add_handler(CommandHandler("chart", chart))
    application.add_handler(CallbackQueryHandler(export_button, pattern=pattern("st", "exp")))
    application.add_handler(CallbackQueryHandler(chart, pattern=pattern("st", "chart")))
