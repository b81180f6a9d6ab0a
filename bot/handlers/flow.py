"""Conversation plumbing shared by every flow: registry, switching, idle timeout, re-asking.

* Every ConversationHandler is built with ``conversation()``: persistent (state kept in
  SQLite), named, re-enterable, and listed in the application's registry.
* Starting a flow (a menu command, a main-menu button, or any press that another
  conversation takes — an old receipt's 「下一步」, a card's 「修改信息」) ends whatever
  other flow the user was in, so one user is never in two flows at once (no nested
  conversations, STYLE §4). /cancel ends the current flow from anywhere.
* Idle timeout (SPEC §5): the last activity instant is kept in user_data (so it
  survives a restart) and checked against the app's clock — both when the user comes
  back and by a sweep job — instead of PTB's wall-clock conversation_timeout.
* Text steps remember the question they asked and its buttons (「返回」, 「跳过」 …),
  so a wrong answer, a sticker, photo or over-long text gets that same question
  again, buttons included.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import texts
from bot.callbacks import unpack
from bot.deps import BotContext, deps_of
from bot.handlers import menus
from bot.handlers.common import END, Keyboard, current_clerk, main_menu_keyboard, send
from bot.keyboards import NO_PREVIEWS
from bot.services.roles import Role, role_of
from bot.user_data import Slot

log = logging.getLogger(__name__)

LAST_SEEN = Slot("last_seen", str)  # ISO instant of the user's last update
PROMPT = Slot("prompt", str)  # the question being asked, for re-asking
PROMPT_MARKUP = Slot("prompt_markup", dict)  # {"for": prompt, "markup": its buttons or None}
ENDED_FLOWS = Slot("ended_flows", list)  # names of the flows a new flow just ended (for /cancel)
MAX_TEXT = 500
# Commands and main-menu buttons that start (or leave) a flow: every menu command.
FLOW_COMMANDS = frozenset(c.command for c in menus.CLERK_COMMANDS)
# Staff commands start a flow only for staff: to anyone else they are unknown
# commands, and must neither end a clerk's flow nor behave differently from /foo.
STAFF_FLOW_COMMANDS = frozenset(c.command for c in (*menus.STAFF_COMMANDS, *menus.ADMIN_COMMANDS))

App = Application[Any, Any, Any, Any, Any, Any]


def conversation(
    application: App,
    name: str,
    entry_points: Sequence[BaseHandler[Any, Any, Any]],
    states: dict[object, list[BaseHandler[Any, Any, Any]]],
    fallbacks: Sequence[BaseHandler[Any, Any, Any]] = (),
) -> ConversationHandler[Any]:
    """A persistent, named, re-enterable conversation, added to the registry."""
    with warnings.catch_warnings():
        # Our callback queries are keyed per user on purpose (one panel per flow).
        warnings.simplefilter("ignore", PTBUserWarning)
        handler: ConversationHandler[Any] = _Conversation(
            entry_points=list(entry_points),
            states=states,
            fallbacks=list(fallbacks),
            name=name,
            persistent=True,
            allow_reentry=True,
        )
    deps_of(application).runtime.flows.append(handler)
    return handler


class _Conversation(ConversationHandler[Any]):
    """A ConversationHandler that ends the user's other flows when it takes an update,
    and refuses at once a button press it cannot take (``_cannot_match``)."""

    _entry_ns: frozenset[str] | None | bool = False  # not yet worked out

    def check_update(self, update: object) -> Any:
        if self._cannot_match(update):
            return None
        return super().check_update(update)

    async def handle_update(self, update: Update, application: App, check_result: Any,
                            context: BotContext) -> object:
        """Taking the update makes this the user's flow: any other one ends first.

        A button that starts another flow (an old receipt's 「下一步」, a card's
        「修改信息」) leaves the current one: its next text answer must not land in the
        old flow. PTB hands the update to the first conversation of group 0 that
        matches, so this is the one place that knows the owner without asking every
        conversation again.
        """
        user, chat = update.effective_user, update.effective_chat
        if user is not None and chat is not None and end_flows(application, user.id, chat.id, keep=self) \
                and context.user_data is not None:
            # What the left flow was typing goes with it (applicant numbers must not wait in
            # user_data); the prepared basket stays (``kept_after_idle``).
            discard_drafts(context.user_data)
        return await super().handle_update(update, application, check_result, context)

    def _cannot_match(self, update: object) -> bool:
        """A button press of a namespace none of the entry points takes, by a user this
        conversation holds no state for: PTB would check every entry point to say no.

        Every update passes every conversation of group 0 until one takes it; at the rush
        that was two or three full checks per tap for conversations the clerk is not in.
        """
        if self._entry_ns is False:
            self._entry_ns = _entry_namespaces(self.entry_points)
        namespaces = self._entry_ns
        if not isinstance(namespaces, frozenset) or not isinstance(update, Update):
            return False
        query, user, chat = update.callback_query, update.effective_user, update.effective_chat
        if query is None or not isinstance(query.data, str) or user is None or chat is None:
            return False
        if (chat.id, user.id) in self._conversations:
            return False  # in this conversation: its states and fallbacks decide
        return query.data.split(":", 1)[0] not in namespaces


_NS_PATTERN = re.compile(r"\^([A-Za-z0-9_]+):")  # how bot.callbacks.pattern begins


def _entry_namespaces(entry_points: Sequence[BaseHandler[Any, Any, Any]]) -> frozenset[str] | None:
    """The callback namespaces these entry points take, None if that cannot be told (no shortcut)."""
    found = set()
    for handler in entry_points:
        if isinstance(handler, CommandHandler):
            continue  # never takes a button press
        if isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern):
            match = _NS_PATTERN.match(handler.pattern.pattern)
            if match:
                found.add(match.group(1))
                continue
        return None
    return frozenset(found)


def _registry(application: App) -> list[ConversationHandler[Any]]:
    return deps_of(application).runtime.flows


def current_flows(application: App, user_id: int, chat_id: int) -> list[str]:
    """Names of the conversations this user is in."""
    key = (chat_id, user_id)
    return [c.name or "" for c in _registry(application) if key in c._conversations]  # noqa: SLF001


def end_flows(application: App, user_id: int, chat_id: int,
              keep: ConversationHandler[Any] | None = None) -> list[str]:
    """End every conversation of this user (but ``keep``); returns the names that were active.

    PTB has no public call to end a conversation from outside it; this is the one
    place that touches its internals (the state dict, which persistence tracks).
    """
    key = (chat_id, user_id)
    ended = []
    for conv in _registry(application):
        if conv is not keep and key in conv._conversations:  # noqa: SLF001
            conv._update_state(END, key)  # noqa: SLF001
            ended.append(conv.name or "")
    return ended


def _command(update: Update) -> str | None:
    """The command of a typed /command message, lower-cased, without @botname."""
    message = update.message
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    return message.text[1:].split()[0].split("@")[0].lower()


def is_flow_entry(update: Update) -> bool:
    """A clerk menu command or main-menu button: it leaves whatever flow the user was in."""
    command = _command(update)
    if command is not None:
        return command in FLOW_COMMANDS
    if update.callback_query is not None:
        parsed = unpack(update.callback_query.data)
        return parsed is not None and parsed.ns == "m"
    return False


async def _is_staff_entry(update: Update, context: BotContext) -> bool:
    """A staff command typed by staff (checked only for those commands: no read otherwise)."""
    if _command(update) not in STAFF_FLOW_COMMANDS or update.effective_user is None:
        return False
    deps = deps_of(context.application)
    return await role_of(deps.db, deps.settings, update.effective_user.id) is not Role.NONE


async def track(update: Update, context: BotContext) -> None:
    """Group -1: end an idle flow with a message, end flows on a new flow, note activity."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or context.user_data is None:
        return
    now = deps_of(context.application).clock.now()
    notice = await _expire_if_idle(context.application, context.user_data, user.id, chat.id, now)
    if notice is not None:
        await send(update, context, notice)
    if is_flow_entry(update) or await _is_staff_entry(update, context):
        ended = end_flows(context.application, user.id, chat.id)
        ENDED_FLOWS.write(context.user_data, ended)
        if ended:
            discard_drafts(context.user_data)  # the basket prepared before 09:00 stays
    # Any other update that a conversation takes ends the user's other flows there
    # (``_Conversation.handle_update``).
    LAST_SEEN.write(context.user_data, now.isoformat())


