"""Filling in the applicant of each booked item (SPEC §5 step 6, §6, §12).

    ap:list ──► list panel (one button per item: 新办 1/1, ✅ 续办 1/2 …)   [no state]
                   │ ap:item                        ▲ 返回 / saved
                   ▼                                │
    (empty item) ASKING name ─► ID_TYPE ─► ASKING id_number ─► phone
                 ─► [permit_number] ─► [change_description] ─► REVIEW ─ 确认保存 ─┘
    (saved item) ──────────────────────────────────────────────► REVIEW
                 REVIEW ─ 修改… ─► that field (证件: type, then number) ─► REVIEW
    ap:fixed (「已更正，请复核」, on the list panel or a saved item's review; SPEC §8)
                 ─► staff told (with a button to the booking) ─► list panel
    「返回」 goes one step back: to the previous question (the first: the list); from
    the review of an applicant being entered to its last question, answers kept; from
    the review of a saved applicant to the list.

The list panel is outside the conversation: its buttons are entry points, so they
work from any old message and are re-checked against the database each time
(ownership, booking still active, change deadline). The applicant being entered
is one ``ApplicantDraft`` in ``user_data["draft_applicant"]``; it names the field
being asked, so after a restart the next answer continues at the same question.
Typed answers are validated by ``bot.rules.applicant``; a wrong one gets its own
message and the same question (``flow.reask``) and loses nothing entered. Only
``确认保存`` writes to the database (``ApplicantService.save_item``), and the
receipt is refreshed after every save. Identity and phone numbers are shown
masked and never logged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field
from telegram import InlineKeyboardButton, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot import texts
from bot.callbacks import Callback, pattern, unpack
from bot.delivery.outbox import courier_of
from bot.deps import BotContext
from bot.errors import DomainError, DuplicatePerson, InvalidInput
from bot.handlers.common import END, answer, button, current_clerk, keyboard, send, show
from bot.handlers.flow import ask, conversation, reask, text_of, text_step
from bot.handlers.receipt import refresh_receipt
from bot.persistence import persisted_model
from bot.read_models import ApplicantPanel
from bot.rules.applicant import (
    Applicant,
    IdType,
    parse_change_description,
    parse_id_number,
    parse_mobile,
    parse_name,
    parse_permit_number,
    required_fields,
)
from bot.rules.basket import BusinessType
from bot.rules.freeze import MismatchState
from bot.services.applicants import ApplicantService
from bot.texts import applicants as t
from bot.texts import mismatch as mismatch_texts
from bot.user_data import Slot

ASKING, ID_TYPE, REVIEW = range(3)
REVIEW_STEP = "review"  # the 「返回」 of the review panel (ap:prev:<item id>:review)

App = Application[Any, Any, Any, Any, Any, Any]

# The typed fields and their validators; 证件号码 depends on the chosen document type.
_PARSERS: dict[str, Callable[[str], str]] = {
    "name": parse_name,
    "phone": parse_mobile,
    "permit_number": parse_permit_number,
    "change_description": parse_change_description,
}


@persisted_model
class ApplicantDraft(BaseModel):
    """The applicant of one item being entered: answers so far and the question asked.

    ``id_type`` is a document type chosen but not yet paired with its number: the
    stored type changes only together with a number checked against it. The
    answers are kept out of ``repr()`` so that no log line can show them.
    """

    booking_id: int
    item_id: int
    business: BusinessType
    label: str
    fields: dict[str, str] = Field(default_factory=dict, repr=False)
    asking: str | None = None
    id_type: IdType | None = None
    fixing: bool = False
    saved: bool = False  # opened from a saved applicant: the review's 「返回」 goes to the list
    to_correct: bool = False  # its 材料不符 is pending: the review offers 「已更正，请复核」
    typed: list[str] = Field(default_factory=list)  # fields typed in this draft: shown in full (SPEC §6)


DRAFT = Slot("draft_applicant", ApplicantDraft)


def applicant_service(context: BotContext) -> ApplicantService:
    """The app's ApplicantService."""
    return context.deps.applicants


def _draft(context: BotContext) -> ApplicantDraft | None:
    return DRAFT.get(context)


