"""The staff console: /staff, /schedule, /find, the booking view with review, outcome,
revoke and history, and the unit view (SPEC §8, §11).

    /schedule [date] ──► day view ──「前一天」「后一天」──► day view
                              └── booking button ──► booking view
    /find [text] ──(no text)──► FIND_TEXT ──text──► booking view | unit view | unit list
    booking view ──「通过」「材料不符」──► (clerks told) booking view
                 ──「不通过」──► FAIL_REASON ──text──► (clerks told) booking view
                 ──「已办理」「未到」──► (clerks told) booking view
                 ──「撤销预约」──► REVOKE_REASON ──text──► (clerks told) booking view
                 ──「历史记录」──► history

Every command and st: button is behind ``staff_only``. Opening a staff screen ends
whatever flow the staff member was in, so that a later typed text can never be
taken as the answer to an old question.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from datetime import date, timedelta
from functools import wraps
from typing import Any, TypeVar

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.callbacks import Callback, pattern, unpack
from bot.delivery.outbox import courier_of
from bot.deps import BotContext
from bot.errors import BadInput, DateInputError, DomainError
from bot.handlers import menus
from bot.handlers.common import END, answer, button, keyboard, send, show
from bot.handlers.flow import ask, conversation, end_flows, reask, remember, text_of, text_step
from bot.handlers.staff.common import staff_only
from bot.handlers.staff.drafts import DRAFT, RevokeDraft, StaffDraft
from bot.jobs.reminders import send_evaluation_request
from bot.persistence import persisted_model
from bot.read_models import Booking, BookingDetails, Freed, Item, NoShowOffer, ReviewResult, Unit, UnitView
from bot.rules.arrival import can_check_in
from bot.rules.freeze import MismatchState
from bot.rules.staff_dates import parse_date
from bot.rules.states import CAPACITY_STATES, allowed_events
from bot.services.roles import Role, role_of
from bot.services.staff import StaffService, check_reason, check_reviewable
from bot.texts import arrival as ta
from bot.texts import staff as t
from bot.user_data import Slot

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
R = TypeVar("R")
D = TypeVar("D", bound=BaseModel)
FIND_TEXT, REVIEW_REASON, REVOKE_REASON = range(3)
SCHEDULE_LIMIT = 40  # bookings listed (and given a button) per schedule message


# ---------------------------------------------------------------- shared by the staff modules


def service(context: BotContext) -> StaffService:
    """The staff use cases over the application's dependencies."""
    return context.deps.staff


def staff_id(update: Update) -> int:
    """The acting staff member's Telegram user id (the guard has checked the role)."""
    user = update.effective_user
    assert user is not None
    return user.id


def leave_flows(update: Update, context: BotContext) -> None:
    """A staff screen was opened: end any flow (and its pending question) of this user."""
    user, chat = update.effective_user, update.effective_chat
    if user is not None and chat is not None:
        end_flows(context.application, user.id, chat.id)
    DRAFT.pop(context)
    REVIEW_DRAFT.pop(context)


def screen(
    func: Callable[[Update, BotContext], Coroutine[Any, Any, R]],
) -> Callable[[Update, BotContext], Coroutine[Any, Any, R | int]]:
    """staff_only, and leave any other flow first (a staff screen is a flow entry)."""

    @wraps(func)
    async def wrapper(update: Update, context: BotContext) -> R:
        leave_flows(update, context)
        return await func(update, context)

    return staff_only(wrapper)


def callback(update: Update) -> Callback | None:
    """The pressed button's parsed data."""
    query = update.callback_query
    return unpack(query.data) if query is not None else None


def id_arg(update: Update, index: int = 0) -> int:
    """The pressed button's numeric argument; DomainError (stale) if it has none."""
    parsed = callback(update)
    value = parsed.int_arg(index) if parsed else None
    if value is None:
        raise DomainError(texts.STALE_BUTTON)
    return value


def draft(context: BotContext, expected: type[D]) -> D | None:
    """The pending question's subject, if it is the ``expected`` kind of question."""
    value = DRAFT.get(context)
    return value if isinstance(value, expected) else None


def set_draft(context: BotContext, subject: StaffDraft) -> None:
    """Remember what the next typed answer is about."""
    DRAFT.put(context, subject)


def drop_draft(context: BotContext) -> None:
    """The question was answered."""
    DRAFT.pop(context)