def _idle_for(user_data: dict[str, Any], now: datetime) -> timedelta | None:
    raw = LAST_SEEN.read(user_data)
    return now - datetime.fromisoformat(raw) if raw else None


async def _expire_if_idle(application: App, user_data: dict[str, Any], user_id: int, chat_id: int,
                          now: datetime) -> str | None:
    """End the user's flows and drop unconfirmed drafts if idle past the timeout.

    Returns the message that tells the user (None if nothing expired).
    """
    minutes = deps_of(application).settings.bot_conversation_timeout_minutes
    idle = _idle_for(user_data, now)
    if idle is None or idle < timedelta(minutes=minutes) or not current_flows(application, user_id, chat_id):
        return None
    end_flows(application, user_id, chat_id)
    kept = discard_drafts(user_data)
    return texts.idle_timeout(minutes, kept_basket=kept)


def discard_drafts(user_data: dict[str, Any]) -> bool:
    """Forget every unconfirmed draft (keys starting with 'draft'); True if a part was kept.

    A draft may keep a part that outlives the flow by defining ``kept_after_idle()``
    (our decision: the booking basket and contact a clerk prepared before 09:00 stay
    for the 09:00 release; the chosen slot and any applicant data go).
    """
    kept_any = False
    for key in [k for k in user_data if str(k).startswith("draft")]:
        kept = getattr(user_data[key], "kept_after_idle", None)
        remains = kept() if callable(kept) else None
        if remains is None:
            del user_data[key]
        else:
            user_data[key] = remains
            kept_any = True
    PROMPT.drop(user_data)
    PROMPT_MARKUP.drop(user_data)
    return kept_any


