"""/units: create, import, find, rename unit accounts, reset passwords, unbind clerks (SPEC §9, §11).

    /units [text] ──► SEARCH ──text──► matching units (st:uview:<id>)
      新建单位 st:unew ──► NEW_USERNAME ──► NEW_NAME ──► END   one-time password shown once
      导入表格 st:uimp ──► IMPORT ──.csv|.xlsx──► END            generated passwords sent as a CSV file
                                     └ bad lines: listed by line number, nothing imported, IMPORT again
      unit card st:uview:<id> ──► SEARCH
        改名 st:uren:<id> ──► RENAME ──text──► card                     clerks are told the new name
        重置密码 st:ureset:<id> ──► 确认重置 st:uresetok:<id> ──► END    new one-time password shown once;
                                                                         every clerk unbound and told
        解绑经办人 st:uclerks:<id> ──► st:uunbind:<id>:<user> ──► list again   that clerk is told

Passwords appear only in the staff member's chat (once) and in the CSV file sent
back; they are never logged and never stored except as argon2 hashes. Every button
re-reads the unit from the database, so an old message acts on the current state.
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import pattern, unpack
from bot.deps import BotContext
from bot.errors import CsvImportError, DomainError, SheetUnreadable
from bot.exports import xlsx_as_csv
from bot.handlers.common import END, answer, button, keyboard, send, show
from bot.handlers.flow import (
    ask,
    conversation,
    discard_drafts,
    end_flows,
    reask,
    remember,
    text_of,
    text_step,
)
from bot.handlers.staff.common import actor, staff_only
from bot.handlers.staff.console import staff_id
from bot.jobs.ephemeral import forget_later, forget_now
from bot.keyboards import NO_PREVIEWS
from bot.persistence import persisted_model
from bot.read_models import TgUser, Unit
from bot.services.accounts import name_problem, username_problem
from bot.texts import STALE_BUTTON
from bot.texts.staff import units as t
from bot.user_data import Slot

log = logging.getLogger(__name__)

SEARCH, NEW_USERNAME, NEW_NAME, IMPORT, RENAME = range(5)
MAX_CSV_BYTES = 1_000_000
MAX_RESULTS = 10

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
App = Application[Any, Any, Any, Any, Any, Any]


@persisted_model
class UnitDraft(BaseModel):
    """A unit being created (its username) or renamed (its id)."""

    username: str | None = None
    unit_id: int | None = None


DRAFT = Slot("draft_unit", UnitDraft)

# ---------------------------------------------------------------- helpers


def _arg(update: Update, index: int = 0) -> int | None:
    parsed = unpack(update.callback_query.data if update.callback_query else None)
    return parsed.int_arg(index) if parsed is not None else None


def _menu_row() -> list[InlineKeyboardButton]:
    return [button(t.NEW_LABEL, "st", "unew"), button(t.IMPORT_LABEL, "st", "uimp")]


def _menu_keyboard() -> InlineKeyboardMarkup:
    return keyboard(_menu_row())


def _card_keyboard(unit: Unit, clerks: list[TgUser]) -> InlineKeyboardMarkup:
    return keyboard(
        [button(t.RENAME_LABEL, "st", "uren", unit.id), button(t.RESET_LABEL, "st", "ureset", unit.id)],
        button(t.clerks_button_label(len(clerks)), "st", "uclerks", unit.id) if clerks else None,
        button(t.BACK_TO_MENU_LABEL, "st", "umenu"),
    )


async def _show_card(update: Update, context: BotContext, unit_id: int) -> bool:
    found = await context.deps.accounts.unit_with_clerks(unit_id)
    if found is None:
        await answer(update, STALE_BUTTON, alert=True)
        return False
    await answer(update)
    unit, clerks = found
    await show(update, context, t.unit_card(unit, clerks), _card_keyboard(unit, clerks))
    return True


async def _tell(context: BotContext, user_ids: list[int], text: str) -> None:
    """Tell clerks something (outside any transaction); one who blocked the bot is skipped."""
    for user_id in user_ids:
        try:
            await context.bot.send_message(user_id, text, link_preview_options=NO_PREVIEWS)
        except TelegramError as err:
            log.info("could not tell Telegram user %s (%s)", user_id, type(err).__name__)


def _end_their_flows(context: BotContext, user_ids: list[int]) -> None:
    """Clerks who lost their binding: whatever they were doing ends, drafts are dropped."""
    application = context.application
    for user_id in user_ids:
        end_flows(application, user_id, user_id)
        discard_drafts(application.user_data[user_id])
        application.mark_data_for_update_persistence(user_ids=user_id)


def _passwords_csv(rows: list[tuple[str, str, str, bool]]) -> bytes:
    """username,name,password per imported unit; UTF-8 with BOM so that Excel shows Chinese."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["username", "name", "password"])
    for username, name, password, _ in rows:
        writer.writerow([username, name, password])
    return out.getvalue().encode("utf-8-sig")