def args_text(context: BotContext) -> str:
    """The text after the command."""
    return " ".join(context.args or []).strip()


def console_row() -> list[InlineKeyboardButton]:
    """The row that leads back to the console menu."""
    return [button(t.CONSOLE, "st", "menu")]


async def stale(update: Update, message: str = texts.STALE_BUTTON) -> None:
    """A press whose arguments no longer make sense."""
    await answer(update, message, alert=True)


def date_page(render: Callable[[Update, BotContext, date], Awaitable[object]], doc: str
              ) -> Callable[[Update, BotContext], Coroutine[Any, Any, int | None]]:
    """A staff screen for buttons ``st:<action>:<YYYYMMDD>`` that renders that date."""

    async def page(update: Update, context: BotContext) -> None:
        parsed = callback(update)
        day = parsed.date_arg(0) if parsed else None
        if day is None:
            await stale(update)
            return
        await answer(update)
        await render(update, context, day)

    page.__doc__ = doc
    page.__name__ = f"{getattr(render, '__name__', 'page')}_button"
    return screen(page)


async def minutes_freed(context: BotContext, freed: Freed) -> None:
    """Minutes went back to a session: clerks waiting for 有号提醒 on that date are told."""
    try:
        from bot.jobs.watchers import on_minutes_freed
    except ImportError:  # the reminders capability is not installed
        return
    await on_minutes_freed(context.application, freed)


# ---------------------------------------------------------------- /staff


@screen
async def menu(update: Update, context: BotContext) -> None:
    """/staff: the console's commands and shortcuts."""
    await answer(update)
    role = await role_of(context.deps.db, context.deps.settings, staff_id(update))
    commands = [(c.command, c.description) for c in menus.STAFF_COMMANDS]
    if role is Role.ADMIN:
        commands += [(c.command, c.description) for c in menus.ADMIN_COMMANDS]
    svc = service(context)
    today = svc.today()
    first = svc.first_window_day(await context.deps.bookings.calendar())
    rows: list[Any] = [
        [button(t.TODAY_SCHEDULE, "st", "day", today), button(t.FIND, "st", "find")],
        [button(t.CAPACITY, "st", "cap", first), button(t.CALENDAR, "st", "cal", today)],
        [button(t.EXPORT_TODAY, "st", "exp", today), button(t.CHART, "st", "chart")],
        [button(t.UNITS, "st", "umenu"), button(t.BROADCAST, "st", "bnew")],
        [button(t.STATS, "st", "stats"), button(ta.CHECK_IN_BY_CODE, "st", "cin")],
    ]
    if role is Role.ADMIN:
        rows.append([button(t.STAFF_ADMIN, "st", "sa")])
    await show(update, context, t.console(commands), keyboard(*rows))


# ---------------------------------------------------------------- schedule


SCHEDULE_ROW = 5  # numbered booking buttons per row: short labels, nothing truncated


def schedule_keyboard(day: date, bookings: list[Booking],
                      offers: Iterable[NoShowOffer] = ()) -> InlineKeyboardMarkup:
    """Paging by date, the 未到 step of each ended session, and one numbered button per listed
    booking (the number in the text)."""
    rows: list[Any] = [[button(t.PREV_DAY, "st", "day", day - timedelta(days=1)),
                        button(t.NEXT_DAY, "st", "day", day + timedelta(days=1))]]
    rows += [[button(ta.no_show_offer_button(o.spec, len(o.bookings)), "st", "nso", day, o.spec.key)]
             for o in offers]
    buttons = [button(str(n), "st", "bk", b.id) for n, b in enumerate(bookings[:SCHEDULE_LIMIT], 1)]
    rows += [buttons[i:i + SCHEDULE_ROW] for i in range(0, len(buttons), SCHEDULE_ROW)]
    rows.append(console_row())
    return keyboard(*rows)


async def show_schedule(update: Update, context: BotContext, day: date) -> None:
    """Render a date's schedule (in place for a button, new for a command or a notification's button)."""
    s = await service(context).schedule(day)
    offers = await context.deps.arrivals.ended_sessions_with_absentees(day)
    await show(update, context, t.schedule(s, limit=SCHEDULE_LIMIT),
               schedule_keyboard(day, [e.booking for e in s.entries], offers))


