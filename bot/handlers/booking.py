"""The clerk's booking conversation (SPEC §5 steps 1–5, 有号提醒, the before-09:00 basket).

    /book, 业务预约 ──► guard: logged in; frozen / evaluation owed → refuse, END
        │                 (before 09:00 or on a holiday: no refusal, the clerk prepares)
        ▼
    NOTICE (full text, first time / changed) ──接受──► CONTACT ◄── (accepted: digest shown here)
    CONTACT ──使用以上信息──────────────────────────────► BASKET
        └──修改 / 填写──► NAME ──text──► PHONE ──text──► BASKET
    BASKET ──+ / −──► BASKET ──查询可预约信息──► SLOTS
    SLOTS ──可预约 cell──► CONFIRM ──确定──► 图5 prompt + receipt, END
        │ 已满 cell: popup         │ just filled up: SLOTS with fresh availability
        └ all full: 有号提醒 (wt:add) stores a watch, stays in SLOTS
    「返回」 in every state goes back one step; 「取消」 on the first panels ends the flow.

Button steps edit one panel message in place; a typed answer gets a new panel. The
draft (``BookingDraft`` in ``user_data["draft_booking"]``) survives a restart and is
written to the database only by ``BookingService.book`` at 确定. Every press is
re-checked against the draft and the database: the callback data says what the
clerk asked for, never what they may do.

``OPEN_DATA`` (bk:open) is the entry for the 09:00 release notice: it goes straight
to availability with the prepared basket (or starts the flow if there is none).
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.callbacks import pack, pattern, unpack
from bot.delivery.outbox import courier_of
from bot.deps import BotContext
from bot.errors import (
    AlreadyBookedThatDay,
    BasketError,
    BookingRefused,
    InvalidInput,
    SessionClosed,
    SessionFull,
    UnratedEvaluation,
    WatchNotNeeded,
)
from bot.handlers.common import (
    END,
    Clerk,
    answer,
    back_to_menu_row,
    best_effort,
    button,
    current_clerk,
    keyboard,
    main_menu_keyboard,
    send,
    show,
)
from bot.handlers.flow import (
    ask,
    conversation,
    end_flows,
    reask,
    remember,
    text_of,
    text_step,
)
from bot.notice import (
    ACCEPT_LABEL,
    FULL_TEXT_LABEL,
    NOTICE_TEXT,
    NOTICE_VERSION,
    digest,
)
from bot.persistence import persisted_model
from bot.processing import afterwards
from bot.read_models import Booking
from bot.rules.applicant import parse_mobile, parse_name
from bot.rules.basket import (
    MAX_MINUTES,
    BusinessType,
    basket_minutes,
    can_add,
    raw_minutes,
)
from bot.services.watch import request_watch
from bot.services.window import window_for
from bot.texts import booking as t
from bot.texts import counts as counts_texts
from bot.user_data import Slot

NOTICE, CONTACT, NAME, PHONE, BASKET, SLOTS, CONFIRM = range(7)
OPEN_DATA = pack("bk", "open")

App = Application[Any, Any, Any, Any, Any, Any]
View = tuple[str, InlineKeyboardMarkup | None]


@persisted_model
class BookingDraft(BaseModel):
    """What the clerk has chosen so far; nothing is held until 确定."""

    counts: dict[BusinessType, int] = Field(default_factory=dict)
    contact_name: str | None = None
    contact_phone: str | None = None
    day: date | None = None
    session: str | None = None
    # Names the confirmation dialogue on screen: its 「确定」 carries it, so a 「确定」
    # from an earlier dialogue never books what a later one holds (SPEC §12).
    dialogue: str | None = None

    @property
    def has_contact(self) -> bool:
        """Both contact fields are known."""
        return bool(self.contact_name and self.contact_phone)

    @property
    def minutes(self) -> int:
        """The basket's live total (0 when empty)."""
        return raw_minutes(self.counts)

    def forget_slot(self) -> None:
        """Drop the chosen date and session (availability is chosen afresh)."""
        self.day = self.session = self.dialogue = None

    def kept_after_idle(self) -> BookingDraft | None:
        """On idle timeout the prepared basket and contact stay; the slot choice goes."""
        if not self.counts:
            return None
        return self.model_copy(update={"day": None, "session": None, "dialogue": None})


DRAFT = Slot("draft_booking", BookingDraft)


