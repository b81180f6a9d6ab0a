"""One-time passwords do not stay in the staff member's chat (SPEC §9: shown once).

A message showing a unit's one-time password (after 新建单位 or 重置密码) is deleted
when the staff member presses 「已抄录」, or ``PASSWORD_SHOWN`` after it was sent,
whichever comes first. The pending deletions are kept in that staff member's
persisted ``user_data`` (chat, message, due time), so a restart reschedules them
from ``start_jobs``; each deletion is a one-off job named
``otp-delete:<chat>:<message>``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from bot.deps import BotContext, deps_of
from bot.user_data import Slot

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
PASSWORD_SHOWN = timedelta(minutes=5)
KEY = Slot("otp_messages", list)  # [[chat_id, message_id, due ISO instant], …]


def job_name(chat_id: int, message_id: int) -> str:
    """The deterministic name of one message's deletion job."""
    return f"otp-delete:{chat_id}:{message_id}"


def _pending(application: App, user_id: int) -> list[list[Any]]:
    data = application.user_data[user_id]
    value = KEY.read(data)
    if value is None:
        value = []
        KEY.write(data, value)
    return value


def _schedule(application: App, user_id: int, chat_id: int, message_id: int, due: datetime) -> None:
    queue = application.job_queue
    if queue is None:
        return
    name = job_name(chat_id, message_id)
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    delay = max((due - deps_of(application).clock.now()).total_seconds(), 0.0)
    queue.run_once(_due, when=delay, name=name, data=(user_id, chat_id, message_id))


def forget_later(application: App, user_id: int, chat_id: int, message_id: int) -> None:
    """Delete this password message ``PASSWORD_SHOWN`` from now (unless 「已抄录」 comes first)."""
    due = deps_of(application).clock.now() + PASSWORD_SHOWN
    _pending(application, user_id).append([chat_id, message_id, due.isoformat()])
    application.mark_data_for_update_persistence(user_ids=user_id)
    _schedule(application, user_id, chat_id, message_id, due)


async def forget_now(application: App, user_id: int, chat_id: int, message_id: int) -> bool:
    """Delete the password message now; True if it was one still pending (and is gone)."""
    pending = _pending(application, user_id)
    entry = next((e for e in pending if e[0] == chat_id and e[1] == message_id), None)
    if entry is None:
        return False
    pending.remove(entry)
    application.mark_data_for_update_persistence(user_ids=user_id)
    if application.job_queue is not None:
        for job in application.job_queue.get_jobs_by_name(job_name(chat_id, message_id)):
            job.schedule_removal()
    try:
        await application.bot.delete_message(chat_id, message_id)
    except TelegramError as err:  # already deleted by hand, or too old: nothing left to hide
        log.info("password message not deleted: %s", type(err).__name__)
    return True


def reschedule_password_deletions(application: App) -> None:
    """At start: every pending deletion of every staff member gets its job again."""
    for user_id, data in application.user_data.items():
        for chat_id, message_id, due in list(KEY.read(data) or []):
            _schedule(application, user_id, chat_id, message_id, datetime.fromisoformat(due))


async def _due(context: BotContext) -> None:
    job = context.job
    assert job is not None
    data: tuple[int, int, int] = job.data  # type: ignore[assignment]  # set by _schedule
    user_id, chat_id, message_id = data
    await forget_now(context.application, user_id, chat_id, message_id)
