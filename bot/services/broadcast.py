"""Broadcasts to clerks (群发通知, SPEC §11): stored first, sent at a steady pace, resumable.

Life of a broadcast:

1. ``create_broadcast`` stores the text and a snapshot of its recipients (all pending)
   in one write transaction, status ``queued``. Nothing is sent yet.
2. ``launch`` starts ``run_broadcast`` as a background task of the application
   (``Application.create_task``), never inside a handler or a transaction.
3. The sender marks the broadcast ``sending`` and goes through the pending
   recipients one by one, through the application-wide ``Pacer``
   (``settings.bot_broadcast_rate`` messages per second, below Telegram's ~30/s, so
   clerks' interactive replies still get through). Each outcome is written at once
   in its own small write transaction:

   * accepted by Telegram → ``sent``;
   * ``RetryAfter`` (left over after the rate limiter's own retries) → wait the
     time Telegram asks and try again, at most ``MAX_ATTEMPTS`` times, then ``failed``;
   * ``Forbidden`` (the user blocked the bot, or deleted the account) → ``blocked``,
     and the user is marked blocked (``repo.mark_blocked``) so later broadcasts skip them;
   * a network error before Telegram answered → try again (bounded); a timeout after
     the request left is **not** retried, as it may have been delivered → ``failed``;
   * any other error (chat not found, …) → ``failed``.

   A progress message in the staff member's chat is edited about once a second or
   every ``PROGRESS_EVERY`` messages; at the end the broadcast is ``done``, the
   progress message shows the totals and a report is sent.
4. A graceful stop lets the message in flight finish, records it, and leaves the rest
   pending; ``resume_broadcasts`` (called at start by ``bot.jobs.start_jobs``)
   continues every broadcast not ``done`` with its pending recipients only. So nobody
   gets a broadcast twice; after a crash the one message that was in flight (sent,
   not yet recorded) is the only possible duplicate.
5. **One sender per broadcast**, however many bot instances share the database: the
   sender first *claims* the broadcast in a write transaction (``claimed_by`` = this
   instance, compare-and-set) and keeps the claim alive while it sends (a lease of
   ``LEASE_SECONDS``, renewed with every recorded outcome and by a heartbeat). An
   instance that finds the broadcast claimed looks again every ``WAIT_SECONDS`` and
   takes it over only when the claim was released (a graceful stop releases it), the
   holder is known to be gone (no live sender for it in this process; no other live
   process on the database, see ``bot.services.notify.other_process_alive``), or the
   lease ran out (a hung holder). A sender that lost its claim stops before its next
   message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from bot.clock import Clock
from bot.deps import BotContext, deps_of
from bot.errors import BroadcastError
from bot.rules.window import WINDOW_WORKDAYS
from bot.services.booking import BookingService
from bot.services.notify import announce_instance, other_process_alive, retry_seconds
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import actor_of
from bot.texts import broadcast as t

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

MAX_TEXT = t.MAX_TEXT
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 20
PROGRESS_SECONDS = 1.0
RUNNING_KEY = "broadcasts_running"  # bot_data: ids whose sender task is alive
PACER_KEY = "broadcast_pacer"  # bot_data: the application's one Pacer
OWNER_KEY = "broadcast_owner"  # bot_data: this instance's name in broadcasts.claimed_by
# The claim measures whether a process is alive, not business time, so it runs on the
# wall clock (the app's clock may be a manual one that never moves).
LEASE_SECONDS = 60.0
WAIT_SECONDS = 0.5  # how often an instance that found a broadcast claimed looks again
# (database file, broadcast id) -> the claim of the sender alive in this process
_SENDING: dict[tuple[str, int], str] = {}


class Audience(StrEnum):
    """Who receives a broadcast."""

    ALL = "all"  # every bound clerk who has not blocked the bot
    DATE = "date"  # the clerks of the units holding an active booking on a date


class RecipientStatus(StrEnum):
    """How sending to one recipient ended (the broadcast_recipients status)."""

    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Tally:
    """How far a broadcast has come."""

    total: int
    sent: int = 0
    failed: int = 0
    blocked: int = 0

    @property
    def done(self) -> int:
        """Recipients no longer pending."""
        return self.sent + self.failed + self.blocked

    def add(self, outcome: RecipientStatus) -> Tally:
        """The tally after one more outcome."""
        return replace(self, **{outcome.value: getattr(self, outcome.value) + 1})

    @classmethod
    def of(cls, counts: dict[str, int]) -> Tally:
        """From recipient counts per status."""
        return cls(
            total=sum(counts.values()), sent=counts.get("sent", 0),
            failed=counts.get("failed", 0), blocked=counts.get("blocked", 0),
        )


# ---------------------------------------------------------------- composing


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be broadcast, or None."""
    if not text.strip():
        return t.TEXT_EMPTY
    if len(text) > MAX_TEXT:
        return t.text_too_long(len(text))
    return None


