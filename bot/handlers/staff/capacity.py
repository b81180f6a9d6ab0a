"""Capacity and closures (SPEC §3, §4): /capacity, session capacity, closing a session
or a whole date, and the clerks' rebook buttons after a closure.

    /capacity [date] ──► capacity view ──「前一天」「后一天」──► capacity view
        「上午 设容量」 ──► CAP_MINUTES ──minutes──► capacity view
        「上午 关闭时段」/「上午 重新开放」 ──► capacity view
        「下午 关闭时段」 of a session holding bookings ──► SESSION_REASON ──text──► SESSION_CONFIRM
                      ──「确认关闭」──► capacity view (bookings cancelled, clerks told with 「改约至 …」)
        「关闭整日」 ──► CLOSE_REASON ──text──► CLOSE_CONFIRM ──「确认关闭」──► capacity view
                                                   (bookings cancelled, clerks told with
                                                    「改约至 …」 buttons)
        「取消关闭」 ──► capacity view

The clerk's 「改约至 12月3日（周四）上午」 (``bk:rebook:<date>:<session>:<old id>``) books
the cancelled booking's items again on that date and sends the new receipt.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.callbacks import pattern
from bot.delivery.outbox import courier_of
from bot.deps import BotContext
from bot.errors import BadInput, DateInputError, DomainError, SessionHasBookings
from bot.handlers.common import END, answer, button, current_clerk, keyboard, notice_button, send, show
from bot.handlers.flow import ask, conversation, reask, text_of, text_step
from bot.handlers.staff.common import staff_only
from bot.handlers.staff.console import (
    args_text,
    callback,
    console_row,
    date_page,
    draft,
    drop_draft,
    minutes_freed,
    screen,
    service,
    set_draft,
    staff_id,
    stale,
)
from bot.handlers.staff.drafts import CapacityDraft, CloseDateDraft, CloseSessionDraft
from bot.read_models import Closure, Freed, RebookOption
from bot.rules.staff_dates import parse_date
from bot.services.staff import NOTE_MAX, check_reason
from bot.texts import staff as t

App = Application[Any, Any, Any, Any, Any, Any]
CAP_MINUTES, CLOSE_REASON, CLOSE_CONFIRM, SESSION_REASON, SESSION_CONFIRM = range(10, 15)


def rebook_keyboard(options: list[RebookOption], old_booking_id: int) -> InlineKeyboardMarkup | None:
    """One 「改约至 …」 button per option (none: no keyboard)."""
    if not options:
        return None
    return keyboard(*(
        notice_button(t.rebook_label(o.day, o.session), "bk", "rebook", o.day, o.session.key, old_booking_id)
        for o in options
    ))


# ---------------------------------------------------------------- the capacity view


async def show_capacity(update: Update, context: BotContext, day: date, note: str = "") -> None:
    """Render a date's sessions with their buttons."""
    schedule, cells = await service(context).capacity(day)
    rows: list[Any] = [
        [button(t.session_capacity_label(a.session), "st", "capset", day, a.session.key),
         button(t.session_close_label(a.session, a.closed), "st", "capcl", day, a.session.key,
                0 if a.closed else 1)]
        for a in cells
    ]
    if schedule.closed_reason is None:
        rows.append(button(t.CLOSE_DATE, "st", "dclose", day))
    else:
        rows.append(button(t.REOPEN_DATE, "st", "dopen", day))
    rows.append([button(t.PREV_DAY, "st", "cap", day - timedelta(days=1)),
                 button(t.NEXT_DAY, "st", "cap", day + timedelta(days=1))])
    rows.append([button(t.DAY_SCHEDULE, "st", "day", day), *console_row()])
    await show(update, context, t.capacity_view(day, schedule.info, cells, schedule.closed_reason, note),
               keyboard(*rows))


@screen
async def capacity_command(update: Update, context: BotContext) -> None:
    """/capacity [YYYY-MM-DD]: a date's sessions (default: the first bookable date)."""
    svc = service(context)
    raw = args_text(context)
    if raw:
        try:
            day = parse_date(raw, svc.today())
        except DateInputError as err:
            await send(update, context, err.message)
            return
    else:
        day = svc.first_window_day(await context.deps.bookings.calendar())
    await show_capacity(update, context, day)


capacity_button = date_page(show_capacity, "st:cap:<date>: page to a date.")


@screen
async def session_closed_button(update: Update, context: BotContext) -> int:
    """st:capcl:<date>:<session>:1|0 — close or reopen one session; a session holding
    bookings asks for the reason first (its bookings are cancelled)."""
    parsed = callback(update)
    day = parsed.date_arg(0) if parsed else None
    if parsed is None or day is None or len(parsed.args) < 3 or parsed.args[2] not in ("0", "1"):
        await stale(update)
        return END
    session, closed = parsed.args[1], parsed.args[2] == "1"
    try:
        await service(context).set_session_closed(staff_id(update), day, session, closed)
    except SessionHasBookings as err:
        spec = context.deps.bookings.session(session)
        assert spec is not None  # the service checked it
        await answer(update)
        set_draft(context, CloseSessionDraft(day=day, session=session))
        await ask(update, context, t.ask_close_session_reason(day, spec, err.active))
        return SESSION_REASON
    except DomainError as err:
        await stale(update, err.message)
        return END
    await answer(update)
    spec = context.deps.bookings.session(session)
    assert spec is not None  # the service checked it
    if not closed:
        await minutes_freed(context, Freed(day, session, 0))
    await show_capacity(update, context, day, t.session_closed_text(day, spec, closed))
    return END


