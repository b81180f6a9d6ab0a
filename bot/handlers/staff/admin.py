"""/staffadmin (admins only): add and remove staff (SPEC §1, §11).

    /staffadmin ──► list ──「添加工作人员」──► STAFF_ID ──「选择联系人」(users_shared)──► list
                      │                               ├─ a forwarded message of theirs ──► list
                      │                               └─ typed "id [name]" ──► list
                      └──「移除 <name>」──► confirm ──「确认移除」──► list

The admin picks the person with Telegram's own user picker (``KeyboardButtonRequestUsers``,
answered by a ``users_shared`` message) or forwards one of their messages; typing the
numeric id still works for people whose forwards are hidden.

After each change the person's command menu is refreshed, so staff commands appear
only in staff members' chats. Removing someone also ends whatever staff flow they
were in, with its pending question and draft.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import (
    KeyboardButton,
    KeyboardButtonRequestUsers,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import pattern
from bot.deps import BotContext
from bot.errors import BadInput, DomainError
from bot.handlers.common import END, answer, button, keyboard, send, show
from bot.handlers.flow import (
    PROMPT,
    conversation,
    end_flows,
    reask,
    remember,
    text_of,
    text_step,
)
from bot.handlers.menus import refresh_staff_menu
from bot.handlers.staff.broadcast import DRAFT as BROADCAST_DRAFT
from bot.handlers.staff.common import admin_only
from bot.handlers.staff.console import (
    REVIEW_DRAFT,
    callback,
    console_row,
    draft,
    drop_draft,
    id_arg,
    leave_flows,
    service,
    set_draft,
    stale,
)
from bot.handlers.staff.console import staff_id as actor_id
from bot.handlers.staff.drafts import DRAFT, StaffAddDraft
from bot.handlers.staff.units import DRAFT as UNIT_DRAFT
from bot.texts import staff as t

App = Application[Any, Any, Any, Any, Any, Any]
STAFF_ID = 30
STAFF_DRAFTS = (DRAFT, REVIEW_DRAFT, BROADCAST_DRAFT, UNIT_DRAFT)  # user_data keys of the staff flows' drafts


async def show_staff(update: Update, context: BotContext, note: str = "") -> None:
    """The admins, the staff, and the add / remove buttons."""
    staff = await service(context).list_staff()
    rows: list[Any] = [button(t.ADD_STAFF, "st", "saadd")]
    rows += [button(t.remove_staff_label(name), "st", "sarm", user_id) for user_id, name in staff]
    rows.append(console_row())
    admins = await service(context).admin_names()
    await show(update, context, t.staff_list(admins, staff, note), keyboard(*rows))


@admin_only
async def staff_admin(update: Update, context: BotContext) -> None:
    """/staffadmin and st:sa: the staff list."""
    leave_flows(update, context)
    await answer(update)
    await show_staff(update, context)


PICK_REQUEST_ID = 1  # the request_id of the user picker's button (echoed in users_shared)


def picker_keyboard() -> ReplyKeyboardMarkup:
    """The reply keyboard under the question: Telegram's own user picker."""
    pick = KeyboardButton(t.PICK_STAFF, request_users=KeyboardButtonRequestUsers(
        PICK_REQUEST_ID, user_is_bot=False, max_quantity=1, request_name=True))
    return ReplyKeyboardMarkup([[pick]], resize_keyboard=True, one_time_keyboard=True,
                               input_field_placeholder=t.PICK_PLACEHOLDER)


@admin_only
async def add_begin(update: Update, context: BotContext) -> int:
    """「添加工作人员」: offer the user picker (or a forward, or the numeric id)."""
    leave_flows(update, context)
    await answer(update)
    set_draft(context, StaffAddDraft())
    remember(context, t.ASK_STAFF_ID)
    await send(update, context, t.ASK_STAFF_ID, picker_keyboard())
    return STAFF_ID


@admin_only
async def got_shared_user(update: Update, context: BotContext) -> int | None:
    """The picker answered (users_shared): add that person by their id and name."""
    shared = update.message.users_shared if update.message is not None else None
    if shared is None or shared.request_id != PICK_REQUEST_ID or not shared.users:
        await reask(update, context, t.PICK_AGAIN)
        return None
    person = shared.users[0]
    name = " ".join(p for p in (person.first_name, person.last_name) if p)
    return await _add(update, context, person.user_id, name)