async def _recipients(conn: repo.Conn, audience: Audience, day: date | None) -> list[int]:
    if audience is Audience.DATE:
        if day is None:
            raise ValueError("audience 'date' needs a date")
        return await repo.clerk_ids_with_bookings_on(conn, day)
    return await repo.all_clerk_ids(conn)


async def recipient_count(db: Database, audience: Audience, day: date | None = None) -> int:
    """How many clerks the audience has right now (for the preview)."""
    async with db.read() as conn:
        return len(await _recipients(conn, audience, day))


async def audience_dates(db: Database, bookings: BookingService, today: date) -> list[tuple[date, int]]:
    """Today (if a working day) and the next working days of the booking window, with their audience sizes."""
    cal = await bookings.calendar()
    days = [today] if cal.is_workday(today) else []
    day = today
    for _ in range(WINDOW_WORKDAYS):
        day = cal.next_workday(day)
        days.append(day)
    async with db.read() as conn:
        return [(d, len(await repo.clerk_ids_with_bookings_on(conn, d))) for d in days]


async def create_broadcast(
    db: Database,
    clock: Clock,
    *,
    created_by: int,
    text: str,
    audience: Audience,
    day: date | None,
    progress_chat_id: int | None,
    progress_message_id: int | None,
) -> tuple[int, int]:
    """Store a broadcast and all its recipients (pending); returns (id, recipients).

    Raises BroadcastError when the text is not acceptable or nobody would receive it.
    """
    problem = text_problem(text)
    if problem is not None:
        raise BroadcastError(problem)
    now = clock.now()
    async with db.write() as conn:
        user_ids = await _recipients(conn, audience, day)
        if not user_ids:
            raise BroadcastError(t.NO_RECIPIENTS)
        broadcast_id = await repo.insert_broadcast(
            conn, created_by=created_by, text=text, audience=audience.value,
            audience_date=day if audience is Audience.DATE else None,
            progress_chat_id=progress_chat_id, progress_message_id=progress_message_id, now=now,
        )
        await repo.insert_broadcast_recipients(conn, broadcast_id, user_ids)
        await repo.audit(
            conn, actor=actor_of(created_by), entity="broadcast", entity_id=broadcast_id, action="create", now=now,
            after={"audience": audience.value, "date": day.isoformat() if day else None,
                   "recipients": len(user_ids), "chars": len(text)},
        )
    log.info("broadcast %s stored by %s for %d recipient(s)", broadcast_id, created_by, len(user_ids))
    return broadcast_id, len(user_ids)


# ---------------------------------------------------------------- pacing


class Pacer:
    """At most ``rate`` Bot API requests per second, evenly spaced.

    Two rules, both on the monotonic clock: a request starts no sooner than
    ``1/rate`` s after the previous one started, and no sooner than 1 s after the
    request ``rate`` places back *finished* — so that however the network delays
    requests, no 1-second window sees more than ``rate`` of them arrive. Requests
    go one at a time; two broadcasts share the pace.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.window = max(1, int(rate))
        self._finished: deque[float] = deque(maxlen=self.window)
        self._last_start = float("-inf")
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for the next free slot and hold it while the request runs."""
        async with self._lock:
            ready = self._last_start + self.interval
            if len(self._finished) == self.window:
                ready = max(ready, self._finished[0] + 1.0)
            delay = ready - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._last_start = time.monotonic()
            try:
                yield
            finally:
                self._finished.append(time.monotonic())


def _pacer(application: App) -> Pacer:
    pacer = application.bot_data.get(PACER_KEY)
    if pacer is None:
        pacer = application.bot_data[PACER_KEY] = Pacer(deps_of(application).settings.bot_broadcast_rate)
    return pacer  # type: ignore[no-any-return]


async def _pause(application: App, seconds: float) -> bool:
    """Sleep, waking early if the application stops; False if it did."""
    deadline = time.monotonic() + seconds
    while application.running:
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        await asyncio.sleep(min(left, 0.25))
    return False


# ---------------------------------------------------------------- sending