def _draft(context: BotContext) -> BookingDraft:
    """The user's draft, created empty if there is none."""
    draft = DRAFT.get(context)
    if draft is None:
        draft = BookingDraft()
        DRAFT.put(context, draft)
    return draft


def _back(step: str) -> InlineKeyboardButton:
    return button(texts.BACK, "bk", "back", step)


def _args(update: Update) -> tuple[str, ...]:
    query = update.callback_query
    parsed = unpack(query.data if query is not None else None)
    return parsed.args if parsed is not None else ()


def _business(update: Update) -> BusinessType | None:
    args = _args(update)
    try:
        return BusinessType(args[0]) if args else None
    except ValueError:
        return None


# ---------------------------------------------------------------- guards and refusals


async def _refusal(context: BotContext, clerk: Clerk) -> View | None:
    """Why this clerk may not book, as a panel; None if they may go on.

    The opening hours are not a refusal here: before 09:00 and on a statutory
    holiday the clerk may prepare the basket and contact (SPEC §5); the
    availability step says when booking opens. A frozen unit or one that owes an
    evaluation is refused at any hour: preparing would be wasted effort.
    """
    try:
        await context.deps.bookings.check_unit_may_book(clerk.unit_id)
    except BookingRefused as err:
        return _refusal_view(err)
    return None


def _refusal_view(err: BookingRefused) -> View:
    """A refused unit's panel: what to do (rate the served booking), or back to the menu."""
    if isinstance(err, UnratedEvaluation):
        return err.message, keyboard(button(t.RATE_LABEL, "hs", "rate", err.booking_id), back_to_menu_row())
    return err.message, keyboard(back_to_menu_row())


# ---------------------------------------------------------------- panels


def _notice_needed(clerk: Clerk) -> bool:
    """Whether the clerk has yet to accept this notice: read from the cached clerk, which
    accepting it (a write to ``tg_users``) drops from the read cache."""
    return clerk.user.needs_notice(NOTICE_VERSION)


def _notice_view() -> View:
    return t.notice_full(True, NOTICE_TEXT), keyboard(
        button(ACCEPT_LABEL, "bk", "notice", "accept"), button(t.CANCEL_LABEL, "bk", "cancel")
    )


async def _contact_view(context: BotContext, clerk: Clerk) -> View:
    """The notice digest and the contact to confirm, pre-filled from the unit's last booking."""
    deps = context.deps
    draft = _draft(context)
    if not draft.has_contact:
        last = await deps.bookings.last_contact(clerk.unit_id)
        if last is not None:
            draft.contact_name, draft.contact_phone = last
    is_open, why = await deps.bookings.opening_state()
    text = t.contact_panel(digest(), draft.contact_name, draft.contact_phone, None if is_open else why)
    # The panel invites typing the contact: a sticker or photo gets the name question.
    remember(context, t.ASK_CONTACT_NAME, keyboard(_back("contact")))
    if draft.has_contact:
        first_row = [button(t.KEEP_CONTACT_LABEL, "bk", "contact", "keep"),
                     button(t.EDIT_CONTACT_LABEL, "bk", "contact", "edit")]
    else:
        first_row = [button(t.FILL_CONTACT_LABEL, "bk", "contact", "edit")]
    return text, keyboard(first_row, button(FULL_TEXT_LABEL, "bk", "notice", "full"),
                          button(t.CANCEL_LABEL, "bk", "cancel"))


def _basket_view(draft: BookingDraft) -> View:
    """Names and counts in the text; per type 「－ 新办」「＋ 新办」; 查询 and 返回 (as in 改数量)."""
    rows: list[list[InlineKeyboardButton] | InlineKeyboardButton] = [
        [button(counts_texts.minus_label(b), "bk", "sub", b.value),
         button(counts_texts.plus_label(b), "bk", "add", b.value)]
        for b in BusinessType
    ]
    rows += [button(t.QUERY_LABEL, "bk", "query"), _back("contact")]
    return t.basket_panel(draft.counts, draft.minutes, MAX_MINUTES), keyboard(*rows)


