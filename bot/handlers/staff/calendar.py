"""/calendar: the working calendar as the bot sees it, staff overrides, year confirmation
(SPEC §3).

    /calendar ──► 30 days (工作日/休息日/法定节假日, 调休, 〔调〕 overrides, ⚠ unconfirmed years)
        「前30天」「后30天」 ──► the same view, paged
        「设置调整」 ──► CAL_DATE ──date──► CAL_KIND ──kind button──► CAL_NOTE ──note──► view
        「删除调整」 ──► CAL_DATE ──date──► view
        「确认2027年日历」 (admins) ──► view
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.callbacks import pattern
from bot.deps import BotContext
from bot.errors import BadInput, DateInputError, DomainError
from bot.handlers.common import END, answer, button, keyboard, send, show
from bot.handlers.flow import ask, conversation, reask, text_of, text_step
from bot.handlers.staff.common import admin_only, staff_only
from bot.handlers.staff.console import (
    callback,
    console_row,
    date_page,
    draft,
    drop_draft,
    id_arg,
    leave_flows,
    screen,
    service,
    set_draft,
    staff_id,
    stale,
)
from bot.handlers.staff.drafts import CalendarDeleteDraft, CalendarSetDraft
from bot.rules.staff_dates import parse_date
from bot.services.roles import Role, role_of
from bot.services.staff import CALENDAR_DAYS, DAY_KINDS, NOTE_MAX, check_reason, unconfirmed_years_ahead
from bot.texts import staff as t

App = Application[Any, Any, Any, Any, Any, Any]
CAL_DATE, CAL_KIND, CAL_NOTE = range(20, 23)


async def show_calendar(update: Update, context: BotContext, start: date | None = None, note: str = "") -> None:
    """Render 30 days from ``start`` (default today) with the override buttons."""
    svc = service(context)
    start = start or svc.today()
    days = await svc.calendar_days(start)
    # The years in view, and those the booking window reaches within 40 days (the
    # December warning), so that an admin can confirm a year before it is on screen.
    in_view = {d.info.date.year for d in days if not d.info.year_confirmed}
    unconfirmed = sorted(in_view | set(await unconfirmed_years_ahead(context.deps.bookings, context.deps.clock.now().date())))
    rows: list[Any] = [
        [button(t.SET_OVERRIDE, "st", "calset"), button(t.DELETE_OVERRIDE, "st", "caldel")],
        [button(t.PREV_30, "st", "cal", start - timedelta(days=CALENDAR_DAYS)),
         button(t.NEXT_30, "st", "cal", start + timedelta(days=CALENDAR_DAYS))],
    ]
    if await role_of(context.deps.db, context.deps.settings, staff_id(update)) is Role.ADMIN:
        rows += [button(t.confirm_year_label(y), "st", "calyr", y) for y in unconfirmed]
    rows.append(console_row())
    await show(update, context, t.calendar_view(days, unconfirmed, note), keyboard(*rows))


@screen
async def calendar_command(update: Update, context: BotContext) -> None:
    """/calendar: the next 30 days."""
    await show_calendar(update, context)


calendar_button = date_page(show_calendar, "st:cal:<date>: 30 days from a date.")


@admin_only
async def confirm_year_button(update: Update, context: BotContext) -> None:
    """st:calyr:<year> (admins): the year's calendar is checked against the announcement."""
    leave_flows(update, context)
    try:
        year = id_arg(update)
        await service(context).confirm_year(staff_id(update), year)
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    await show_calendar(update, context, note=t.year_confirmed(year))


# ---------------------------------------------------------------- setting and removing overrides


@screen
async def set_begin(update: Update, context: BotContext) -> int:
    """「设置调整」: which date?"""
    await answer(update)
    set_draft(context, CalendarSetDraft())
    await ask(update, context, t.ASK_DATE)
    return CAL_DATE


@screen
async def delete_begin(update: Update, context: BotContext) -> int:
    """「删除调整」: which date?"""
    await answer(update)
    set_draft(context, CalendarDeleteDraft())
    await ask(update, context, t.ASK_DATE)
    return CAL_DATE


@staff_only
async def got_date(update: Update, context: BotContext) -> int | None:
    """A date from today on; then the kind (set) or the removal (delete)."""
    pending = draft(context, CalendarSetDraft) or draft(context, CalendarDeleteDraft)
    if pending is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    svc = service(context)
    try:
        day = parse_date(text_of(update) or "", svc.today())
    except DateInputError as err:
        await reask(update, context, err.message)
        return None
    if day < svc.today():
        await reask(update, context, t.DATE_IN_PAST_CALENDAR)
        return None
    if isinstance(pending, CalendarDeleteDraft):
        drop_draft(context)
        try:
            info = await svc.delete_override(staff_id(update), day)
        except DomainError as err:
            await send(update, context, err.message)
            return END
        await show_calendar(update, context, note=t.override_deleted(info))
        return END
    set_draft(context, CalendarSetDraft(day=day))
    info = (await svc.calendar_days(day, 1))[0].info
    await send(update, context, t.ask_kind(info),
               keyboard([button(t.KIND_LABELS[k], "st", "calkind", day, k) for k in DAY_KINDS]))
    return CAL_KIND


@staff_only
async def got_kind(update: Update, context: BotContext) -> int:
    """st:calkind:<date>:<kind>: now the note."""
    pending = draft(context, CalendarSetDraft)
    parsed = callback(update)
    day = parsed.date_arg(0) if parsed else None
    kind = parsed.args[1] if parsed and len(parsed.args) > 1 else ""
    if pending is None or day is None or pending.day != day or kind not in DAY_KINDS:
        await stale(update, t.DRAFT_GONE)
        return END
    await answer(update)
    set_draft(context, CalendarSetDraft(day=day, day_kind=kind))
    await ask(update, context, t.ASK_NOTE)
    return CAL_NOTE


@staff_only
async def got_note(update: Update, context: BotContext) -> int | None:
    """Save the override with its note (≤100 chars)."""
    pending = draft(context, CalendarSetDraft)
    if pending is None or pending.day is None or pending.day_kind is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    try:
        note = check_reason(text_of(update) or "", NOTE_MAX)
        svc = service(context)
        day = pending.day
        info = await svc.set_override(staff_id(update), day, pending.day_kind, note)
    except BadInput as err:
        await reask(update, context, err.message)
        return None
    except DomainError as err:
        drop_draft(context)
        await send(update, context, err.message)
        return END
    drop_draft(context)
    active = await svc.bookings_held_on(day)
    await show_calendar(update, context, note=t.override_set(info, note, active))
    return END


def register(application: App) -> None:
    """The calendar conversation and its screens."""
    application.add_handler(
        conversation(
            application,
            "staff_calendar",
            entry_points=[
                CallbackQueryHandler(set_begin, pattern=pattern("st", "calset")),
                CallbackQueryHandler(delete_begin, pattern=pattern("st", "caldel")),
            ],
            states={
                CAL_DATE: text_step(got_date),
                CAL_KIND: [CallbackQueryHandler(got_kind, pattern=pattern("st", "calkind"))],
                CAL_NOTE: text_step(got_note),
            },
        )
    )
    application.add_handler(CommandHandler("calendar", calendar_command))
    application.add_handler(CallbackQueryHandler(calendar_button, pattern=pattern("st", "cal")))
    application.add_handler(CallbackQueryHandler(confirm_year_button, pattern=pattern("st", "calyr")))