@screen
async def schedule_command(update: Update, context: BotContext) -> None:
    """/schedule [YYYY-MM-DD]: a date's bookings by session (default today)."""
    svc = service(context)
    raw = args_text(context)
    try:
        day = parse_date(raw, svc.today()) if raw else svc.today()
    except DateInputError as err:
        await send(update, context, f"{err.message}\n{t.SCHEDULE_USAGE}")
        return
    await show_schedule(update, context, day)


schedule_button = date_page(show_schedule, "st:day:<YYYYMMDD>: page to a date.")


# ---------------------------------------------------------------- booking view


def booking_keyboard(d: BookingDetails, *, check_in: bool = False,
                     mismatches: Mapping[int, MismatchState] | None = None) -> InlineKeyboardMarkup:
    """Per item 「通过」「不通过」「材料不符」; 「签到」 on the day, outcome, revoke and history buttons."""
    b = d.booking
    counts: dict[str, int] = {}
    for item in d.items:
        counts[item.business.value] = counts.get(item.business.value, 0) + 1
    reviewable = b.state in CAPACITY_STATES
    rows: list[Any] = []
    for item in d.items:
        state = (mismatches or {}).get(item.id) if item.review == "mismatch" else None
        rows.append([button(t.item_label(item, counts[item.business.value], state), "st", "item", item.id)])
        if item.filled and reviewable:
            rows.append([button(t.PASS, "st", "rv", item.id, "pass"),
                         button(t.FAIL, "st", "rv", item.id, "fail"),
                         button(t.MISMATCH, "st", "rv", item.id, "mismatch")])
    events = allowed_events(b.state)
    outcome = [button(label, "st", "out", b.id, event)
               for label, event in ((t.SERVED, "serve"), (t.NO_SHOW, "no_show")) if event in events]
    rows.append([button(ta.CHECK_IN, "st", "ci", b.id), *outcome] if check_in else outcome or None)
    rows.append(button(t.REVOKE, "st", "rvk", b.id) if "revoke" in events else None)
    rows.append([button(t.HISTORY, "st", "hist", b.id), button(t.UNIT_INFO, "st", "unit", b.unit_id)])
    rows.append([button(t.DAY_SCHEDULE, "st", "day", b.date), *console_row()])
    return keyboard(*rows)


async def show_booking(update: Update, context: BotContext, booking_id: int, note: str = "") -> None:
    """Render the staff's booking view."""
    d = await context.deps.bookings.details(booking_id)
    spec = context.deps.bookings.session(d.booking.session)
    b = d.booking
    check_in = can_check_in(b.state, b.date, d.arrival.checked_in_at if d.arrival else None,
                            context.deps.clock.now().date())
    states = await service(context).mismatch_states(booking_id)
    await show(update, context, t.booking_view(d, spec, note, mismatches=states),
               booking_keyboard(d, check_in=check_in, mismatches=states))


@screen
async def booking_button(update: Update, context: BotContext) -> None:
    """st:bk:<id>: open a booking."""
    try:
        booking_id = id_arg(update)
        await service(context).booking(booking_id)
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    await show_booking(update, context, booking_id)


def item_keyboard(booking: Booking, item: Item, revealed: bool) -> InlineKeyboardMarkup:
    """「显示证件号」 (or 「隐藏证件号」), back to the booking, the console."""
    toggle = None
    if item.filled:
        toggle = button(t.HIDE_ID, "st", "item", item.id) if revealed else button(t.REVEAL_ID, "st", "idr", item.id)
    return keyboard(toggle, [button(t.BACK, "st", "bk", booking.id), *console_row()])


@screen
async def item_button(update: Update, context: BotContext) -> None:
    """st:item:<id>: one applicant's details (phone in full, identity numbers masked)."""
    try:
        item_id = id_arg(update)
        booking, item = await service(context).item(item_id)
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    await show(update, context, t.item_view(booking, item), item_keyboard(booking, item, revealed=False))


@screen
async def reveal_button(update: Update, context: BotContext) -> None:
    """st:idr:<id>: 「显示证件号」 — the identity numbers in full; the reveal is audited."""
    try:
        item_id = id_arg(update)
        booking, item = await service(context).reveal_id(staff_id(update), item_id)
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    await show(update, context, t.item_view(booking, item, revealed=True), item_keyboard(booking, item, revealed=True))