def _keep(context: BotContext, draft: ApplicantDraft) -> ApplicantDraft:
    DRAFT.put(context, draft)
    return draft


def _drop(context: BotContext) -> None:
    DRAFT.pop(context)


def _pressed(update: Update) -> Callback | None:
    query = update.callback_query
    return unpack(query.data) if query is not None else None


def _pressed_draft(update: Update, context: BotContext, *, asking: str | None) -> ApplicantDraft | None:
    """The draft a press on a question or review belongs to, or None for an old message."""
    cb, draft = _pressed(update), _draft(context)
    if cb is None or draft is None or cb.int_arg(0) != draft.item_id or draft.asking != asking:
        return None
    return draft


async def _stale(update: Update) -> None:
    await answer(update, texts.STALE_BUTTON, alert=True)


async def _drop_buttons(update: Update) -> None:
    """Remove the keyboard of the pressed message (its question has been answered)."""
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):  # already without buttons, or gone: nothing to remove
            await query.edit_message_reply_markup(None)


# ---------------------------------------------------------------- list panel


def _panel_keyboard(panel: ApplicantPanel) -> Any:
    rows: list[list[InlineKeyboardButton]] = []
    if panel.changeable:
        buttons = [button(t.item_button_label(panel, i), "ap", "item", i.id) for i in panel.items]
        rows += [buttons[k : k + 2] for k in range(0, len(buttons), 2)]
    rows += [[button(t.correct_label(panel, i), "ap", "fixed", i.id)] for i in panel.to_correct]
    rows.append([button(t.BACK_LABEL, "ap", "done", panel.booking.id)])
    return keyboard(*rows)


async def _show_panel(update: Update, context: BotContext, panel: ApplicantPanel, *, note: str = "") -> None:
    """Show the list panel: a new message under the receipt, else in place of the pressed one."""
    spec = context.deps.bookings.session(panel.booking.session)
    text = t.panel_text(panel, spec, note=note, phone=context.deps.settings.bot_centre_phone)
    markup = _panel_keyboard(panel)
    query = update.callback_query
    on_receipt = (
        query is not None and query.message is not None
        and query.message.message_id == panel.booking.receipt_message_id
    )
    if on_receipt:
        await send(update, context, text, markup)
    else:
        await show(update, context, text, markup)


async def open_list(update: Update, context: BotContext) -> int | None:
    """Show a booking's items, one button each (ap:list:<booking id>)."""
    cb = _pressed(update)
    booking_id = cb.int_arg(0) if cb else None
    if booking_id is None:
        await _stale(update)
        return None
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        panel = await applicant_service(context).panel(booking_id, unit_id=clerk.unit_id)
    except DomainError as err:
        await answer(update, err.message, alert=True)
        return None
    await answer(update)
    _drop(context)
    await _show_panel(update, context, panel)
    return END


async def leave(update: Update, context: BotContext) -> int | None:
    """「返回」 on the list panel: close it, pointing to 我的预约 for later."""
    cb = _pressed(update)
    booking_id = cb.int_arg(0) if cb else None
    if booking_id is None:
        await _stale(update)
        return None
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        panel = await applicant_service(context).panel(booking_id, unit_id=clerk.unit_id)
    except DomainError as err:
        await answer(update, err.message, alert=True)
        return None
    await answer(update)
    _drop(context)
    deadline = "" if panel.problem else f"\n修改截止：{texts.fmt_instant(panel.deadline)}"
    await show(update, context, t.left_panel(panel.filled, len(panel.items), deadline),
               keyboard([button(t.MY_BOOKINGS_LABEL, "m", "my"), button(t.MAIN_MENU_LABEL, "m", "menu")]))
    return END


async def _back_to_list(update: Update, context: BotContext, booking_id: int, *, note: str = "") -> int:
    """Forget the draft and show the list panel again (or why it cannot be shown)."""
    _drop(context)
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        panel = await applicant_service(context).panel(booking_id, unit_id=clerk.unit_id)
    except DomainError as err:
        await show(update, context, err.message)
        return END
    await _show_panel(update, context, panel, note=note)
    return END