SWEEP_JOB = "idle-sweep"
SWEEP_SECONDS = 60


def schedule_idle_sweep(application: App) -> None:
    """(Re)schedule the one repeating ``idle-sweep`` job: a clerk who walked away is told
    even if they never come back."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(SWEEP_JOB):
        job.schedule_removal()
    job_queue.run_repeating(_sweep_job, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name=SWEEP_JOB)


async def _sweep_job(context: BotContext) -> None:
    await sweep_idle(context.application)


async def sweep_idle(application: App) -> int:
    """End idle flows of every user and tell them; returns how many were ended."""
    now = deps_of(application).clock.now()
    ended = 0
    for conv in list(_registry(application)):
        for key in list(conv._conversations):  # noqa: SLF001
            chat_id, user_id = int(key[0]), int(key[-1])
            user_data = application.user_data[user_id]
            notice = await _expire_if_idle(application, user_data, user_id, chat_id, now)
            if notice is not None:
                application.mark_data_for_update_persistence(user_ids=user_id)
                ended += 1
                try:
                    await application.bot.send_message(chat_id, notice, link_preview_options=NO_PREVIEWS)
                except Exception:  # noqa: BLE001 - a blocked user must not stop the sweep
                    log.warning("could not send the idle notice to a user")
    return ended


def remember(context: BotContext, prompt: str, markup: Keyboard = None) -> None:
    """Remember the question being asked (and its buttons) for re-asking."""
    PROMPT.put(context, prompt)
    # Kept with the prompt it belongs to: a flow that sets PROMPT alone gets no old buttons.
    PROMPT_MARKUP.put(context, {"for": prompt, "markup": markup.to_dict() if markup else None})


async def ask(update: Update, context: BotContext, prompt: str, markup: Keyboard = None) -> None:
    """Ask a free-text question and remember it for re-asking."""
    remember(context, prompt, markup)
    await send(update, context, prompt, markup)


def _prompt_markup(context: BotContext, prompt: str) -> Keyboard:
    stored = PROMPT_MARKUP.get(context)
    if stored is None or stored.get("for") != prompt or not stored.get("markup"):
        return None
    return InlineKeyboardMarkup.de_json(stored["markup"], context.bot)


async def reask(update: Update, context: BotContext, problem: str = texts.TEXT_EXPECTED) -> None:
    """Say what was wrong and ask the same question again, with its buttons (nothing entered is lost)."""
    prompt = PROMPT.get(context) or ""
    markup = _prompt_markup(context, prompt) if prompt else None
    await send(update, context, f"{problem}\n\n{prompt}" if prompt else problem, markup)


def text_of(update: Update) -> str | None:
    """The typed text of a message, or None if it is not usable text."""
    message = update.message
    if message is None or message.text is None:
        return None
    return message.text.strip()


async def not_text(update: Update, context: BotContext) -> None:
    """A sticker, photo or file in a text step: the same question again."""
    await reask(update, context)


def text_step(callback: Any) -> list[BaseHandler[Any, Any, Any]]:
    """The handlers of a free-text state: text goes to ``callback``; anything else re-asks.

    Over-long text is refused here, before the step sees it; an edit of an earlier
    message is ignored.
    """

    async def guarded(update: Update, context: BotContext) -> object:
        text = text_of(update)
        if text is None or not text:
            await reask(update, context)
            return None
        if len(text) > MAX_TEXT:
            await reask(update, context, texts.TOO_LONG)
            return None
        return await callback(update, context)

    guarded.__name__ = getattr(callback, "__name__", "text_step")
    guarded.__doc__ = callback.__doc__
    # Only new messages: an edit of an earlier answer is not a new answer (and is ignored).
    new = filters.UpdateType.MESSAGE
    return [
        MessageHandler(new & filters.TEXT & ~filters.COMMAND, guarded),
        MessageHandler(new & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, not_text),
    ]


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel anywhere: leave the current flow (confirmed bookings stay held)."""
    ended = ENDED_FLOWS.pop(context) or []
    PROMPT.pop(context)
    PROMPT_MARKUP.pop(context)
    clerk = await current_clerk(update, context, quiet=True)
    await send(update, context, texts.CANCELLED if ended else texts.NOTHING_TO_CANCEL,
               main_menu_keyboard() if clerk is not None else None)


def register(application: App) -> None:
    """Activity tracking (group -1) and the global /cancel."""
    application.add_handler(TypeHandler(Update, track), group=-1)
    application.add_handler(CommandHandler("cancel", cancel))