@staff_only
async def got_session_reason(update: Update, context: BotContext) -> int | None:
    """Check the reason, then ask for confirmation (it cancels bookings)."""
    pending = draft(context, CloseSessionDraft)
    spec = context.deps.bookings.session(pending.session) if pending else None
    if pending is None or spec is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    try:
        reason = check_reason(text_of(update) or "", NOTE_MAX)
    except BadInput as err:
        await reask(update, context, err.message)
        return None
    day, session = pending.day, pending.session
    dialogue = secrets.token_hex(4)
    set_draft(context, pending.model_copy(update={"reason": reason, "dialogue": dialogue}))
    active = await service(context).active_in_session(day, session)
    await send(update, context, t.confirm_close_session(day, spec, reason, active),
               keyboard([button(t.CONFIRM_CLOSE, "st", "scloseok", day, session, dialogue),
                         button(t.BACK, "st", "cap", day)]))
    return SESSION_CONFIRM


@staff_only
async def session_close_confirmed(update: Update, context: BotContext) -> int | None:
    """「确认关闭」: close the session, cancel its bookings, tell their clerks with rebook buttons."""
    pending = draft(context, CloseSessionDraft)
    parsed = callback(update)
    day = parsed.date_arg(0) if parsed else None
    session = parsed.args[1] if parsed and len(parsed.args) > 1 else ""
    dialogue = parsed.args[2] if parsed and len(parsed.args) > 2 else ""
    if pending is not None and pending.reason and dialogue != pending.dialogue:
        await stale(update, t.SUPERSEDED)  # an older page: the newest one stays usable
        return None
    if pending is None or not pending.reason or day is None or (day, session) != (pending.day, pending.session):
        await stale(update, t.DRAFT_GONE)
        return END
    drop_draft(context)
    try:
        closure = await service(context).close_session(staff_id(update), day, session, pending.reason)
    except DomainError as err:
        await stale(update, err.message)
        return END
    await answer(update)
    told = await _tell_closure(context, closure)
    assert closure.session is not None
    await show_capacity(update, context, day,
                        t.session_closed_with_bookings(day, closure.session, len(closure.cancelled), told))
    return END


async def _tell_closure(context: BotContext, closure: Closure) -> int:
    """Tell the clerks of every cancelled booking, with rebook buttons; returns how many were told."""
    courier = courier_of(context.application)
    told = 0
    for booking, clerk_ids, _ in closure.cancelled:  # the notices were written with the closure
        await courier.deliver_booking(booking.id)
        told += await courier.told(booking.id, clerk_ids)
    return told


@screen
async def reopen_date_button(update: Update, context: BotContext) -> None:
    """st:dopen:<date> — undo a date closure."""
    parsed = callback(update)
    day = parsed.date_arg(0) if parsed else None
    try:
        if day is None:
            raise DomainError(texts.STALE_BUTTON)
        await service(context).reopen_date(staff_id(update), day)
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    await show_capacity(update, context, day, t.date_reopened(day))


# ---------------------------------------------------------------- session capacity


@screen
async def capacity_set_begin(update: Update, context: BotContext) -> int:
    """st:capset:<date>:<session> — ask for the new capacity in minutes."""
    parsed = callback(update)
    day = parsed.date_arg(0) if parsed else None
    session = parsed.args[1] if parsed and len(parsed.args) > 1 else ""
    cells = [] if day is None else [a for a in (await service(context).capacity(day))[1] if a.session.key == session]
    if day is None or not cells:
        await stale(update)
        return END
    await answer(update)
    set_draft(context, CapacityDraft(day=day, session=session))
    await ask(update, context, t.ask_capacity(day, cells[0]))
    return CAP_MINUTES


@staff_only
async def got_capacity(update: Update, context: BotContext) -> int | None:
    """A whole number of minutes ≥ 0; anything else is asked again."""
    pending = draft(context, CapacityDraft)
    if pending is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    raw = (text_of(update) or "").replace("分钟", "").strip()
    try:
        minutes = int(raw)
    except ValueError:
        await reask(update, context, t.CAPACITY_BAD)
        return None
    day = pending.day
    try:
        cell = await service(context).set_capacity(staff_id(update), day, pending.session, minutes)
    except BadInput as err:
        await reask(update, context, err.message)
        return None
    except DomainError as err:
        drop_draft(context)
        await send(update, context, err.message)
        return END
    drop_draft(context)
    await minutes_freed(context, Freed(day, pending.session, 0))
    await show_capacity(update, context, day, t.capacity_set(day, cell))
    return END


# ---------------------------------------------------------------- closing a date


