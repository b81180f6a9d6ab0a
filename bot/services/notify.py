"""Exactly-once delivery of notifications through the notification log.

Every notification has a unique key (``kind:target…``, e.g. ``release:2026-10-08:1001``).
``Notifier.deliver`` sends it at most once per key, whatever the number of restarts,
catch-ups or bot instances on the same database:

1. **Claim** the key in a write transaction (``repo.claim_notification``). A key that
   is already sent (or given up) is skipped; so is a user who blocked the bot.
2. **Send** it — outside any transaction — through the application's bot, so the
   installed rate limiter paces bulk sends.
3. **Finish** right after Telegram accepted it: ``'sent'``. A ``Forbidden`` answer
   finishes it ``'blocked'`` and marks the user blocked (skipped from then on until
   they write again); a ``BadRequest`` (chat not found, …) cannot succeed on retry and
   finishes it ``'failed'``; ``RetryAfter`` waits and tries again a bounded number of
   times; any other error (network, timeout) leaves the claim in place for a retry.

**Crashes.** A claim that a process took but never finished (it died mid-send) stays
``'claimed'``. Nothing replays the log: the reminder jobs simply plan again and call
``deliver`` with the same keys, and ``deliver`` *resumes* such a claim when it is
safe, i.e. when this process did not take it itself and either

* it was taken no later than this process started (the process that took it is gone), or
* it is older than ``LEASE`` (its owner is hung or gone),

or when this process itself left it after a transient error. Taking over is itself an
atomic claim (``repo.resume_notification`` compares the attempt count), so of two
processes resuming the same claim only one sends. A claim is given up (``'failed'``)
after ``MAX_ATTEMPTS`` takes. Whatever is no longer planned (no longer useful) is
never resumed. The one unavoidable duplicate is a crash between Telegram accepting a
message and the ``'sent'`` row being written.

Logs name keys' kinds and user ids only, never message texts.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.clock import Clock
from bot.deps import deps_of
from bot.storage import repo
from bot.storage.db import Database

log = logging.getLogger(__name__)

LEASE: Final = timedelta(minutes=10)
MAX_ATTEMPTS: Final = 5
RETRY_AFTER_TRIES: Final = 3
MAX_RETRY_WAIT: Final = 60.0
BULK_CONCURRENCY: Final = 16


class Outcome(StrEnum):
    """What one ``deliver`` call did."""

    SENT = "sent"  # sent now
    DONE = "done"  # sent (or given up) earlier: nothing left to do
    BUSY = "busy"  # another live sender holds the claim
    BLOCKED = "blocked"  # the user blocked the bot (now or before)
    FAILED = "failed"  # Telegram refused it for good
    RETRY = "retry"  # a transient error: left claimed, a later run tries again
    SKIPPED = "skipped"  # the guard said it is no longer wanted

    @property
    def finished(self) -> bool:
        """Whether the key needs no more work (sent, refused for good, or blocked)."""
        return self in (Outcome.SENT, Outcome.DONE, Outcome.BLOCKED, Outcome.FAILED)


Guard = Callable[[repo.Conn], Awaitable[bool]]


@dataclass(frozen=True)
class Notification:
    """One message to one user under one exactly-once key."""

    key: str
    kind: str
    user_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None


def notification_key(kind: str, *parts: object) -> str:
    """``kind:part:part…`` with dates in ISO form."""
    return ":".join([kind, *(p.isoformat() if hasattr(p, "isoformat") else str(p) for p in parts)])


class Notifier:
    """Sends notifications exactly once per key (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, bot: Any, *, started_at: datetime | None = None) -> None:
        self.db = db
        self.clock = clock
        self.bot = bot
        self.started_at = started_at or clock.now()
        self._in_flight: set[str] = set()
        self._left_for_retry: set[str] = set()

    async def deliver(
        self,
        key: str,
        kind: str,
        user_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        guard: Guard | None = None,
    ) -> Outcome:
        """Send ``text`` to ``user_id`` unless the key was sent already (exactly once).

        ``guard``, if given, is asked inside the claim transaction whether the message
        is still wanted (e.g. the 有号提醒 request is still open); False skips it.
        """
        claimed = await self._claim_or_resume(key, kind, user_id, guard)
        if claimed is not None:
            return claimed
        self._in_flight.add(key)
        try:
            outcome = await self._send(key, user_id, text, markup)
        finally:
            self._in_flight.discard(key)
        if outcome is Outcome.RETRY:
            self._left_for_retry.add(key)
            return outcome
        self._left_for_retry.discard(key)
        async with self.db.write() as conn:
            await repo.finish_notification(conn, key, outcome.value, self.clock.now())
            if outcome is Outcome.BLOCKED:
                await repo.mark_blocked(conn, user_id, self.clock.now())
        return outcome

    async def deliver_many(self, notifications: Iterable[Notification]) -> list[Outcome]:
        """Deliver several notifications concurrently (paced by the bot's rate limiter)."""
        gate = asyncio.Semaphore(BULK_CONCURRENCY)

        async def one(n: Notification) -> Outcome:
            async with gate:
                return await self.deliver(n.key, n.kind, n.user_id, n.text, n.markup)

        return list(await asyncio.gather(*(one(n) for n in notifications)))

    async def _claim_or_resume(self, key: str, kind: str, user_id: int, guard: Guard | None) -> Outcome | None:
        """Claim the key (None: go ahead and send) or say why not to send."""
        now = self.clock.now()
        async with self.db.write() as conn:
            user = await repo.get_tg_user(conn, user_id)
            if user is not None and user.blocked_at is not None:
                return Outcome.BLOCKED
            if guard is not None and not await guard(conn):
                return Outcome.SKIPPED
            if await repo.claim_notification(conn, key, kind, user_id, now):
                return None
            found = await repo.get_notification(conn, key)
            if found is None or found[0] != "claimed":
                return Outcome.DONE
            _, attempts, claimed_at = found
            if key in self._in_flight:
                return Outcome.BUSY
            ours = key in self._left_for_retry
            if not (ours or claimed_at <= self.started_at or claimed_at < now - LEASE):
                return Outcome.BUSY
            if attempts >= MAX_ATTEMPTS:
                await repo.finish_notification(conn, key, "failed", now)
                log.warning("notification %s given up after %s attempts", kind, attempts)
                return Outcome.FAILED
            if not await repo.resume_notification(conn, key, attempts, now):
                return Outcome.BUSY
            log.info("resuming an unfinished %s notification (attempt %s)", kind, attempts + 1)
            return None

    async def _send(self, key: str, user_id: int, text: str, markup: InlineKeyboardMarkup | None) -> Outcome:
        """One send with bounded RetryAfter waits; never raises a TelegramError."""
        for attempt in range(1, RETRY_AFTER_TRIES + 1):
            try:
                await self.bot.send_message(user_id, text, reply_markup=markup)
                return Outcome.SENT
            except RetryAfter as err:
                if attempt == RETRY_AFTER_TRIES:
                    break
                await asyncio.sleep(min(retry_seconds(err), MAX_RETRY_WAIT))
            except Forbidden:
                log.info("user %s blocked the bot; recorded", user_id)
                return Outcome.BLOCKED
            except BadRequest as err:
                log.warning("notification %s to user %s refused: %s", key.split(":", 1)[0], user_id, err.message)
                return Outcome.FAILED
            except TelegramError as err:
                log.warning("notification %s to user %s not sent (%s); will retry",
                            key.split(":", 1)[0], user_id, type(err).__name__)
                return Outcome.RETRY
        log.warning("notification %s to user %s still flood-limited; will retry", key.split(":", 1)[0], user_id)
        return Outcome.RETRY


NOTIFIER_KEY: Final = "notifier"


def notifier_of(application: Any) -> Notifier:
    """The application's one Notifier, created on first use (its start marks this process's start)."""
    notifier = application.bot_data.get(NOTIFIER_KEY)
    if notifier is None:
        deps = deps_of(application)
        notifier = Notifier(deps.db, deps.clock, application.bot)
        application.bot_data[NOTIFIER_KEY] = notifier
    return notifier  # type: ignore[no-any-return]


def retry_seconds(err: RetryAfter) -> float:
    """How long Telegram asked us to wait (int or timedelta, depending on PTB's setting)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