def _decode(data: bytes) -> str | None:
    """CSV text: UTF-8 (with or without BOM), else GB18030 as Excel on Chinese Windows saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


# ---------------------------------------------------------------- menu and search


@staff_only
async def begin(update: Update, context: BotContext) -> int:
    """/units [text]: the menu, or straight to the search results."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    end_flows(context.application, user.id, chat.id)
    DRAFT.pop(context)
    query = " ".join(context.args or []).strip()
    if query:
        return await _show_results(update, context, query)
    await ask(update, context, t.MENU, _menu_keyboard())
    return SEARCH


@staff_only
async def menu(update: Update, context: BotContext) -> int:
    """返回: the menu again."""
    await answer(update)
    DRAFT.pop(context)
    remember(context, t.MENU)
    await show(update, context, t.MENU, _menu_keyboard())
    return SEARCH


@staff_only
async def search(update: Update, context: BotContext) -> int:
    """Typed text: the units whose username or name contains it."""
    return await _show_results(update, context, text_of(update) or "")


async def _show_results(update: Update, context: BotContext, query: str) -> int:
    units = await context.deps.accounts.search_units(query, MAX_RESULTS)
    rows: list[Any] = [button(t.unit_button(u), "st", "uview", u.id) for u in units]
    remember(context, t.MENU)
    await send(update, context, t.search_results(query, len(units)), keyboard(*rows, _menu_row()))
    return SEARCH


@staff_only
async def view(update: Update, context: BotContext) -> int | None:
    """A unit's card."""
    unit_id = _arg(update)
    if unit_id is None:
        await answer(update, STALE_BUTTON, alert=True)
        return None
    return SEARCH if await _show_card(update, context, unit_id) else None


# ---------------------------------------------------------------- create


@staff_only
async def new_unit(update: Update, context: BotContext) -> int:
    """新建单位: ask for the username."""
    await answer(update)
    DRAFT.put(context, UnitDraft())
    await ask(update, context, t.ASK_USERNAME)
    return NEW_USERNAME


@staff_only
async def got_username(update: Update, context: BotContext) -> int | None:
    """Check the username (format, not taken), ask for the name."""
    username = text_of(update) or ""
    problem = username_problem(username)
    if problem is None and await context.deps.accounts.unit_by_username(username) is not None:
        problem = t.username_taken(username)
    if problem is not None:
        await reask(update, context, problem)
        return None
    DRAFT.put(context, UnitDraft(username=username))
    await ask(update, context, t.ASK_NAME)
    return NEW_NAME


@staff_only
async def got_name(update: Update, context: BotContext) -> int | None:
    """Create the unit; show its one-time password this once."""
    name = text_of(update) or ""
    problem = name_problem(name)
    if problem is not None:
        await reask(update, context, problem)
        return None
    draft = DRAFT.get(context)
    if draft is None or draft.username is None:
        await ask(update, context, t.ASK_USERNAME)
        return NEW_USERNAME
    try:
        unit, password = await context.deps.accounts.create_unit(draft.username, name, actor=actor(update))
    except DomainError as err:
        # Someone took the username meanwhile: choose another.
        await ask(update, context, f"{err.message}\n\n{t.ASK_USERNAME}")
        return NEW_USERNAME
    DRAFT.pop(context)
    shown = await send(update, context, t.created(unit, password), _password_keyboard(unit.id))
    forget_later(context.application, staff_id(update), shown.chat_id, shown.message_id)
    return END


def _password_keyboard(unit_id: int) -> InlineKeyboardMarkup:
    """「已抄录」 (deletes the password message) and 「返回单位」."""
    return keyboard([button(t.COPIED_LABEL, "st", "upwok", unit_id), button(t.BACK_TO_UNIT_LABEL, "st", "uview", unit_id)])


