"""Sending a stored broadcast (群发通知, SPEC §11): each recipient is a notification like any other.

``bot.services.broadcast.create_broadcast`` stores the text and a snapshot of its
recipients (all pending). Here:

1. ``launch`` starts ``run_broadcast`` as a background task of the application, never
   inside a handler or a transaction.
2. Each pending recipient goes through the one notification log
   (``Notifier.deliver``, key ``broadcast:<id>:<user>``) as a bulk send: the rate
   limiter keeps it to ``settings.bot_broadcast_rate`` behind interactive replies and
   waits out 429s; the log makes it at most once per recipient, whatever the number
   of restarts or instances. A few senders (``senders_for``) take the recipients one
   by one from a shared list and send side by side, so that the limiter sets the
   pace and not Telegram's round trip (one at a time, 50 ms per answer caps a
   broadcast near 19/s). Each recipient is still claimed before its call and
   recorded only after Telegram answered it. The outcome is copied to the
   recipient's row at once:
   ``sent``, ``blocked`` (the user is marked blocked, later broadcasts skip them),
   ``failed`` (refused, or still flood-limited after the limiter's retries),
   ``uncertain`` (a timeout or 5xx: maybe delivered, never resent).
3. A progress message in the staff member's chat is edited about once a second or
   every ``PROGRESS_EVERY`` messages; when no recipient is pending the broadcast is
   ``done``, the progress shows the totals and a report is sent.
4. A graceful stop lets the messages in flight finish (at most one per sender, each
   already claimed) and leaves the rest pending;
   ``resume_broadcasts`` (at start) continues every broadcast not ``done``. A second
   instance on the same database sending the same broadcast finds each recipient's key
   claimed or sent and skips it; whichever records the last recipient finishes it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any, Final

from telegram.error import TelegramError

from bot.delivery.notifications import Delivery, notification_key, notifier_of
from bot.deps import BotContext, deps_of
from bot.keyboards import NO_PREVIEWS
from bot.services.broadcast import RecipientStatus, Tally
from bot.storage import repo
from bot.texts import broadcast as t

log = logging.getLogger(__name__)

App = Any  # telegram.ext.Application with this bot's context types
KIND: Final = "broadcast"
PROGRESS_EVERY: Final = 20
PROGRESS_SECONDS: Final = 1.0
ROUND_TRIP: Final = 0.5  # seconds: the slowest usual answer of Telegram the senders keep the pace through

# What the notification log's answer means for the recipient's row (None: not finished here).
_RECIPIENT_STATUS: dict[Delivery, RecipientStatus | None] = {
    Delivery.SENT: RecipientStatus.SENT,
    Delivery.BLOCKED: RecipientStatus.BLOCKED,
    Delivery.FAILED: RecipientStatus.FAILED,
    Delivery.UNCERTAIN: RecipientStatus.UNCERTAIN,
    Delivery.RETRY: RecipientStatus.FAILED,
    Delivery.SKIPPED: RecipientStatus.FAILED,
    Delivery.BUSY: None,  # another instance is sending it: it records the outcome
    Delivery.DONE: None,  # finished earlier: read from the log
}


class _Progress:
    """The staff member's progress message: edited now and then, finished with a report."""

    def __init__(self, application: App, broadcast: repo.BroadcastRow, tally: Tally) -> None:
        self.application = application
        self.broadcast = broadcast
        # A fresh broadcast's 0/0/0 was shown by the handler; a resumed one shows where it is.
        self._shown_at = time.monotonic()
        self._shown_done = tally.done if tally.done == 0 else -1
        self._editing = False  # one edit at a time, so that an older count never lands last

    async def _edit(self, text: str) -> None:
        b = self.broadcast
        if b.progress_chat_id is None or b.progress_message_id is None:
            return
        try:
            await self.application.bot.edit_message_text(
                text, chat_id=b.progress_chat_id, message_id=b.progress_message_id, link_preview_options=NO_PREVIEWS
            )
        except TelegramError as err:
            log.debug("broadcast %s: progress not edited (%s)", b.id, type(err).__name__)

    async def update(self, tally: Tally, *, force: bool = False) -> None:
        """Edit the progress if a second or PROGRESS_EVERY messages have passed."""
        due = (
            time.monotonic() - self._shown_at >= PROGRESS_SECONDS
            or tally.done - self._shown_done >= PROGRESS_EVERY
        )
        if not (force or due) or tally.done == self._shown_done or self._editing:
            return
        self._shown_at, self._shown_done = time.monotonic(), tally.done
        self._editing = True
        try:
            await self._edit(t.progress(self.broadcast.id, tally.sent, tally.failed, tally.blocked, tally.total,
                                        tally.uncertain))
        finally:
            self._editing = False

    async def finish(self, tally: Tally) -> None:
        """Show the totals and send the report."""
        b = self.broadcast
        counts = (tally.sent, tally.failed, tally.blocked, tally.total, tally.uncertain)
        await self._edit(t.finished(b.id, *counts))
        try:
            await self.application.bot.send_message(b.progress_chat_id or b.created_by, t.report(b.id, *counts),
                                                   link_preview_options=NO_PREVIEWS)
        except TelegramError as err:
            log.warning("broadcast %s: report not delivered (%s)", b.id, type(err).__name__)