async def _slots_view(context: BotContext, clerk: Clerk, note: str = "") -> tuple[View, int]:
    """Availability of the window for the draft's basket, and the state it leaves the flow in.

    Closed hours keep the draft and say when booking opens; a refusal (frozen,
    evaluation owed) ends the flow.
    """
    deps = context.deps
    draft = _draft(context)
    draft.forget_slot()
    is_open, why = await deps.bookings.opening_state()
    if not is_open:
        markup = keyboard(button(t.QUERY_LABEL, "bk", "query"), _back("basket"))
        return (t.closed_panel(note, why), markup), SLOTS
    try:
        window = await window_for(deps.bookings, clerk.unit_id)  # the unit checked in the same snapshot
    except BookingRefused as err:
        return _refusal_view(err), END
    minutes = draft.minutes
    rows: list[list[InlineKeyboardButton] | InlineKeyboardButton] = []
    for wday in window.days:
        if wday.held_code is not None:
            rows.append(button(t.held_label(wday.day), "bk", "held", wday.day))
        elif wday.closed_reason is None:
            rows.append([button(t.slot_label(cell, minutes, len(wday.cells)), "bk", "slot", cell.day,
                                cell.session.key) for cell in wday.cells])
    table = window.cells
    any_free = any(cell.fits(minutes) for cell in table)
    if table and not any_free:
        days = list(dict.fromkeys(cell.day for cell in table))
        rows += [button(t.watch_label(day), "wt", "add", day) for day in days]
    rows += [[button(t.REFRESH_LABEL, "bk", "query"), _back("basket")]]
    text = t.availability_panel(draft.counts, minutes, window, note=note, any_free=any_free,
                                any_dates=bool(table))
    return (text, keyboard(*rows)), SLOTS


def _confirm_view(context: BotContext, draft: BookingDraft) -> View:
    assert draft.day is not None and draft.session is not None
    assert draft.contact_name is not None and draft.contact_phone is not None
    spec = context.deps.bookings.session(draft.session)
    text = t.confirm_panel(draft.day, spec, draft.session, draft.counts, draft.minutes,
                           draft.contact_name, draft.contact_phone)
    assert draft.dialogue is not None
    return text, keyboard([button(t.CONFIRM_LABEL, "bk", "confirm", draft.dialogue), _back("slots")])


async def _show(update: Update, context: BotContext, view: View) -> None:
    await show(update, context, view[0], view[1])


async def _to_slots(update: Update, context: BotContext, clerk: Clerk, note: str = "") -> int:
    view, state = await _slots_view(context, clerk, note)
    await _show(update, context, view)
    return state


async def _to_contact(update: Update, context: BotContext, clerk: Clerk) -> int:
    await _show(update, context, await _contact_view(context, clerk))
    return CONTACT


async def _to_basket(update: Update, context: BotContext) -> int:
    await _show(update, context, _basket_view(_draft(context)))
    return BASKET


async def _ask_in_panel(update: Update, context: BotContext, prompt: str, step: str) -> None:
    """Ask a free-text question by editing the pressed panel (remembered for re-asking)."""
    markup = keyboard(_back(step))
    remember(context, prompt, markup)
    await show(update, context, prompt, markup)


# ---------------------------------------------------------------- entry


async def _start(context: BotContext, clerk: Clerk) -> tuple[View, int]:
    """The first panel: a refusal, the notice (first time or changed) or the contact panel."""
    refused = await _refusal(context, clerk)
    if refused is not None:
        return refused, END
    _draft(context).forget_slot()
    if _notice_needed(clerk):
        return _notice_view(), NOTICE
    return await _contact_view(context, clerk), CONTACT


async def begin(update: Update, context: BotContext) -> int:
    """Check the clerk may book, then show the notice (first time) or the contact panel."""
    await answer(update)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    view, state = await _start(context, clerk)
    await _show(update, context, view)
    return state


async def open_prepared(update: Update, context: BotContext) -> int:
    """From the 09:00 release notice: availability for the prepared basket, as a new panel.

    Without a prepared basket and contact the flow starts from its first panel.
    """
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    # A button outside the main menu starts this flow: leave any other flow first.
    end_flows(context.application, user.id, chat.id)
    await answer(update)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    draft = _draft(context)
    if draft.has_contact and draft.minutes > 0 and not _notice_needed(clerk):
        view, state = await _slots_view(context, clerk)
    else:
        view, state = await _start(context, clerk)
    await send(update, context, *view)
    return state


# ---------------------------------------------------------------- notice and contact


async def accept_notice(update: Update, context: BotContext) -> int:
    """Record that the clerk accepted this version of the notice; go on to the contact."""
    await answer(update)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    await context.deps.users.accept_notice(clerk.user_id, NOTICE_VERSION)
    return await _to_contact(update, context, clerk)