# ---------------------------------------------------------------- one item


async def open_item(update: Update, context: BotContext) -> int | None:
    """Start (or correct) one item's applicant (ap:item:<item id>)."""
    cb = _pressed(update)
    item_id = cb.int_arg(0) if cb else None
    if item_id is None:
        await _stale(update)
        return None
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        view = await applicant_service(context).open_item(item_id, unit_id=clerk.unit_id)
    except DomainError as err:
        await answer(update, err.message, alert=True)
        return None
    await answer(update)
    item = view.item
    draft = ApplicantDraft(
        booking_id=view.booking.id, item_id=item.id, business=item.business,
        label=t.item_label(item.business, item.ordinal, view.count),
    )
    if not item.filled:
        return await _ask(update, context, draft, required_fields(item.business)[0])
    saved = {
        "name": item.applicant_name, "id_type": item.id_type, "id_number": item.id_number,
        "phone": item.phone, "permit_number": item.permit_number,
        "change_description": item.change_description,
    }
    fields = {k: v for k, v in saved.items() if v is not None and k in required_fields(item.business)}
    to_correct = view.mismatch is not None and view.mismatch.state is MismatchState.PENDING
    return await _review(update, context, draft.model_copy(update={"fields": fields, "saved": True,
                                                                     "to_correct": to_correct}), edit=True)


def _following(draft: ApplicantDraft, answered: str) -> str | None:
    """The field asked after ``answered``; None: the review."""
    if answered == "id_type":
        return "id_number"
    if draft.fixing:
        return None
    order = required_fields(draft.business)
    index = order.index(answered) + 1
    return order[index] if index < len(order) else None


def _preceding(draft: ApplicantDraft, field: str) -> str | None:
    """The field 「返回」 goes back to from ``field``; None: the review or the list."""
    if field == "id_number":
        return "id_type"
    if draft.fixing:
        return None
    order = required_fields(draft.business)
    index = order.index(field)
    return order[index - 1] if index > 0 else None


async def _ask(update: Update, context: BotContext, draft: ApplicantDraft, field: str) -> int:
    """Ask one field of the draft's applicant (a new message, remembered for re-asking)."""
    if field == "id_number" and draft.id_type is None:
        known = draft.fields.get("id_type")
        if known is None:
            field = "id_type"
        else:
            draft = draft.model_copy(update={"id_type": IdType(known)})
    draft = _keep(context, draft.model_copy(update={"asking": field}))
    back = [button(t.BACK_LABEL, "ap", "prev", draft.item_id, field)]
    if field == "id_type":
        await ask(update, context, t.question(draft.label, field), _id_type_keyboard(draft, back))
        return ID_TYPE
    await ask(update, context, t.question(draft.label, field, draft.id_type), keyboard(back))
    return ASKING


def _id_type_keyboard(draft: ApplicantDraft, back: list[InlineKeyboardButton]) -> Any:
    return keyboard(*[button(kind.label, "ap", "idt", draft.item_id, kind.value) for kind in IdType], back)


async def got_answer(update: Update, context: BotContext) -> int | None:
    """Check the typed answer to the field being asked; then the next field or the review."""
    draft = _draft(context)
    if draft is None or draft.asking is None or draft.asking == "id_type":
        await send(update, context, t.DRAFT_GONE)
        return END
    field, text = draft.asking, text_of(update) or ""
    if field == "id_number" and draft.id_type is None:
        return await _ask(update, context, draft, "id_type")
    id_type = draft.id_type
    try:
        if field == "id_number":
            assert id_type is not None  # asked above when still missing
            value = parse_id_number(id_type, text, today=context.deps.clock.now().date())
            clerk = await current_clerk(update, context)
            if clerk is None:
                return END
            # The same person may not hold this business twice: said now, not four answers later.
            await applicant_service(context).check_person(draft.item_id, unit_id=clerk.unit_id, id_number=value)
        else:
            value = _PARSERS[field](text)
    except (InvalidInput, DuplicatePerson) as err:
        await reask(update, context, err.message)
        return None
    except DomainError as err:
        _drop(context)
        await send(update, context, err.message)
        return END
    fields = {**draft.fields, field: value}
    typed = sorted({*draft.typed, field, *(["id_type"] if field == "id_number" else [])})
    changes: dict[str, Any] = {"fields": fields, "typed": typed}
    if field == "id_number":
        assert id_type is not None
        fields["id_type"] = IdType(id_type).value
        changes["id_type"] = None
    draft = _keep(context, draft.model_copy(update=changes))
    following = _following(draft, field)
    if following is None:
        return await _review(update, context, draft, edit=False)
    return await _ask(update, context, draft, following)


