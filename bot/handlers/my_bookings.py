"""我的预约: the unit's active bookings; 修改信息, 改约, 取消预约 (SPEC §5.7, §7).

    /my, m:my ──► one card per active booking
      修改信息 my:edit ─┬─► 申请人信息 ap:list (the applicants flow)
                        ├─► 经办人信息 my:contact ──► CONTACT_NAME ──text / 姓名不变──► CONTACT_PHONE ──text──► END
                        └─► 办理数量 my:qty ──► my:qa / my:qs (＋/－) ──► my:qok (confirm) ──► my:qdo
      改约 my:move ──► my:pick (confirm) ──► my:movedo (receipt edited) ──► 新的日历文件 my:ics
      取消预约 my:cancel ──► 确认取消 my:canceldo / 返回 my:card

Every ``my:*`` button is an entry point of the "my_bookings" conversation and carries
all it is about (booking id, the counts being edited, the date and session picked),
so an old message still works after a restart; each press re-checks ownership,
state and deadline in the database through the services, and a stale or foreign id
gets a polite refusal that shows nothing of other units. Only the contact edit has
free-text states; its draft (which booking, the new name) is ``draft_contact``.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel
from telegram import InlineKeyboardButton, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.callbacks import Callback, pattern, unpack
from bot.delivery.outbox import courier_of
from bot.deps import BotContext
from bot.errors import ChangeNotAllowed, DomainError
from bot.handlers.common import (
    END,
    Clerk,
    answer,
    best_effort,
    button,
    current_clerk,
    keyboard,
    send,
    show,
)
from bot.handlers.flow import ask, conversation, reask, text_of, text_step
from bot.handlers.receipt import refresh_receipt, send_calendar, send_checkin_code
from bot.jobs.watchers import on_minutes_freed
from bot.persistence import persisted_model
from bot.read_models import BookingDetails, Freed, MoveStatus
from bot.rules.applicant import mask_phone, parse_mobile, parse_name
from bot.rules.basket import BusinessType, basket_minutes, can_add, raw_minutes
from bot.rules.states import BookingState
from bot.services.changes import ChangeService, counts_of, items_to_remove
from bot.texts import arrival as arrival_texts
from bot.texts import booking as booking_texts
from bot.texts import counts as counts_texts
from bot.texts import my_bookings as t
from bot.user_data import Slot

log = logging.getLogger(__name__)

CONTACT_NAME, CONTACT_PHONE = range(2)
MAX_COUNT = 12  # 60 minutes of 5-minute items: anything larger is forged

App = Application[Any, Any, Any, Any, Any, Any]
Counts = dict[BusinessType, int]
TYPES = tuple(BusinessType)


@persisted_model
class ContactDraft(BaseModel):
    """The contact edit in progress: which booking, and the new name once given."""

    booking_id: int
    name: str | None = None


DRAFT = Slot("draft_contact", ContactDraft)


def _changes(context: BotContext) -> ChangeService:
    return context.deps.changes


def _list_row() -> list[InlineKeyboardButton]:
    return [button(t.MY_LABEL, "m", "my"), button(texts.MENU, "m", "menu")]


async def _refuse(update: Update, context: BotContext, message: str) -> int:
    """Say why a press cannot be done, in place of the pressed message; ends the flow.

    Past the deadline the clerk is told how to reach the centre (no dead end).
    """
    await answer(update)
    if message == texts.CHANGE_DEADLINE_PASSED:
        message = f"{message}\n{texts.centre_contact(context.deps.settings.bot_centre_phone)}"
    await show(update, context, message, keyboard(_list_row()))
    return END


async def _minutes_freed(context: BotContext, freed: Freed | None) -> None:
    """Minutes went back to a session: clerks waiting on 有号提醒 for that date are told."""
    if freed is not None:
        await on_minutes_freed(context.application, freed)


# ---------------------------------------------------------------- the list and a card


def _card(context: BotContext, details: BookingDetails) -> str:
    deps = context.deps
    return t.booking_card(details, deps.bookings.session(details.booking.session), deps.settings.bot_centre_phone)


def _card_keyboard(details: BookingDetails) -> Any:
    """「下一步，即将完成预约」 while incomplete; 修改信息 / 改约 / 取消预约 before the deadline;
    the applicant results; always a way back to the main menu (no dead end)."""
    b = details.booking
    rows: list[Any] = []
    if details.changeable:
        if b.state is BookingState.INCOMPLETE:
            rows.append(button(booking_texts.NEXT_STEP_LABEL, "ap", "list", b.id))
        rows.append([button(t.EDIT_LABEL, "my", "edit", b.id), button(t.RESCHEDULE_LABEL, "my", "move", b.id),
                     button(t.CANCEL_LABEL, "my", "cancel", b.id)])
    elif b.state.is_active and any(i.filled for i in details.items):
        rows.append(button(t.APPLICANTS_LABEL, "ap", "list", b.id))
    if b.state.is_active and details.arrival is not None and details.arrival.checked_in_at is None:
        rows.append(button(arrival_texts.QR_LABEL, "my", "qr", b.id))  # shown at the counter (SPEC §4)
    rows.append(_list_row())
    return keyboard(*rows)


async def my_bookings(update: Update, context: BotContext) -> int:
    """/my and 我的预约: one card per active booking, or how to book."""
    await answer(update)
    DRAFT.pop(context)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    found = await _changes(context).active_bookings(clerk.unit_id)
    if not found:
        await show(update, context, t.NO_BOOKINGS,
                   keyboard([button(t.BOOK_LABEL, "m", "book")], [button(texts.MENU, "m", "menu")]))
        return END
    await show(update, context, t.list_header(len(found)))
    for details in found:
        await send(update, context, _card(context, details), _card_keyboard(details))
    return END


async def open_by_code(update: Update, context: BotContext, code: str) -> None:
    """/start <booking code>: that booking's card, if it is the clerk's unit's (a new message)."""
    clerk = await current_clerk(update, context)
    if clerk is None:
        return
    try:
        details = await _changes(context).by_code(code, clerk.unit_id)
    except DomainError as err:
        await send(update, context, err.message, keyboard(_list_row()))
        return
    await send(update, context, _card(context, details), _card_keyboard(details))