async def full_notice(update: Update, context: BotContext) -> int:
    """Show the whole notice, with a way back to the contact panel."""
    await answer(update)
    await show(update, context, t.notice_full(False, NOTICE_TEXT), keyboard(_back("contact")))
    return CONTACT


async def cancel_booking(update: Update, context: BotContext) -> int:
    """「取消」 on the first panels: drop the draft, back to the main menu."""
    await answer(update)
    DRAFT.pop(context)
    await show(update, context, t.BOOKING_CANCELLED, main_menu_keyboard())
    return END


async def keep_contact(update: Update, context: BotContext) -> int:
    """Use the shown contact; on to the business counts."""
    await answer(update)
    if not _draft(context).has_contact:
        return await edit_contact(update, context, answered=True)
    return await _to_basket(update, context)


async def edit_contact(update: Update, context: BotContext, *, answered: bool = False) -> int:
    """Ask the contact's name."""
    if not answered:
        await answer(update)
    await _ask_in_panel(update, context, t.ASK_CONTACT_NAME, "contact")
    return NAME


async def typed_contact(update: Update, context: BotContext) -> int | None:
    """Text typed at the contact panel (it invites typing): the name, or 「姓名 手机号」 at once."""
    remember(context, t.ASK_CONTACT_NAME, keyboard(_back("contact")))
    parts = (text_of(update) or "").rsplit(maxsplit=1)
    if len(parts) == 2:
        try:
            name, phone = parse_name(parts[0]), parse_mobile(parts[1])
        except InvalidInput:
            pass
        else:
            draft = _draft(context)
            draft.contact_name, draft.contact_phone = name, phone
            await send(update, context, *_basket_view(draft))
            return BASKET
    return await got_name(update, context) or NAME


async def got_name(update: Update, context: BotContext) -> int | None:
    """Keep a valid name; ask the phone."""
    try:
        name = parse_name(text_of(update) or "")
    except InvalidInput as err:
        await reask(update, context, err.message)
        return None
    _draft(context).contact_name = name
    await ask(update, context, t.ASK_CONTACT_PHONE, keyboard(_back("name")))
    return PHONE


async def got_phone(update: Update, context: BotContext) -> int | None:
    """Keep a valid mobile number; show the business counts as a new panel."""
    try:
        phone = parse_mobile(text_of(update) or "")
    except InvalidInput as err:
        await reask(update, context, err.message)
        return None
    draft = _draft(context)
    draft.contact_phone = phone
    await send(update, context, *_basket_view(draft))
    return BASKET


# ---------------------------------------------------------------- basket


async def add_item(update: Update, context: BotContext) -> int | None:
    """One more item of a type, unless it would pass 60 minutes (popup, nothing changes)."""
    business = _business(update)
    if business is None:
        await answer(update, texts.STALE_BUTTON, alert=True)
        return None
    draft = _draft(context)
    if not can_add(draft.counts, business):
        await answer(update, t.over_cap(business, draft.minutes, MAX_MINUTES), alert=True)
        return None
    await answer(update)
    draft.counts[business] = draft.counts.get(business, 0) + 1
    await _show(update, context, _basket_view(draft))
    return None


async def sub_item(update: Update, context: BotContext) -> int | None:
    """One item fewer of a type (not below 0)."""
    business = _business(update)
    draft = _draft(context)
    if business is None:
        await answer(update, texts.STALE_BUTTON, alert=True)
        return None
    if draft.counts.get(business, 0) <= 0:
        await answer(update, t.COUNT_ZERO)
        return None
    await answer(update)
    draft.counts[business] -= 1
    if not draft.counts[business]:
        del draft.counts[business]
    await _show(update, context, _basket_view(draft))
    return None


async def held_date(update: Update, context: BotContext) -> int | None:
    """A date the unit already holds (本单位已约): say so; the panel stays."""
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    day = parsed.date_arg(0) if parsed else None
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    held = await context.deps.bookings.held_on(clerk.unit_id, day) if day else None
    if held is None:
        await answer(update)
        return await _to_slots(update, context, clerk)
    await answer(update, texts.already_booked(held.date, held.code), alert=True)
    return None


async def query(update: Update, context: BotContext) -> int | None:
    """「查询可预约信息」: the window × sessions for this basket (an empty basket: popup)."""
    draft = _draft(context)
    try:
        basket_minutes(draft.counts)
    except BasketError as err:
        await answer(update, t.EMPTY_BASKET if draft.minutes == 0 else err.message, alert=True)
        return None
    await answer(update)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    if not draft.has_contact:
        return await _to_contact(update, context, clerk)
    return await _to_slots(update, context, clerk)