@admin_only
async def got_forward(update: Update, context: BotContext) -> int | None:
    """A forwarded message: add its sender, unless their privacy settings hide who they are."""
    origin = update.message.forward_origin if update.message is not None else None
    if isinstance(origin, MessageOriginUser) and not origin.sender_user.is_bot:
        sender = origin.sender_user
        name = " ".join(p for p in (sender.first_name, sender.last_name) if p)
        return await _add(update, context, sender.id, name)
    await reask(update, context, t.FORWARD_HIDDEN)
    return None


def _parse_id(text: str) -> tuple[int, str] | None:
    """'123456789 张三' → (id, name); Telegram ids are ASCII digits (isdigit() also takes '²')."""
    head, _, name = text.strip().partition(" ")
    return (int(head), name.strip()) if re.fullmatch(r"[0-9]{1,16}", head) else None


@admin_only
async def got_staff_id(update: Update, context: BotContext) -> int | None:
    """'123456789 张三': add them and refresh their command menu."""
    if draft(context, StaffAddDraft) is None:
        await send(update, context, t.DRAFT_GONE)
        return END
    parsed = _parse_id(text_of(update) or "")
    if parsed is None:
        await reask(update, context, t.STAFF_ID_BAD)
        return None
    return await _add(update, context, *parsed)


async def _add(update: Update, context: BotContext, user_id: int, name: str) -> int | None:
    """Add them, take the picker away, refresh their command menu, show the list."""
    if draft(context, StaffAddDraft) is None:
        await send(update, context, t.DRAFT_GONE, ReplyKeyboardRemove())
        return END
    try:
        await service(context).add_staff(actor_id(update), user_id, name)
    except BadInput as err:
        await reask(update, context, err.message)
        return None
    except DomainError as err:
        drop_draft(context)
        await send(update, context, err.message, ReplyKeyboardRemove())
        await show_staff(update, context)
        return END
    drop_draft(context)
    await refresh_staff_menu(context.application, user_id)
    await send(update, context, t.staff_added(name), ReplyKeyboardRemove())
    await show_staff(update, context)
    return END


@admin_only
async def remove_asked(update: Update, context: BotContext) -> None:
    """「移除 …」: confirm first."""
    leave_flows(update, context)
    parsed = callback(update)
    user_id = parsed.int_arg(0) if parsed else None
    staff = dict(await service(context).list_staff())
    if user_id is None or user_id not in staff:
        await stale(update, t.NOT_STAFF)
        return
    await answer(update)
    await show(update, context, t.confirm_remove(staff[user_id]),
               keyboard([button(t.CONFIRM_REMOVE, "st", "sarmok", user_id), button(t.BACK, "st", "sa")]))


@admin_only
async def remove_confirmed(update: Update, context: BotContext) -> None:
    """「确认移除」: remove them and take the staff commands out of their menu."""
    try:
        user_id = id_arg(update)
        name = dict(await service(context).list_staff()).get(user_id, "")
        await service(context).remove_staff(actor_id(update), user_id)
    except DomainError as err:
        await stale(update, err.message)
        return
    await answer(update)
    _end_staff_flows(context, user_id)
    await refresh_staff_menu(context.application, user_id)
    await show_staff(update, context, t.staff_removed(name))


def _end_staff_flows(context: BotContext, user_id: int) -> None:
    """A removed staff member's flows end now: their next text is no staff answer."""
    application = context.application
    if not end_flows(application, user_id, user_id):
        return
    data = application.user_data[user_id]
    for key in (*STAFF_DRAFTS, PROMPT):
        data.pop(key, None)
    application.mark_data_for_update_persistence(user_ids=user_id)


def register(application: App) -> None:
    """/staffadmin, its conversation (typed id) and buttons."""
    application.add_handler(
        conversation(
            application,
            "staff_admin",
            entry_points=[CallbackQueryHandler(add_begin, pattern=pattern("st", "saadd"))],
            states={STAFF_ID: [
                MessageHandler(filters.StatusUpdate.USERS_SHARED, got_shared_user),
                MessageHandler(filters.UpdateType.MESSAGE & filters.FORWARDED, got_forward),
                *text_step(got_staff_id),
            ]},
        )
    )
    application.add_handler(CommandHandler("staffadmin", staff_admin))
    application.add_handler(CallbackQueryHandler(staff_admin, pattern=pattern("st", "sa")))
    application.add_handler(CallbackQueryHandler(remove_asked, pattern=pattern("st", "sarm")))
    application.add_handler(CallbackQueryHandler(remove_confirmed, pattern=pattern("st", "sarmok")))