async def _deliver(application: App, user_id: int, text: str) -> tuple[RecipientStatus, int] | None:
    """Send the text to one clerk; (outcome, attempts), or None if the app stopped while waiting."""
    pacer = _pacer(application)
    attempts = 0
    while True:
        attempts += 1
        try:
            async with pacer.slot():
                await application.bot.send_message(user_id, text)
            return RecipientStatus.SENT, attempts
        except RetryAfter as err:
            wait = retry_seconds(err)
            log.warning("broadcast: flood control, waiting %.1f s (attempt %d)", wait, attempts)
        except Forbidden:
            return RecipientStatus.BLOCKED, attempts
        except TimedOut:
            # The request left: it may have been delivered. Retrying could send it twice.
            return RecipientStatus.FAILED, attempts
        except BadRequest:
            return RecipientStatus.FAILED, attempts
        except NetworkError:
            wait = float(attempts)
            log.warning("broadcast: network error, retrying in %.0f s", wait)
        except TelegramError:
            return RecipientStatus.FAILED, attempts
        if attempts >= MAX_ATTEMPTS:
            return RecipientStatus.FAILED, attempts
        if not await _pause(application, wait):
            return None


class _Progress:
    """The staff member's progress message: edited now and then, finished with a report."""

    def __init__(self, application: App, broadcast: repo.BroadcastRow, tally: Tally) -> None:
        self.application = application
        self.broadcast = broadcast
        # A fresh broadcast's 0/0/0 was shown by the handler; a resumed one shows where it is.
        self._shown_at = time.monotonic()
        self._shown_done = tally.done if tally.done == 0 else -1

    async def _edit(self, text: str) -> None:
        b = self.broadcast
        if b.progress_chat_id is None or b.progress_message_id is None:
            return
        try:
            async with _pacer(self.application).slot():
                await self.application.bot.edit_message_text(
                    text, chat_id=b.progress_chat_id, message_id=b.progress_message_id
                )
        except TelegramError as err:
            log.debug("broadcast %s: progress not edited (%s)", b.id, type(err).__name__)

    async def update(self, tally: Tally, *, force: bool = False) -> None:
        """Edit the progress if a second or PROGRESS_EVERY messages have passed."""
        due = (
            time.monotonic() - self._shown_at >= PROGRESS_SECONDS
            or tally.done - self._shown_done >= PROGRESS_EVERY
        )
        if not (force or due) or tally.done == self._shown_done:
            return
        self._shown_at, self._shown_done = time.monotonic(), tally.done
        await self._edit(t.progress(self.broadcast.id, tally.sent, tally.failed, tally.blocked, tally.total))

    async def finish(self, tally: Tally) -> None:
        """Show the totals and send the report."""
        b = self.broadcast
        await self._edit(t.finished(b.id, tally.sent, tally.failed, tally.blocked, tally.total))
        chat_id = b.progress_chat_id or b.created_by
        try:
            async with _pacer(self.application).slot():
                await self.application.bot.send_message(
                    chat_id, t.report(b.id, tally.sent, tally.failed, tally.blocked, tally.total)
                )
        except TelegramError as err:
            log.warning("broadcast %s: report not delivered (%s)", b.id, type(err).__name__)


def _owner(application: App) -> str:
    """This instance's name in ``broadcasts.claimed_by``: its process id and a random part."""
    owner = application.bot_data.get(OWNER_KEY)
    if owner is None:
        owner = application.bot_data[OWNER_KEY] = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"
    return owner  # type: ignore[no-any-return]


def _holder_gone(db: Database, broadcast_id: int, holder: str) -> bool:
    """Whether the instance holding a claim is known to have stopped sending."""
    if holder.split(":", 1)[0] == str(os.getpid()):
        return _SENDING.get((os.path.abspath(db.path), broadcast_id)) != holder
    return not other_process_alive(db.path)


async def _claim(db: Database, broadcast_id: int, owner: str) -> bool | None:
    """Claim the broadcast: True if this instance may send it now, False if another
    instance is sending it, None if it is done (or gone)."""
    key = (os.path.abspath(db.path), broadcast_id)
    async with db.read() as conn:  # a waiting instance looks without taking the write lock
        found = await repo.broadcast_claim(conn, broadcast_id)
    if found is None:
        return None
    holder, lease_until = found
    free = (holder is None or holder == owner or (lease_until or 0.0) < time.time()
            or _holder_gone(db, broadcast_id, holder))
    if not free:
        return False
    try:
        async with db.write() as conn:
            # Compare-and-set on the holder seen above: of two instances only one wins.
            if not await repo.take_broadcast_claim(conn, broadcast_id, owner, holder, time.time() + LEASE_SECONDS):
                return None if await repo.broadcast_claim(conn, broadcast_id) is None else False
            # Registered before the commit, so that another instance in this process
            # that reads the claim right after it sees its holder alive.
            _SENDING[key] = owner
    except BaseException:
        if _SENDING.get(key) == owner:
            del _SENDING[key]
        raise
    return True