# ---------------------------------------------------------------- availability and confirmation


async def choose_slot(update: Update, context: BotContext) -> int | None:
    """A cell: re-checked against the window now; 已满 cells answer with a popup."""
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    day = parsed.date_arg(0) if parsed else None
    session = parsed.args[1] if parsed and len(parsed.args) > 1 else ""
    draft = _draft(context)
    if draft.minutes == 0:
        await answer(update)
        return await _to_basket(update, context)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    deps = context.deps
    is_open, _ = await deps.bookings.opening_state()
    table = await deps.bookings.availability() if is_open else []
    cells = [c for c in table if c.day == day]
    if is_open and not cells:
        await answer(update, texts.DATE_NOT_BOOKABLE, alert=True)
        return await _to_slots(update, context, clerk, texts.DATE_NOT_BOOKABLE)
    cell = next((c for c in cells if c.session.key == session), None)
    if not is_open or cell is None:
        await answer(update, t.SLOT_NOT_FOUND if is_open else None, alert=is_open)
        return await _to_slots(update, context, clerk)
    if not cell.fits(draft.minutes):
        await answer(update, t.cell_refused(cell.closed), alert=True)
        return await _to_slots(update, context, clerk)
    await answer(update)
    if not draft.has_contact:
        return await _to_contact(update, context, clerk)
    draft.day, draft.session = cell.day, cell.session.key
    draft.dialogue = secrets.token_hex(4)  # a new confirmation dialogue
    await _show(update, context, _confirm_view(context, draft))
    return CONFIRM


async def confirm(update: Update, context: BotContext) -> int | None:
    """「确定」: hold the booking in one transaction (its receipt goes to the outbox with it);
    then the prompt (图5) and the receipt.

    Only the dialogue on screen books: a 「确定」 from an earlier confirmation page books
    nothing and says so. After the commit nothing that fails stops the receipt.
    """
    dialogue = next(iter(_args(update)), "")
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    draft = _draft(context)
    complete = draft.day is not None and draft.session is not None and draft.has_contact and draft.minutes > 0
    if not complete or dialogue != draft.dialogue:
        # Not the dialogue on screen: it may have booked already (its answer was lost);
        # the one on screen books below, and ``book`` itself tells if it already has.
        if await _booked_already(update, context, clerk, dialogue):
            return END
        if not complete:
            await answer(update, texts.STALE_BUTTON, alert=True)
            return None
        await answer(update, t.STALE_DIALOGUE, alert=True)
        await best_effort(show(update, context, t.STALE_DIALOGUE))
        return None
    assert draft.day is not None and draft.session is not None
    assert draft.contact_name is not None and draft.contact_phone is not None
    deps = context.deps
    try:
        booking = await deps.bookings.book(
            unit_id=clerk.unit_id, user_id=clerk.user_id, day=draft.day, session=draft.session,
            counts=draft.counts, contact_name=draft.contact_name, contact_phone=draft.contact_phone,
            dialogue=dialogue,
        )
    except BasketError as err:
        await answer(update, err.message, alert=True)
        return await _to_basket(update, context)
    except (SessionFull, SessionClosed) as err:
        await answer(update)
        return await _to_slots(update, context, clerk, err.message)
    except UnratedEvaluation as err:
        await answer(update)
        await show(update, context, err.message,
                   keyboard(button(t.RATE_LABEL, "hs", "rate", err.booking_id), back_to_menu_row()))
        return END
    except AlreadyBookedThatDay as err:
        await answer(update)
        await show(update, context, err.message,
                   keyboard([_back("slots"), button(t.MY_BOOKINGS_LABEL, "m", "my")]))
        return CONFIRM
    except BookingRefused as err:
        await answer(update)
        await show(update, context, err.message, keyboard(_back("slots")))
        return CONFIRM
    DRAFT.pop(context)
    await _tell_booked(update, context, booking)
    return END


async def _booked_already(update: Update, context: BotContext, clerk: Clerk, dialogue: str) -> bool:
    """A 「确定」 whose dialogue already booked (the clerk never saw the answer): show that booking."""
    if not dialogue:
        return False
    booking = await context.deps.bookings.booked_in(clerk.user_id, dialogue)
    if booking is None:
        return False
    await _tell_booked(update, context, booking)
    return True