async def chose_id_type(update: Update, context: BotContext) -> int | None:
    """A document type was pressed (ap:idt:<item id>:<type>): ask its number."""
    draft = _pressed_draft(update, context, asking="id_type")
    cb = _pressed(update)
    kind = next((k for k in IdType if cb is not None and cb.args[1:2] == (k.value,)), None)
    if draft is None or kind is None:
        await _stale(update)
        return None
    await answer(update)
    await show(update, context, t.id_type_chosen(draft.label, kind))
    return await _ask(update, context, draft.model_copy(update={"id_type": kind}), "id_number")


async def id_type_by_button(update: Update, context: BotContext) -> int | None:
    """Typed text where a document type is expected: the buttons again."""
    draft = _draft(context)
    if draft is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    back = [button(t.BACK_LABEL, "ap", "prev", draft.item_id, "id_type")]
    await send(update, context, f"{t.CHOOSE_BY_BUTTON}\n\n{t.question(draft.label, 'id_type')}",
               _id_type_keyboard(draft, back))
    return None


async def go_back(update: Update, context: BotContext) -> int | None:
    """「返回」 under a question or the review (ap:prev:<item id>:<field> / review): one step back.

    From the review of an applicant being entered that is the last question (every
    answer kept); from the review of a saved applicant, the list.
    """
    cb = _pressed(update)
    field = cb.args[1] if cb is not None and len(cb.args) > 1 else None
    draft = _pressed_draft(update, context, asking=None if field == REVIEW_STEP else field) if field else None
    if draft is None or field is None:
        await _stale(update)
        return None
    await answer(update)
    if field == REVIEW_STEP:
        if draft.saved:
            return await _back_to_list(update, context, draft.booking_id)
        await _drop_buttons(update)
        return await _ask(update, context, draft, required_fields(draft.business)[-1])
    await _drop_buttons(update)
    target = _preceding(draft, field)
    if target is not None:
        return await _ask(update, context, draft, target)
    if draft.fixing:
        return await _review(update, context, draft, edit=False)
    return await _back_to_list(update, context, draft.booking_id)


# ---------------------------------------------------------------- review and save


def _review_keyboard(draft: ApplicantDraft) -> Any:
    fixes = [button(t.FIX_LABELS[f], "ap", "fix", draft.item_id, f)
             for f in required_fields(draft.business) if f in t.FIX_LABELS]
    return keyboard(
        [button(t.SAVE_LABEL, "ap", "save", draft.item_id)],
        *[fixes[k : k + 2] for k in range(0, len(fixes), 2)],
        [button(mismatch_texts.CORRECTED_LABEL, "ap", "fixed", draft.item_id)] if draft.to_correct else None,
        [button(t.BACK_LABEL, "ap", "prev", draft.item_id, REVIEW_STEP)],
    )


async def _review(update: Update, context: BotContext, draft: ApplicantDraft, *, edit: bool,
                  problem: str = "") -> int:
    """Show every field (numbers masked) with 确认保存 and one 修改… per field."""
    draft = _keep(context, draft.model_copy(update={"asking": None, "id_type": None, "fixing": False}))
    text = t.review(draft.label, draft.fields, required_fields(draft.business), problem=problem,
                    in_full=set(draft.typed))
    if edit:
        await show(update, context, text, _review_keyboard(draft))
    else:
        await send(update, context, text, _review_keyboard(draft))
    return REVIEW