async def _show_card(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """返回 to one booking's card."""
    details = await context.deps.bookings.details(_id(cb), unit_id=clerk.unit_id)
    await answer(update)
    await show(update, context, _card(context, details), _card_keyboard(details))
    return END


async def _edit_menu(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """修改信息: 申请人信息, 经办人信息, 办理数量."""
    details = await _changes(context).changeable(_id(cb), clerk.unit_id)
    booking_id = details.booking.id
    await answer(update)
    await show(update, context, t.edit_menu(details.booking.code), keyboard(
        button(t.APPLICANTS_LABEL, "ap", "list", booking_id),
        button(t.CONTACT_LABEL, "my", "contact", booking_id),
        button(t.COUNTS_LABEL, "my", "qty", booking_id),
        button(texts.BACK, "my", "card", booking_id),
    ))
    return END


# ---------------------------------------------------------------- 经办人信息


async def _contact(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """Start the contact edit: ask for the name."""
    details = await _changes(context).changeable(_id(cb), clerk.unit_id)
    b = details.booking
    DRAFT.put(context, ContactDraft(booking_id=b.id))
    await answer(update)
    await ask(update, context, t.ask_contact_name(b.contact_name),
              keyboard([button(t.KEEP_NAME_LABEL, "my", "keepname", b.id), button(texts.BACK, "my", "edit", b.id)]))
    return CONTACT_NAME


async def _keep_name(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """姓名不变: go on to the phone with the current name."""
    draft = DRAFT.get(context)
    if draft is None or draft.booking_id != _id(cb):
        return await _refuse(update, context, texts.STALE_BUTTON)
    details = await _changes(context).changeable(draft.booking_id, clerk.unit_id)
    draft.name = details.booking.contact_name
    await answer(update)
    await _ask_phone(update, context, details)
    return CONTACT_PHONE


async def _ask_phone(update: Update, context: BotContext, details: BookingDetails) -> None:
    b = details.booking
    await ask(update, context, t.ask_contact_phone(mask_phone(b.contact_phone)),
              keyboard(button(texts.BACK, "my", "contact", b.id)))


async def got_contact_name(update: Update, context: BotContext) -> int | None:
    """Check the name; ask for the phone."""
    draft = DRAFT.get(context)
    if draft is None:
        await send(update, context, t.CONTACT_DRAFT_LOST, keyboard(_list_row()))
        return END
    try:
        draft.name = parse_name(text_of(update) or "")
    except DomainError as err:
        await reask(update, context, err.message)
        return None
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        details = await _changes(context).changeable(draft.booking_id, clerk.unit_id)
    except DomainError as err:
        DRAFT.pop(context)
        await send(update, context, err.message, keyboard(_list_row()))
        return END
    await _ask_phone(update, context, details)
    return CONTACT_PHONE


async def got_contact_phone(update: Update, context: BotContext) -> int | None:
    """Check the phone; save name and phone; refresh the receipt."""
    draft = DRAFT.get(context)
    if draft is None or draft.name is None:
        await send(update, context, t.CONTACT_DRAFT_LOST, keyboard(_list_row()))
        return END
    try:
        phone = parse_mobile(text_of(update) or "")
    except DomainError as err:
        await reask(update, context, err.message)
        return None
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    DRAFT.pop(context)
    try:
        booking = await _changes(context).change_contact(
            draft.booking_id, unit_id=clerk.unit_id, user_id=clerk.user_id, name=draft.name, phone=phone)
    except DomainError as err:
        await send(update, context, err.message, keyboard(_list_row()))
        return END
    await send(update, context, t.contact_changed(booking.code, booking.contact_name, booking.contact_phone),
               keyboard(_list_row()))
    await refresh_receipt(context, booking.id)
    return END


# ---------------------------------------------------------------- 办理数量


def _counts_args(counts: Counts) -> list[int]:
    return [counts.get(b, 0) for b in TYPES]


def _counts_from(cb: Callback) -> Counts | None:
    """The counts carried by an editor button (args 1..4), or None if forged."""
    values = [cb.int_arg(i) for i in range(1, len(TYPES) + 1)]
    if any(v is None or not 0 <= v <= MAX_COUNT for v in values):
        return None
    return {b: v for b, v in zip(TYPES, values, strict=True) if v}


async def _editor(update: Update, context: BotContext, details: BookingDetails, counts: Counts) -> int:
    b = details.booking
    args = _counts_args(counts)
    rows: list[Any] = [
        [button(counts_texts.minus_label(bt), "my", "qs", b.id, *args, i), button(counts_texts.plus_label(bt), "my", "qa", b.id, *args, i)]
        for i, bt in enumerate(TYPES)
    ]
    rows.append([button(t.CONFIRM_LABEL, "my", "qok", b.id, *args), button(texts.BACK, "my", "edit", b.id)])
    text = t.counts_editor(b.code, counts_of(details.items), b.minutes, counts, raw_minutes(counts))
    await answer(update)
    await show(update, context, text, keyboard(*rows))
    return END


async def _qty(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """办理数量: the +/− editor, starting from the booking's counts (or the ones carried)."""
    details = await _changes(context).changeable(_id(cb), clerk.unit_id)
    counts = counts_of(details.items) if cb.action == "qty" else _counts_from(cb)
    if counts is None:
        return await _refuse(update, context, texts.STALE_BUTTON)
    return await _editor(update, context, details, counts)


async def _step(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """＋ / －: one more or one fewer item of a type; the 60-minute cap is enforced at once."""
    counts, index = _counts_from(cb), cb.int_arg(len(TYPES) + 1)
    if counts is None or index is None or not 0 <= index < len(TYPES):
        return await _refuse(update, context, texts.STALE_BUTTON)
    details = await _changes(context).changeable(_id(cb), clerk.unit_id)
    business = TYPES[index]
    if cb.action == "qa":
        if not can_add(counts, business):
            await answer(update, t.over_limit(business, raw_minutes(counts)), alert=True)
            return END
        counts[business] = counts.get(business, 0) + 1
    else:
        if not counts.get(business):
            await answer(update, t.none_to_remove(business), alert=True)
            return END
        counts[business] -= 1
    return await _editor(update, context, details, {b: n for b, n in counts.items() if n})


async def _confirm_counts(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """确定 in the editor: before → after, and which filled applicants would be removed."""
    counts = _counts_from(cb)
    if counts is None:
        return await _refuse(update, context, texts.STALE_BUTTON)
    details = await _changes(context).changeable(_id(cb), clerk.unit_id)
    before = counts_of(details.items)
    if counts == before:
        await answer(update, t.COUNTS_UNCHANGED, alert=True)
        return END
    try:
        minutes = basket_minutes(counts)
    except DomainError as err:
        await answer(update, err.message, alert=True)
        return END
    removed = [t.item_title(i, before[i.business]) for i in items_to_remove(details.items, counts) if i.filled]
    added = sum(max(0, n - before.get(b, 0)) for b, n in counts.items())
    b = details.booking
    args = _counts_args(counts)
    await answer(update)
    await show(update, context, t.confirm_counts(b.code, before, b.minutes, counts, minutes, removed, added),
               keyboard([button(t.CONFIRM_LABEL, "my", "qdo", b.id, *args),
                         button(texts.BACK, "my", "qe", b.id, *args)]))
    return END


async def _do_counts(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """Save the new counts (capacity of the difference checked atomically)."""
    counts = _counts_from(cb)
    if counts is None:
        return await _refuse(update, context, texts.STALE_BUTTON)
    booking_id = _id(cb)
    try:
        changed = await _changes(context).change_counts(booking_id, unit_id=clerk.unit_id, user_id=clerk.user_id,
                                                        counts=counts)
    except ChangeNotAllowed as err:
        return await _refuse(update, context, err.message)
    except DomainError as err:
        await answer(update)
        await show(update, context, err.message, keyboard(
            [button(texts.BACK, "my", "qe", booking_id, *_counts_args(counts))], _list_row()))
        return END
    b = changed.booking
    incomplete = b.state is BookingState.INCOMPLETE
    rows: list[Any] = [button(t.APPLICANTS_LABEL, "ap", "list", b.id)] if incomplete else []
    await answer(update)
    await show(update, context, t.counts_changed(b.code, changed.after, b.minutes, incomplete),
               keyboard(*rows, _list_row()))
    await refresh_receipt(context, b.id)
    await _minutes_freed(context, changed.freed)
    return END


# ---------------------------------------------------------------- 改约


async def _show_move(update: Update, context: BotContext, clerk: Clerk, booking_id: int, prefix: str = "") -> int:
    details, options = await _changes(context).move_options(booking_id, clerk.unit_id)
    b = details.booking
    spec = context.deps.bookings.session(b.session)
    by_day: dict[Any, list[Any]] = {}
    for o in options:
        if o.status is MoveStatus.FREE:
            by_day.setdefault(o.cell.day, []).append(
                button(t.move_button(o, b.minutes), "my", "pick", b.id, o.cell.day, o.cell.session.key))
    rows: list[Any] = list(by_day.values())
    rows.append(button(texts.BACK, "my", "card", b.id))
    await answer(update)
    await show(update, context, prefix + t.move_options(b, spec, options), keyboard(*rows))
    return END


async def _move(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """改约: the bookable window where this booking's minutes fit."""
    return await _show_move(update, context, clerk, _id(cb))


async def _pick(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """A new date and session was picked: confirm."""
    day, session = cb.date_arg(1), cb.args[2] if len(cb.args) > 2 else ""
    spec = context.deps.bookings.session(session)
    if day is None or spec is None:
        return await _refuse(update, context, texts.STALE_BUTTON)
    details = await _changes(context).changeable(_id(cb), clerk.unit_id)
    b = details.booking
    await answer(update)
    await show(update, context, t.confirm_move(b, context.deps.bookings.session(b.session), day, spec, session),
               keyboard([button(t.CONFIRM_LABEL, "my", "movedo", b.id, day, session, details.revision),
                         button(texts.BACK, "my", "move", b.id)]))
    return END


async def _do_move(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """Move atomically; if the slot is gone the old booking stays and fresh availability is shown."""
    day, session = cb.date_arg(1), cb.args[2] if len(cb.args) > 2 else ""
    if day is None or not session:
        return await _refuse(update, context, texts.STALE_BUTTON)
    booking_id = _id(cb)
    try:
        booking, freed = await context.deps.bookings.reschedule(
            booking_id, unit_id=clerk.unit_id, user_id=clerk.user_id, day=day, session=session,
            shown=_shown(cb, 3))
    except ChangeNotAllowed as err:
        return await _refuse(update, context, err.message)
    except DomainError as err:
        return await _show_move(update, context, clerk, booking_id, prefix=t.move_failed(err.message))
    await best_effort(answer(update))
    await best_effort(show(update, context, t.moved(booking, context.deps.bookings.session(booking.session)),
                           keyboard(_list_row())))
    # Written with the move: the receipt's edit and the calendar file that updates the
    # clerk's entry by itself (same UID, higher SEQUENCE).
    await courier_of(context.application).deliver_booking(booking.id)
    await _minutes_freed(context, freed)
    return END


async def _ics(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """新的日历文件: the .ics of an active booking as it is now (after 改约)."""
    details = await context.deps.bookings.details(_id(cb), unit_id=clerk.unit_id)
    if not details.booking.state.is_active:
        return await _refuse(update, context, texts.BOOKING_NOT_ACTIVE)
    await answer(update)
    chat = update.effective_chat
    assert chat is not None
    await send_calendar(context, chat.id, details, booking_texts.ICS_MOVED_CAPTION)
    return END
    return END


async def _qr(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """签到码: the receipt's check-in QR code again, to show at the counter."""
    details = await context.deps.bookings.details(_id(cb), unit_id=clerk.unit_id)
    if not details.booking.state.is_active:
        return await _refuse(update, context, texts.BOOKING_NOT_ACTIVE)
    await answer(update)
    chat = update.effective_chat
    assert chat is not None
    await send_checkin_code(context, chat.id, details)
    return END


# ---------------------------------------------------------------- 取消预约


async def _cancel(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """取消预约: ask for confirmation."""
    details = await _changes(context).changeable(_id(cb), clerk.unit_id)
    b = details.booking
    await answer(update)
    await show(update, context, t.confirm_cancel(b, context.deps.bookings.session(b.session)),
               keyboard([button(t.CONFIRM_CANCEL_LABEL, "my", "canceldo", b.id, details.revision),
                         button(texts.BACK, "my", "card", b.id)]))
    return END


async def _do_cancel(update: Update, context: BotContext, clerk: Clerk, cb: Callback) -> int:
    """确认取消: cancel (re-checked in the transaction); minutes go back to the pool."""
    booking, freed = await context.deps.bookings.cancel(_id(cb), unit_id=clerk.unit_id, user_id=clerk.user_id,
                                                        shown=_shown(cb, 1))
    await best_effort(answer(update))
    await best_effort(show(update, context, t.cancelled(booking.code),
                           keyboard([button(t.BOOK_LABEL, "m", "book")], _list_row())))
    # Written with the cancel: the receipt's edit and the calendar file that removes the entry.
    await courier_of(context.application).deliver_booking(booking.id)
    await _minutes_freed(context, freed)
    return END


# ---------------------------------------------------------------- routing


def _id(cb: Callback) -> int:
    """The booking id of a press; 0 (found nowhere) when forged."""
    return cb.int_arg(0) or 0


def _shown(cb: Callback, index: int) -> int:
    """The booking revision a confirmation page showed (-1, matching none, when missing or forged)."""
    found = cb.int_arg(index)
    return found if found is not None else -1


ACTIONS = {
    "card": _show_card,
    "edit": _edit_menu,
    "contact": _contact,
    "keepname": _keep_name,
    "qty": _qty,
    "qe": _qty,
    "qa": _step,
    "qs": _step,
    "qok": _confirm_counts,
    "qdo": _do_counts,
    "move": _move,
    "pick": _pick,
    "movedo": _do_move,
    "cancel": _cancel,
    "canceldo": _do_cancel,
    "ics": _ics,
    "qr": _qr,
}


async def on_button(update: Update, context: BotContext) -> int:
    """Any my:* press: who is asking, then the action; a refusal says why."""
    query = update.callback_query
    cb = unpack(query.data if query else None)
    action = ACTIONS.get(cb.action) if cb is not None else None
    if cb is None or action is None:
        await answer(update, texts.STALE_BUTTON, alert=True)
        return END
    if cb.action not in ("contact", "keepname"):
        DRAFT.pop(context)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        return await action(update, context, clerk, cb)
    except DomainError as err:
        return await _refuse(update, context, err.message)


def register(application: App) -> None:
    """The 我的预约 conversation: /my, the menu button and every my:* button."""
    application.add_handler(
        conversation(
            application,
            "my_bookings",
            entry_points=[
                CommandHandler("my", my_bookings),
                CallbackQueryHandler(my_bookings, pattern=pattern("m", "my")),
                CallbackQueryHandler(on_button, pattern=pattern("my")),
            ],
            states={
                CONTACT_NAME: text_step(got_contact_name),
                CONTACT_PHONE: text_step(got_contact_phone),
            },
        )
    )