async def _logged_outcome(application: App, key: str) -> RecipientStatus | None:
    """How the notification log says an earlier send of this key ended."""
    async with deps_of(application).db.read() as conn:
        found = await repo.get_notification(conn, key)
    if found is None or found[0] == "claimed":
        return None
    return RecipientStatus(found[0])


def senders_for(rate: float) -> int:
    """How many sends a broadcast keeps in flight: enough to keep ``rate`` through a ROUND_TRIP.

    Fewer and the round trip sets the pace; more only claim recipients early (they
    wait in the limiter) and make a graceful stop wait for them.
    """
    return max(1, math.ceil(rate * ROUND_TRIP))


async def _send_to(application: App, broadcast: repo.BroadcastRow, user_id: int) -> RecipientStatus | None:
    """Send the broadcast to one recipient (at most once) and record it on their row.

    None: nothing recorded here (another instance sends or recorded it).
    """
    deps = deps_of(application)
    key = notification_key(KIND, broadcast.id, user_id)
    sent = await notifier_of(application).deliver(key, KIND, user_id, broadcast.text, retry_later=False)
    outcome = _RECIPIENT_STATUS[sent] if sent is not Delivery.DONE else await _logged_outcome(application, key)
    if outcome is None:
        return None
    async with deps.db.write() as conn:
        recorded = await repo.finish_broadcast_recipient(
            conn, broadcast.id, user_id, outcome.value, 1, deps.clock.now())
    return outcome if recorded else None


async def run_broadcast(application: App, broadcast_id: int) -> None:
    """Send a stored broadcast to its pending recipients; returns early if the app stops."""
    deps = deps_of(application)
    async with deps.db.read() as conn:
        broadcast = await repo.get_broadcast(conn, broadcast_id)
        pending = await repo.pending_recipients(conn, broadcast_id)
        tally = Tally.of(await repo.broadcast_tally(conn, broadcast_id))
    if broadcast is None or broadcast.status == "done":
        return
    row: repo.BroadcastRow = broadcast  # the senders below see it narrowed
    if broadcast.status == "queued":
        async with deps.db.write() as conn:
            await repo.set_broadcast_status(conn, broadcast_id, "sending", deps.clock.now())
    log.info("broadcast %s: %d of %d recipient(s) pending", broadcast_id, len(pending), tally.total)
    progress = _Progress(application, broadcast, tally)
    await progress.update(tally, force=True)
    recipients = iter(pending)  # shared: each recipient is taken by exactly one sender
    failures: list[Exception] = []

    async def sender() -> None:
        nonlocal tally
        for user_id in recipients:
            if failures or not application.running:
                return  # the recipient taken stays pending
            try:
                outcome = await _send_to(application, row, user_id)
            except Exception as err:  # e.g. the database stayed locked: the other senders stop too
                failures.append(err)
                return
            if outcome is not None:
                tally = tally.add(outcome)
                await progress.update(tally)

    rate = min(deps.settings.bot_broadcast_rate, deps.settings.bot_api_max_rate)
    await asyncio.gather(*(sender() for _ in range(senders_for(rate))))
    if failures:
        raise failures[0]
    if not application.running:
        log.info("broadcast %s paused by shutdown; it resumes at the next start", broadcast_id)
    async with deps.db.write() as conn:
        if await repo.pending_recipients(conn, broadcast_id):
            return  # another instance still sends some: it finishes the broadcast
        if not await repo.finish_broadcast(conn, broadcast_id, deps.clock.now()):
            return  # finished by another instance meanwhile
        tally = Tally.of(await repo.broadcast_tally(conn, broadcast_id))
    log.info("broadcast %s done: %d sent, %d failed, %d blocked, %d uncertain", broadcast_id, tally.sent,
             tally.failed, tally.blocked, tally.uncertain)
    await progress.finish(tally)


def launch(application: App, broadcast_id: int) -> bool:
    """Start the sender of a stored broadcast as a background task; False if it already runs."""
    running = deps_of(application).runtime.broadcasts_running
    if broadcast_id in running:
        return False
    running.add(broadcast_id)

    async def _run() -> None:
        try:
            await run_broadcast(application, broadcast_id)
        finally:
            running.discard(broadcast_id)

    application.create_task(_run(), name=f"broadcast:{broadcast_id}")
    return True


async def _resume_job(context: BotContext) -> None:
    """Job: start the senders of the broadcasts left unfinished (the app is running now)."""
    ids: list[int] = context.job.data if context.job is not None and isinstance(context.job.data, list) else []
    for broadcast_id in ids:
        launch(context.application, broadcast_id)


async def resume_broadcasts(application: App) -> list[int]:
    """At start: continue every broadcast still queued or sending; returns their ids.

    Called from post_init, before the application runs: the senders are started by a
    one-off job as soon as it does, so that a graceful stop waits for them.
    """
    deps = deps_of(application)
    async with deps.db.read() as conn:
        ids = await repo.unfinished_broadcasts(conn)
    if not ids:
        return []
    log.info("resuming %d unfinished broadcast(s)", len(ids))
    if application.running or application.job_queue is None:
        for broadcast_id in ids:
            launch(application, broadcast_id)
    else:
        application.job_queue.run_once(
            _resume_job, when=0, data=ids, name="broadcast:resume",
            job_kwargs={"misfire_grace_time": None},  # however late the application starts
        )
    return ids