@staff_only
async def password_copied(update: Update, context: BotContext) -> None:
    """「已抄录」: the one-time password message is deleted; the unit's card follows."""
    query = update.callback_query
    unit_id = _arg(update)
    message = query.message if query is not None else None
    if unit_id is None or message is None:
        await answer(update, STALE_BUTTON, alert=True)
        return
    await answer(update)
    await forget_now(context.application, staff_id(update), message.chat.id, message.message_id)
    await send(update, context, t.PASSWORD_GONE, keyboard(button(t.BACK_TO_UNIT_LABEL, "st", "uview", unit_id)))


# ---------------------------------------------------------------- import


@staff_only
async def import_start(update: Update, context: BotContext) -> int:
    """导入表格: ask for the file (CSV or XLSX)."""
    await answer(update)
    await ask(update, context, t.ASK_CSV)
    return IMPORT


@staff_only
async def got_csv(update: Update, context: BotContext) -> int | None:
    """Import every row or none; send the passwords back as a CSV file."""
    message = update.message
    assert message is not None and message.document is not None
    document = message.document
    if document.file_size is not None and document.file_size > MAX_CSV_BYTES:
        await reask(update, context, t.CSV_TOO_BIG)
        return None
    data = await (await document.get_file()).download_as_bytearray()
    if _is_xlsx(document.file_name, document.mime_type):
        try:
            text: str | None = xlsx_as_csv(bytes(data))
        except SheetUnreadable:
            await reask(update, context, t.XLSX_UNREADABLE)
            return None
    else:
        text = _decode(bytes(data))
    if text is None:
        await reask(update, context, t.CSV_NOT_TEXT)
        return None
    try:
        imported = await context.deps.accounts.import_units_csv(text, actor=actor(update))
    except CsvImportError as err:
        await send(update, context, t.csv_problems(err.problems))
        return None
    generated = sum(1 for *_, gen in imported if gen)
    await send(update, context, t.imported(len(imported), generated))
    await context.bot.send_document(
        message.chat_id, document=_passwords_csv(imported),
        filename=t.passwords_file_name(context.deps.clock.now()), caption=t.PASSWORDS_CAPTION,
    )
    return END


def _is_xlsx(file_name: str | None, mime_type: str | None) -> bool:
    """An Excel workbook rather than a CSV (by its name or type)."""
    return (file_name or "").lower().endswith(".xlsx") or (mime_type or "") == XLSX_MIME


async def not_a_file(update: Update, context: BotContext) -> None:
    """Anything but a document while a CSV is expected: the same question."""
    await reask(update, context, t.CSV_EXPECTED)


# ---------------------------------------------------------------- rename


@staff_only
async def rename_start(update: Update, context: BotContext) -> int | None:
    """改名: ask for the new name."""
    unit_id = _arg(update)
    found = await context.deps.accounts.unit_with_clerks(unit_id) if unit_id is not None else None
    if found is None:
        await answer(update, STALE_BUTTON, alert=True)
        return None
    await answer(update)
    DRAFT.put(context, UnitDraft(unit_id=found[0].id))
    await ask(update, context, t.ask_new_name(found[0]))
    return RENAME


@staff_only
async def got_new_name(update: Update, context: BotContext) -> int | None:
    """Rename the unit; tell its clerks."""
    name = text_of(update) or ""
    problem = name_problem(name)
    if problem is not None:
        await reask(update, context, problem)
        return None
    draft = DRAFT.pop(context)
    unit_id = draft.unit_id if draft is not None else None
    found = await context.deps.accounts.unit_with_clerks(unit_id) if unit_id is not None else None
    if found is None:
        await send(update, context, STALE_BUTTON)
        return END
    old, _ = found
    try:
        unit = await context.deps.accounts.rename_unit(old.id, name, actor=actor(update))
    except DomainError as err:
        await send(update, context, err.message)
        return END
    found = await context.deps.accounts.unit_with_clerks(unit.id)
    clerks = found[1] if found else []
    await _tell(context, [c.user_id for c in clerks], t.rename_notice(old.name, unit.name))
    await send(update, context, t.renamed(unit) + "\n\n" + t.unit_card(unit, clerks), _card_keyboard(unit, clerks))
    return SEARCH


# ---------------------------------------------------------------- reset password


@staff_only
async def reset_ask(update: Update, context: BotContext) -> int | None:
    """重置密码: ask to confirm (every clerk of the unit will be logged out)."""
    unit_id = _arg(update)
    found = await context.deps.accounts.unit_with_clerks(unit_id) if unit_id is not None else None
    if found is None:
        await answer(update, STALE_BUTTON, alert=True)
        return None
    await answer(update)
    unit, clerks = found
    await show(update, context, t.confirm_reset(unit, len(clerks)), keyboard(
        [button(t.RESET_CONFIRM_LABEL, "st", "uresetok", unit.id), button(t.BACK_TO_UNIT_LABEL, "st", "uview", unit.id)]
    ))
    return SEARCH