async def fix(update: Update, context: BotContext) -> int | None:
    """「修改…」 on the review (ap:fix:<item id>:<field>): ask just that field again."""
    draft = _pressed_draft(update, context, asking=None)
    cb = _pressed(update)
    field = cb.args[1] if cb is not None and len(cb.args) > 1 else None
    if draft is None or field not in t.FIX_LABELS or field not in required_fields(draft.business):
        await _stale(update)
        return None
    await answer(update)
    await _drop_buttons(update)
    return await _ask(update, context, draft.model_copy(update={"fixing": True}), field)


async def review_again(update: Update, context: BotContext) -> int | None:
    """A message while the review waits for a button: the review again."""
    draft = _draft(context)
    if draft is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    return await _review(update, context, draft, edit=False, problem=t.USE_BUTTONS)


async def save(update: Update, context: BotContext) -> int | None:
    """确认保存 (ap:save:<item id>): store the applicant, refresh the receipt, back to the list."""
    draft = _pressed_draft(update, context, asking=None)
    if draft is None:
        await _stale(update)
        return None
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        applicant = Applicant.for_business(draft.business, today=context.deps.clock.now().date(), **draft.fields)
        booking, completed = await applicant_service(context).save_item(
            draft.booking_id, draft.item_id, unit_id=clerk.unit_id, user_id=clerk.user_id, applicant=applicant,
        )
    except (DuplicatePerson, InvalidInput) as err:
        # The clerk can correct the applicant right here: the review stays.
        await answer(update)
        return await _review(update, context, draft, edit=True, problem=err.message)
    except DomainError as err:
        # Ended, past the deadline or no longer the unit's: the list panel says why.
        await answer(update, err.message, alert=True)
        return await _back_to_list(update, context, draft.booking_id)
    await answer(update, "已保存")
    _drop(context)
    await refresh_receipt(context, booking.id)
    return await _back_to_list(update, context, booking.id, note=t.saved_note(draft.label, completed))


# ---------------------------------------------------------------- 已更正，请复核 (SPEC §8)


async def corrected(update: Update, context: BotContext) -> int | None:
    """「已更正，请复核」 (ap:fixed:<item id>): record it, tell staff with a button to the booking."""
    cb = _pressed(update)
    item_id = cb.int_arg(0) if cb else None
    if item_id is None:
        await _stale(update)
        return None
    clerk = await current_clerk(update, context)
    if clerk is None:
        return END
    try:
        done = await context.deps.mismatches.correct(clerk.user_id, item_id)
    except DomainError as err:
        await answer(update, err.message, alert=True)
        return None
    await answer(update, "已通知中心复核")
    await courier_of(context.application).deliver_booking(done.booking.id)  # staff told with the correction
    note = mismatch_texts.corrected_ok(await context.deps.mismatches.deadline(done.booking))
    if _draft(context) is not None:
        await _drop_buttons(update)
        _drop(context)
    return await _back_to_list(update, context, done.booking.id, note=note)


def register(application: App) -> None:
    """The applicants conversation; its list panel buttons are the entry points."""
    anything = filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    application.add_handler(
        conversation(
            application,
            "applicants",
            entry_points=[
                CallbackQueryHandler(open_list, pattern=pattern("ap", "list")),
                CallbackQueryHandler(open_item, pattern=pattern("ap", "item")),
                CallbackQueryHandler(leave, pattern=pattern("ap", "done")),
                CallbackQueryHandler(corrected, pattern=pattern("ap", "fixed")),
            ],
            states={
                ASKING: [*text_step(got_answer), CallbackQueryHandler(go_back, pattern=pattern("ap", "prev"))],
                ID_TYPE: [
                    CallbackQueryHandler(chose_id_type, pattern=pattern("ap", "idt")),
                    CallbackQueryHandler(go_back, pattern=pattern("ap", "prev")),
                    MessageHandler(anything, id_type_by_button),
                ],
                REVIEW: [
                    CallbackQueryHandler(corrected, pattern=pattern("ap", "fixed")),
                    CallbackQueryHandler(save, pattern=pattern("ap", "save")),
                    CallbackQueryHandler(fix, pattern=pattern("ap", "fix")),
                    CallbackQueryHandler(go_back, pattern=pattern("ap", "prev")),
                    MessageHandler(anything, review_again),
                ],
            },
        )
    )
