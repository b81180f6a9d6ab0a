"""Receipts whose arrival time moved earlier are edited to show it (SPEC §4).

A booking leaving a session, shrinking, or more capacity can move the later
bookings' suggested times earlier (``bot.services.arrival.reflow_session``, inside the
change's own transaction, flags their receipts). This job, ``arrival-receipts``, edits
each flagged receipt outside any transaction and clears the flag once Telegram took
the edit; a failure leaves the flag for the next run, so a restart loses nothing.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.delivery.render import receipt_buttons, receipt_text
from bot.deps import BotContext, deps_of
from bot.errors import DomainError
from bot.keyboards import markup

log = logging.getLogger(__name__)

App = Any  # telegram.ext.Application with this bot's context types
JOB: Final = "arrival-receipts"
INTERVAL_SECONDS: Final = 30


def schedule_receipt_edits(application: App) -> None:
    """(Re)schedule the repeating ``arrival-receipts`` job."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(JOB):
        job.schedule_removal()
    job_queue.run_repeating(_run, interval=INTERVAL_SECONDS, first=INTERVAL_SECONDS, name=JOB)


async def _run(context: BotContext) -> None:
    await edit_moved_receipts(context.application)


async def edit_moved_receipts(application: App) -> int:
    """Edit every flagged receipt; returns how many were brought up to date."""
    deps = deps_of(application)
    done = 0
    for booking_id in await deps.arrivals.stale_receipts():
        try:
            details = await deps.bookings.details(booking_id)
        except DomainError:
            continue
        b = details.booking
        shown = details.arrival.promised if details.arrival else None
        if b.receipt_chat_id is not None and b.receipt_message_id is not None:
            try:
                await application.bot.edit_message_text(
                    receipt_text(deps, details), chat_id=b.receipt_chat_id, message_id=b.receipt_message_id,
                    reply_markup=markup(receipt_buttons(details)),
                )
            except BadRequest as err:
                if "not modified" not in str(err).lower() and "not found" not in str(err).lower():
                    log.info("receipt of booking %s not edited: %s", booking_id, err)
                    continue
            except Forbidden:
                pass  # the clerk blocked the bot: nothing more to do
            except TelegramError as err:
                log.info("receipt of booking %s not edited (retried later): %s", booking_id, type(err).__name__)
                continue
        await deps.arrivals.receipt_updated(booking_id, shown)
        done += 1
    return done