async def _keep_claim(db: Database, broadcast_id: int, owner: str, lost: asyncio.Event) -> None:
    """Heartbeat: renew the claim while the sender runs (even while it waits on Telegram)."""
    while not lost.is_set():
        await asyncio.sleep(LEASE_SECONDS / 3)
        try:
            async with db.write() as conn:
                held = await repo.renew_broadcast_claim(conn, broadcast_id, owner, time.time() + LEASE_SECONDS)
        except Exception:  # noqa: BLE001 - a busy database now is not a lost claim
            log.warning("broadcast %s: claim not renewed this time", broadcast_id)
            continue
        if not held:
            lost.set()


async def run_broadcast(application: App, broadcast_id: int) -> None:
    """Claim a stored broadcast and send it to its pending recipients; returns early if
    the app stops, and waits (looking again now and then) while another instance sends it."""
    deps = deps_of(application)
    owner = _owner(application)
    announce_instance(deps.db.path)
    while True:
        claimed = await _claim(deps.db, broadcast_id, owner)
        if claimed is None:
            return
        if claimed:
            break
        if not await _pause(application, WAIT_SECONDS):
            return
    key = (os.path.abspath(deps.db.path), broadcast_id)
    lost = asyncio.Event()
    heartbeat = asyncio.create_task(_keep_claim(deps.db, broadcast_id, owner, lost),
                                    name=f"broadcast-claim:{broadcast_id}")
    try:
        await _send_claimed(application, broadcast_id, owner, lost)
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
        if _SENDING.get(key) == owner:
            del _SENDING[key]
        with contextlib.suppress(Exception):  # after a crash the database may be gone
            async with deps.db.write() as conn:
                await repo.release_broadcast_claim(conn, broadcast_id, owner)


async def _send_claimed(application: App, broadcast_id: int, owner: str, lost: asyncio.Event) -> None:
    """Send a claimed broadcast to its pending recipients, then mark it done."""
    deps = deps_of(application)
    async with deps.db.read() as conn:
        broadcast = await repo.get_broadcast(conn, broadcast_id)
        pending = await repo.pending_recipients(conn, broadcast_id)
        tally = Tally.of(await repo.broadcast_tally(conn, broadcast_id))
    if broadcast is None:
        return
    log.info("broadcast %s: %d of %d recipient(s) pending", broadcast_id, len(pending), tally.total)
    progress = _Progress(application, broadcast, tally)
    await progress.update(tally, force=True)
    for user_id in pending:
        if not application.running:
            log.info("broadcast %s paused by shutdown; it resumes at the next start", broadcast_id)
            return
        if lost.is_set():
            log.warning("broadcast %s: another instance took it over; this one stops", broadcast_id)
            return
        result = await _deliver(application, user_id, broadcast.text)
        if result is None:
            log.info("broadcast %s paused by shutdown; it resumes at the next start", broadcast_id)
            return
        outcome, attempts = result
        now = deps.clock.now()
        async with deps.db.write() as conn:
            await repo.finish_broadcast_recipient(conn, broadcast_id, user_id, outcome.value, attempts, now)
            if outcome is RecipientStatus.BLOCKED:
                await repo.mark_blocked(conn, user_id, now)
            if not await repo.renew_broadcast_claim(conn, broadcast_id, owner, time.time() + LEASE_SECONDS):
                lost.set()
        tally = tally.add(outcome)
        await progress.update(tally)
    if lost.is_set():
        return
    async with deps.db.write() as conn:
        await repo.set_broadcast_status(conn, broadcast_id, "done", deps.clock.now())
        await repo.release_broadcast_claim(conn, broadcast_id, owner)
        tally = Tally.of(await repo.broadcast_tally(conn, broadcast_id))
    log.info("broadcast %s done: %d sent, %d failed, %d blocked", broadcast_id, tally.sent, tally.failed,
             tally.blocked)
    await progress.finish(tally)


def launch(application: App, broadcast_id: int) -> bool:
    """Start the sender of a stored broadcast as a background task; False if it already runs."""
    running: set[int] = application.bot_data.setdefault(RUNNING_KEY, set())
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