@staff_only
async def reset_confirmed(update: Update, context: BotContext) -> int | None:
    """确认重置: new one-time password shown once; clerks unbound and told."""
    unit_id = _arg(update)
    if unit_id is None:
        await answer(update, STALE_BUTTON, alert=True)
        return None
    try:
        unit, password, unbound = await context.deps.accounts.reset_password(unit_id, actor=actor(update))
    except DomainError as err:
        await answer(update, err.message, alert=True)
        return None
    await answer(update)
    _end_their_flows(context, unbound)
    shown = await show(update, context, t.reset_done(unit, password, len(unbound)), _password_keyboard(unit.id))
    forget_later(context.application, staff_id(update), shown.chat_id, shown.message_id)
    await _tell(context, unbound, t.RESET_NOTICE)
    return END


# ---------------------------------------------------------------- unbind one clerk


async def _show_clerks(update: Update, context: BotContext, unit_id: int, note: str | None = None) -> bool:
    found = await context.deps.accounts.unit_with_clerks(unit_id)
    if found is None:
        await answer(update, STALE_BUTTON, alert=True)
        return False
    await answer(update, note)
    unit, clerks = found
    rows: list[InlineKeyboardButton | None] = [
        button(t.clerk_button(n, c), "st", "uunbind", unit.id, c.user_id) for n, c in enumerate(clerks, 1)
    ]
    rows.append(button(t.BACK_TO_UNIT_LABEL, "st", "uview", unit.id))
    text = t.clerk_list(unit, len(clerks)) if clerks else t.NO_CLERKS
    await show(update, context, text, keyboard(*rows))
    return True


@staff_only
async def clerks(update: Update, context: BotContext) -> int | None:
    """解绑经办人: one button per bound clerk."""
    unit_id = _arg(update)
    if unit_id is None:
        await answer(update, STALE_BUTTON, alert=True)
        return None
    await _show_clerks(update, context, unit_id)
    return SEARCH


@staff_only
async def unbind(update: Update, context: BotContext) -> int | None:
    """Unbind the pressed clerk; tell them; list the others."""
    unit_id, user_id = _arg(update, 0), _arg(update, 1)
    if unit_id is None or user_id is None:
        await answer(update, STALE_BUTTON, alert=True)
        return None
    if not await context.deps.accounts.unbind_clerk(unit_id, user_id, actor=actor(update)):
        await _show_clerks(update, context, unit_id, t.CLERK_GONE)
        return SEARCH
    _end_their_flows(context, [user_id])
    found = await context.deps.accounts.unit_with_clerks(unit_id)
    await _show_clerks(update, context, unit_id, t.UNBOUND)
    if found is not None:
        await _tell(context, [user_id], t.unbind_notice(found[0].name))
    return SEARCH


def register(application: App) -> None:
    """The /units conversation: every st:u… button is an entry point, so old messages work too."""
    application.add_handler(
        conversation(
            application,
            "staff_units",
            entry_points=[
                CommandHandler("units", begin),
                CallbackQueryHandler(menu, pattern=pattern("st", "umenu")),
                CallbackQueryHandler(new_unit, pattern=pattern("st", "unew")),
                CallbackQueryHandler(import_start, pattern=pattern("st", "uimp")),
                CallbackQueryHandler(view, pattern=pattern("st", "uview")),
                CallbackQueryHandler(rename_start, pattern=pattern("st", "uren")),
                CallbackQueryHandler(reset_ask, pattern=pattern("st", "ureset")),
                CallbackQueryHandler(reset_confirmed, pattern=pattern("st", "uresetok")),
                CallbackQueryHandler(clerks, pattern=pattern("st", "uclerks")),
                CallbackQueryHandler(unbind, pattern=pattern("st", "uunbind")),
            ],
            states={
                SEARCH: text_step(search),
                NEW_USERNAME: text_step(got_username),
                NEW_NAME: text_step(got_name),
                IMPORT: [
                    MessageHandler(filters.Document.ALL, got_csv),
                    MessageHandler(~filters.Document.ALL & ~filters.COMMAND & ~filters.StatusUpdate.ALL, not_a_file),
                ],
                RENAME: text_step(got_new_name),
            },
        )
    )
    application.add_handler(CallbackQueryHandler(password_copied, pattern=pattern("st", "upwok")))