@screen
async def close_begin(update: Update, context: BotContext) -> int:
    """st:dclose:<date> — ask for the reason (told to the clerks)."""
    parsed = callback(update)
    day = parsed.date_arg(0) if parsed else None
    svc = service(context)
    if day is None:
        await stale(update)
        return END
    if day < svc.today():
        await stale(update, t.DATE_IN_PAST)
        return END
    if (await svc.schedule(day)).closed_reason is not None:
        await stale(update, t.DATE_ALREADY_CLOSED)
        return END
    await answer(update)
    set_draft(context, CloseDateDraft(day=day))
    await ask(update, context, t.ask_close_reason(day))
    return CLOSE_REASON


@staff_only
async def got_close_reason(update: Update, context: BotContext) -> int | None:
    """Check the reason, then ask for confirmation (it cancels bookings)."""
    pending = draft(context, CloseDateDraft)
    if pending is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    try:
        reason = check_reason(text_of(update) or "", NOTE_MAX)
    except BadInput as err:
        await reask(update, context, err.message)
        return None
    day = pending.day
    dialogue = secrets.token_hex(4)
    set_draft(context, CloseDateDraft(day=day, reason=reason, dialogue=dialogue))
    active = await service(context).bookings_held_on(day)
    await send(update, context, t.confirm_close(day, reason, active),
               keyboard([button(t.CONFIRM_CLOSE, "st", "dcloseok", day, dialogue), button(t.BACK, "st", "cap", day)]))
    return CLOSE_CONFIRM


@staff_only
async def close_confirmed(update: Update, context: BotContext) -> int | None:
    """「确认关闭」: close, cancel the date's bookings, tell their clerks with rebook buttons."""
    pending = draft(context, CloseDateDraft)
    parsed = callback(update)
    day = parsed.date_arg(0) if parsed else None
    dialogue = parsed.args[1] if parsed and len(parsed.args) > 1 else ""
    if pending is not None and pending.reason and dialogue != pending.dialogue:
        await stale(update, t.SUPERSEDED)  # an older page: the newest one stays usable
        return None
    if pending is None or day is None or pending.day != day:
        await stale(update, t.DRAFT_GONE)
        return END
    drop_draft(context)
    try:
        closure = await service(context).close_date(staff_id(update), day, pending.reason)
    except DomainError as err:
        await stale(update, err.message)
        return END
    await answer(update)
    told = await _tell_closure(context, closure)
    await show_capacity(update, context, day, t.date_closed(day, len(closure.cancelled), told))
    return END


# ---------------------------------------------------------------- the clerk's rebook button


async def rebook(update: Update, context: BotContext) -> None:
    """bk:rebook:<date>:<session>:<old id> — book the cancelled booking again there."""
    clerk = await current_clerk(update, context)
    if clerk is None:
        return
    parsed = callback(update)
    day = parsed.date_arg(0) if parsed else None
    old_id = parsed.int_arg(2) if parsed else None
    if parsed is None or day is None or old_id is None:
        await stale(update)
        return
    svc = service(context)
    try:
        done = await svc.rebook(user_id=clerk.user_id, unit_id=clerk.unit_id, old_booking_id=old_id,
                                day=day, session=parsed.args[1])
    except DomainError as err:
        await answer(update)
        options = await svc.options_for_cancelled(clerk.unit_id, old_id)
        await send(update, context, t.rebook_failed(err.message, bool(options)), rebook_keyboard(options, old_id))
        return
    await answer(update)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):  # the notice is too old to edit: its buttons are refused anyway
            await query.edit_message_reply_markup(None)
    await send(update, context, t.rebooked(done.booking.code, done.copied))
    await courier_of(context.application).deliver_booking(done.booking.id)  # the receipt, written with the booking


# ---------------------------------------------------------------- registration


def register(application: App) -> None:
    """The capacity conversation, its screens, and the clerks' rebook button."""
    application.add_handler(
        conversation(
            application,
            "staff_capacity",
            entry_points=[
                CallbackQueryHandler(capacity_set_begin, pattern=pattern("st", "capset")),
                CallbackQueryHandler(close_begin, pattern=pattern("st", "dclose")),
                CallbackQueryHandler(session_closed_button, pattern=pattern("st", "capcl")),
            ],
            states={
                CAP_MINUTES: text_step(got_capacity),
                CLOSE_REASON: text_step(got_close_reason),
                CLOSE_CONFIRM: [CallbackQueryHandler(close_confirmed, pattern=pattern("st", "dcloseok"))],
                SESSION_REASON: text_step(got_session_reason),
                SESSION_CONFIRM: [CallbackQueryHandler(session_close_confirmed, pattern=pattern("st", "scloseok"))],
            },
        )
    )
    application.add_handler(CommandHandler("capacity", capacity_command))
    application.add_handler(CallbackQueryHandler(capacity_button, pattern=pattern("st", "cap")))
    application.add_handler(CallbackQueryHandler(reopen_date_button, pattern=pattern("st", "dopen")))
    application.add_handler(CallbackQueryHandler(rebook, pattern=pattern("bk", "rebook")))