@screen
async def history_button(update: Update, context: BotContext) -> None:
    """st:hist:<id>: the booking's audit lines, in words, people by name."""
    try:
        booking_id = id_arg(update)
        h = await service(context).history(booking_id)
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    sessions = {spec.key: spec.label for spec in context.deps.bookings.sessions}
    await show(update, context, t.history(h.booking, h.entries, h.items, sessions=sessions, people=h.people),
               keyboard([button(t.BACK, "st", "bk", booking_id), *console_row()]))


# ---------------------------------------------------------------- unit view and /find


async def show_unit(update: Update, context: BotContext, unit_id: int, v: UnitView | None = None) -> None:
    """Render a unit: freeze, clerks, bookings (each with a button)."""
    v = v or await service(context).unit_view(unit_id)
    buttons = [button(f"{b.code} {b.state.label}", "st", "bk", b.id) for b in [*v.active, *v.recent]]
    labels = {spec.key: spec.label for spec in context.deps.bookings.sessions}
    await show(update, context, t.unit_view(v, labels), keyboard(*([b] for b in buttons), console_row()))


@screen
async def unit_button(update: Update, context: BotContext) -> None:
    """st:unit:<id>: open a unit."""
    try:
        unit_id = id_arg(update)
        view = await service(context).unit_view(unit_id)
    except DomainError as err:
        await stale(update, err.message)  # the press's one answer is the alert
        return
    await answer(update)
    await show_unit(update, context, unit_id, view)


async def _show_found(update: Update, context: BotContext, found: Booking | list[Unit]) -> bool:
    """Show what /find found; False if nothing."""
    if isinstance(found, Booking):
        await show_booking(update, context, found.id)
        return True
    if not found:
        return False
    if len(found) == 1:
        await show_unit(update, context, found[0].id)
        return True
    await show(update, context, t.units_found(len(found)),
               keyboard(*([button(f"{u.name}（{u.username}）", "st", "unit", u.id)] for u in found), console_row()))
    return True


@screen
async def find_begin(update: Update, context: BotContext) -> int:
    """/find <text>, or ask for the text."""
    await answer(update)
    text = args_text(context) if update.message is not None else ""
    if text:
        if await _show_found(update, context, await service(context).find(text)):
            return END
        await ask(update, context, t.FIND_NOTHING)
        return FIND_TEXT
    await ask(update, context, t.ASK_FIND)
    return FIND_TEXT


@staff_only
async def got_find_text(update: Update, context: BotContext) -> int | None:
    """Look the typed text up; nothing found asks again."""
    if await _show_found(update, context, await service(context).find(text_of(update) or "")):
        return END
    await reask(update, context, t.FIND_NOTHING)
    return None


# ---------------------------------------------------------------- review (SPEC §8)


@persisted_model
class ReviewDraft(BaseModel):
    """A 不通过 / 材料不符 being given: its item, result, the reason so far, and which
    confirmation message is the current one (``serial``: an older 「确认」 is refused)."""

    item_id: int
    result: str
    reason: str = ""
    serial: int = 0


REVIEW_DRAFT = Slot("draft_review", ReviewDraft)


def review_draft(context: BotContext) -> ReviewDraft | None:
    """The review whose reason is being given, if any."""
    return REVIEW_DRAFT.get(context)


def reason_keyboard(item_id: int, result: str) -> InlineKeyboardMarkup:
    """The quick reasons, two to a row, and 「返回」 to the booking (typing a reason also works)."""
    picks = [button(label, "st", "rvq", item_id, result, n) for n, label in enumerate(t.QUICK_REASONS[result])]
    return keyboard(*[picks[i:i + 2] for i in range(0, len(picks), 2)], [button(t.BACK, "st", "rvx", item_id)])


@screen
async def review_button(update: Update, context: BotContext) -> int:
    """st:rv:<item>:pass|fail|mismatch — 通过 at once; 不通过 and 材料不符 ask for a reason first."""
    parsed = callback(update)
    item_id = parsed.int_arg(0) if parsed else None
    result = parsed.args[1] if parsed and len(parsed.args) > 1 else ""
    svc = service(context)
    try:
        if item_id is None:
            raise DomainError(texts.STALE_BUTTON)
        booking, item = await svc.item(item_id)
        if result in t.QUICK_REASONS:
            check_reviewable(booking, item)  # before the reason is given, not after
            await answer(update)
            REVIEW_DRAFT.put(context, ReviewDraft(item_id=item.id, result=result))
            markup = reason_keyboard(item.id, result)
            remember(context, t.ask_review_reason(item, result), markup)
            await show(update, context, t.ask_review_reason(item, result), markup)
            return REVIEW_REASON
        outcome = await svc.review(staff_id(update), item_id, result)
    except DomainError as err:
        await stale(update, err.message)
        return END
    await answer(update)
    await _after_review(update, context, outcome)
    return END