async def _tell_booked(update: Update, context: BotContext, booking: Booking) -> None:
    """The prompt in the panel (best effort); then, once the tap is answered, whatever of the
    receipt is still undelivered (``afterwards``: the clerk's next tap need not wait for it)."""
    await best_effort(answer(update))
    deadline = await context.deps.bookings.change_deadline_of(booking)
    await best_effort(show(update, context, t.booked_prompt(booking.code, deadline)))
    await afterwards(context.application, courier_of(context.application).deliver_booking(booking.id))


async def confirm_again(update: Update, context: BotContext) -> None:
    """A 「确定」 outside the dialogue (it ended with the booking): show the booking it made, or refuse."""
    clerk = await current_clerk(update, context)
    if clerk is None:
        return
    if not await _booked_already(update, context, clerk, next(iter(_args(update)), "")):
        await answer(update, texts.STALE_BUTTON, alert=True)


async def watch(update: Update, context: BotContext) -> int | None:
    """「有号提醒」 on a full date: store the request; the panel shows fresh availability."""
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    day = parsed.date_arg(0) if parsed else None
    draft = _draft(context)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    if day is None or draft.minutes == 0:
        await answer(update, texts.DATE_NOT_BOOKABLE, alert=True)
        return await _to_slots(update, context, clerk, texts.DATE_NOT_BOOKABLE)
    try:
        added = await request_watch(context.deps.bookings, user_id=clerk.user_id, unit_id=clerk.unit_id,
                                    day=day, minutes=draft.minutes)
    except (BookingRefused, WatchNotNeeded) as err:
        await answer(update, err.message, alert=True)
        return await _to_slots(update, context, clerk, err.message)
    note = t.watch_added(day) if added else t.WATCH_EXISTS
    await answer(update, note)
    return await _to_slots(update, context, clerk, note)


# ---------------------------------------------------------------- 返回


async def back(update: Update, context: BotContext) -> int | None:
    """「返回」: one step back, re-rendered from the draft."""
    await answer(update)
    step = next(iter(_args(update)), "")
    if step == "basket":
        return await _to_basket(update, context)
    if step == "name":
        await _ask_in_panel(update, context, t.ASK_CONTACT_NAME, "contact")
        return NAME
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    if step == "slots":
        return await _to_slots(update, context, clerk)
    return await _to_contact(update, context, clerk)


def _on(callback: Any, action: str, *steps: str) -> CallbackQueryHandler[Any, Any]:
    """A handler for bk:<action>[:<step>] (``steps`` limits which 返回 targets a state accepts)."""
    if steps:
        return CallbackQueryHandler(callback, pattern=rf"^bk:{action}:({'|'.join(steps)})\Z")
    return CallbackQueryHandler(callback, pattern=pattern("bk", action))


def register(application: App) -> None:
    """The booking conversation."""
    basket_buttons = [_on(add_item, "add"), _on(sub_item, "sub")]
    application.add_handler(
        conversation(
            application,
            "booking",
            entry_points=[
                CommandHandler("book", begin),
                CallbackQueryHandler(begin, pattern=pattern("m", "book")),
                CallbackQueryHandler(open_prepared, pattern=pattern("bk", "open")),
            ],
            states={
                NOTICE: [_on(accept_notice, "notice", "accept"), _on(cancel_booking, "cancel")],
                CONTACT: [
                    *text_step(typed_contact),
                    _on(keep_contact, "contact", "keep"),
                    _on(edit_contact, "contact", "edit"),
                    _on(full_notice, "notice", "full"),
                    _on(back, "back", "contact"),
                    _on(cancel_booking, "cancel"),
                ],
                NAME: [*text_step(got_name), _on(back, "back", "contact")],
                PHONE: [*text_step(got_phone), _on(back, "back", "name")],
                BASKET: [*basket_buttons, _on(query, "query"), _on(back, "back", "contact")],
                SLOTS: [
                    _on(choose_slot, "slot"),
                    _on(held_date, "held"),
                    _on(query, "query"),
                    CallbackQueryHandler(watch, pattern=pattern("wt", "add")),
                    _on(back, "back", "basket"),
                ],
                CONFIRM: [_on(confirm, "confirm"), _on(back, "back", "slots")],
            },
        )
    )
    application.add_handler(_on(confirm_again, "confirm"))