async def _confirm_screen(update: Update, context: BotContext, pending: ReviewDraft, reason: str) -> int | None:
    """Check the reason and show the confirmation (a new serial: older ones go stale)."""
    try:
        reason = check_reason(reason)
        _, item = await service(context).item(pending.item_id)
    except BadInput as err:
        await reask(update, context, err.message)
        return None
    except DomainError as err:
        REVIEW_DRAFT.pop(context)
        await send(update, context, err.message)
        return END
    pending = pending.model_copy(update={"reason": reason, "serial": pending.serial + 1})
    REVIEW_DRAFT.put(context, pending)
    markup = keyboard([button(t.CONFIRM_REVIEW, "st", "rvok", pending.item_id, pending.serial),
                       button(t.CHANGE_REASON, "st", "rv", pending.item_id, pending.result)],
                      [button(t.BACK, "st", "rvx", pending.item_id)])
    await show(update, context, t.confirm_review(item, pending.result, reason), markup)
    return REVIEW_REASON


@staff_only
async def got_review_reason(update: Update, context: BotContext) -> int | None:
    """A typed reason: validated (≤200 chars, else asked again), then confirmed."""
    pending = review_draft(context)
    if pending is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    return await _confirm_screen(update, context, pending, text_of(update) or "")


@staff_only
async def quick_reason(update: Update, context: BotContext) -> int | None:
    """st:rvq:<item>:<result>:<n>: a quick reason, then the confirmation."""
    parsed = callback(update)
    pending = review_draft(context)
    index = parsed.int_arg(2) if parsed else None
    reasons = t.QUICK_REASONS.get(pending.result, ()) if pending else ()
    if (pending is None or parsed is None or parsed.int_arg(0) != pending.item_id
            or tuple(parsed.args[1:2]) != (pending.result,) or index is None or not 0 <= index < len(reasons)):
        await stale(update, t.REVIEW_DRAFT_GONE)
        return None
    await answer(update)
    return await _confirm_screen(update, context, pending, reasons[index])


@staff_only
async def confirm_review_button(update: Update, context: BotContext) -> int | None:
    """st:rvok:<item>:<serial>: save the review shown on this very message, tell the clerks."""
    parsed = callback(update)
    pending = review_draft(context)
    if (pending is None or parsed is None or parsed.int_arg(0) != pending.item_id
            or parsed.int_arg(1) != pending.serial or not pending.reason):
        await stale(update, t.REVIEW_DRAFT_GONE)
        return None
    try:
        outcome = await service(context).review(staff_id(update), pending.item_id, pending.result, pending.reason)
    except DomainError as err:
        REVIEW_DRAFT.pop(context)
        await stale(update, err.message)
        return END
    REVIEW_DRAFT.pop(context)
    await answer(update)
    await _after_review(update, context, outcome)
    return END


@screen
async def review_back(update: Update, context: BotContext) -> int:
    """st:rvx:<item>: leave the reason dialogue; nothing is saved, the booking is shown again."""
    try:
        _, item = await service(context).item(id_arg(update))
    except DomainError as err:
        await stale(update, err.message)
        return END
    await answer(update)
    await show_booking(update, context, item.booking_id)
    return END


async def _after_review(update: Update, context: BotContext, outcome: ReviewResult) -> None:
    """Tell every clerk of the unit, then show the booking again."""
    # The notices and the receipt's edit were written with the review: deliver them now.
    courier = courier_of(context.application)
    await courier.deliver_booking(outcome.booking.id)
    told = await courier.told(outcome.booking.id, outcome.clerk_ids)
    await show_booking(update, context, outcome.booking.id, t.reviewed(outcome.item, told))


# ---------------------------------------------------------------- outcome and revoke


@screen
async def outcome_button(update: Update, context: BotContext) -> None:
    """st:out:<id>:serve|no_show — 已办理 asks the clerks for their evaluation."""
    parsed = callback(update)
    booking_id = parsed.int_arg(0) if parsed else None
    event = parsed.args[1] if parsed and len(parsed.args) > 1 else ""
    try:
        if booking_id is None:
            raise DomainError(texts.STALE_BUTTON)
        change = await service(context).set_outcome(staff_id(update), booking_id, event)
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    b = change.booking
    courier = courier_of(context.application)
    await courier.deliver_booking(b.id)  # the receipt's edit (and a 未到 notice), written with the outcome
    if event == "serve":
        # Through the notifications log, so the next-day follow-up never repeats it.
        told = await send_evaluation_request(context.application, b.id)
    else:
        told = await courier.told(b.id, change.clerk_ids)
    await show_booking(update, context, b.id, t.outcome_done(b, told))


@screen
async def revoke_button(update: Update, context: BotContext) -> int:
    """st:rvk:<id>: ask why the booking is revoked."""
    try:
        booking_id = id_arg(update)
        booking = await service(context).booking(booking_id)
        if "revoke" not in allowed_events(booking.state):
            raise DomainError(texts.BOOKING_NOT_ACTIVE)
    except DomainError as err:
        await stale(update, err.message)
        return END
    await answer(update)
    set_draft(context, RevokeDraft(booking_id=booking.id))
    await ask(update, context, t.ask_revoke_reason(booking))
    return REVOKE_REASON


@staff_only
async def got_revoke_reason(update: Update, context: BotContext) -> int | None:
    """Revoke with the typed reason; the clerks are told and the minutes freed."""
    pending = draft(context, RevokeDraft)
    if pending is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    booking_id = pending.booking_id
    try:
        change = await service(context).revoke(staff_id(update), booking_id, text_of(update) or "")
    except DomainError as err:
        if isinstance(err, BadInput):
            await reask(update, context, err.message)
            return None
        drop_draft(context)
        await send(update, context, err.message)
        return END
    drop_draft(context)
    b = change.booking
    courier = courier_of(context.application)
    await courier.deliver_booking(b.id)  # the notices, written with the revocation
    await minutes_freed(context, Freed(b.date, b.session, b.minutes))
    await show_booking(update, context, b.id, t.revoked(b, await courier.told(b.id, change.clerk_ids)))
    return END


def _session_label(context: BotContext, booking: Booking) -> str:
    spec = context.deps.bookings.session(booking.session)
    return spec.label if spec else booking.session


# ---------------------------------------------------------------- registration


def register(application: App) -> None:
    """The console conversation (find, 不通过 reason, revoke reason) and its screens."""
    application.add_handler(
        conversation(
            application,
            "staff_console",
            entry_points=[
                CommandHandler("find", find_begin),
                CallbackQueryHandler(find_begin, pattern=pattern("st", "find")),
                CallbackQueryHandler(review_button, pattern=pattern("st", "rv")),
                CallbackQueryHandler(review_back, pattern=pattern("st", "rvx")),
                CallbackQueryHandler(revoke_button, pattern=pattern("st", "rvk")),
            ],
            states={
                FIND_TEXT: text_step(got_find_text),
                REVIEW_REASON: [
                    CallbackQueryHandler(quick_reason, pattern=pattern("st", "rvq")),
                    CallbackQueryHandler(confirm_review_button, pattern=pattern("st", "rvok")),
                    *text_step(got_review_reason),
                ],
                REVOKE_REASON: text_step(got_revoke_reason),
            },
        )
    )
    application.add_handler(CommandHandler("staff", menu))
    application.add_handler(CommandHandler("schedule", schedule_command))
    application.add_handler(CallbackQueryHandler(menu, pattern=pattern("st", "menu")))
    application.add_handler(CallbackQueryHandler(schedule_button, pattern=pattern("st", "day")))
    application.add_handler(CallbackQueryHandler(booking_button, pattern=pattern("st", "bk")))
    application.add_handler(CallbackQueryHandler(item_button, pattern=pattern("st", "item")))
    application.add_handler(CallbackQueryHandler(reveal_button, pattern=pattern("st", "idr")))
    application.add_handler(CallbackQueryHandler(history_button, pattern=pattern("st", "hist")))
    application.add_handler(CallbackQueryHandler(unit_button, pattern=pattern("st", "unit")))
    application.add_handler(CallbackQueryHandler(outcome_button, pattern=pattern("st", "out")))
