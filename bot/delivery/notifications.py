"""At-most-once delivery of reminders and broadcasts through the notification log.

Every notification has a unique key (``kind:target…``, e.g. ``release:2026-10-08:1001``).
``Notifier.deliver`` sends it at most once per key, whatever the number of restarts,
catch-ups or bot instances on the same database:

1. **Claim** the key in a write transaction (``repo.claim_notification``). A key that
   is already sent (or given up) is skipped; so is a user who blocked the bot.
2. **Send** it — outside any transaction — through the application's bot as a bulk
   send: the rate limiter paces it behind interactive replies, and is the only place
   that repeats the call (a 429 waited out, a refused connection; ``bot.delivery``).
3. **Finish** right after Telegram answered (the policy table of ``bot.delivery``):
   accepted → ``'sent'``; ``Forbidden`` → ``'blocked'`` and the user marked blocked
   (skipped from then on until they write again); ``BadRequest`` (chat not found, …)
   → ``'failed'``; an **uncertain** answer (a timeout or 5xx: Telegram may have
   delivered it) → ``'uncertain'``, never sent again. Only a failure known not to
   have been delivered (the limiter gave up on 429s or refused connections) leaves
   the claim in place for the next run.
   If the outcome cannot be written (the database stayed locked), the process keeps
   it and only writes it when the key is planned again — it never sends it again.
   One failing notification of a batch (``deliver_many``) does not stop the others.

**Crashes.** A claim that a process took but never finished (it died mid-send) stays
``'claimed'``. Nothing replays the log: the reminder jobs simply plan again and call
``deliver`` with the same keys, and ``deliver`` *resumes* such a claim when it is
safe, i.e. when this process is not sending it itself and either

* it was taken no later than this process started, and no other live instance on
  the same database may be sending it (the process that took it is gone), or
* it is older than ``LEASE`` (its owner is hung or gone),

or when this process itself left it after a transient error and nobody took it over
since. Taking over is itself an atomic claim (``repo.resume_notification`` compares
the attempt count), so of two processes resuming the same claim only one sends. A
claim is given up (``'failed'``) after ``MAX_ATTEMPTS`` takes. Whatever is no longer
planned (no longer useful) is never resumed. The one unavoidable duplicate is a crash
between Telegram accepting a message and the ``'sent'`` row being written.

**Other live instances.** "Taken before I started" does not mean "its owner is dead"
when two instances share the database: B, started a moment after A claimed a key,
would resend A's message while A is still sending it. So before resuming a claim
that is younger than the lease, ``deliver`` asks whether another instance is alive:

* in this process (two applications on one file, as the tests run them), another
  ``Notifier`` on the same database is alive for the key while the key is in its
  in-flight set, which is emptied when its sends end or are cancelled;
* another OS process announces itself with an exclusive ``flock`` on
  ``<database>.sender-<pid>-<random>.lock`` (:func:`announce_instance`) that it holds until it
  exits; the OS drops the lock when the process dies, even when it is killed. Which
  keys that process is sending is not known, so while any such process is alive,
  foreign claims wait for the lease: delayed by at most ``LEASE``, never sent twice.
  (Without ``fcntl``, i.e. on Windows, other processes cannot be seen; run one
  instance there.)

Logs name keys' kinds and user ids only, never message texts.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import secrets
import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.clock import Clock
from bot.delivery.limiter import BULK
from bot.delivery.policy import Verdict, classify
from bot.deps import deps_of
from bot.keyboards import NO_PREVIEWS
from bot.storage import repo
from bot.storage.db import Database

try:
    import fcntl
except ImportError:  # Windows: other processes cannot be seen (see the module docstring)
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

LEASE: Final = timedelta(minutes=10)
MAX_ATTEMPTS: Final = 5
BULK_CONCURRENCY: Final = 16


class Delivery(StrEnum):
    """What one ``deliver`` call did."""

    SENT = "sent"  # sent now
    DONE = "done"  # sent (or given up) earlier: nothing left to do
    BUSY = "busy"  # another live sender holds the claim
    BLOCKED = "blocked"  # the user blocked the bot (now or before)
    FAILED = "failed"  # Telegram refused it for good
    UNCERTAIN = "uncertain"  # maybe delivered (timeout, 5xx): recorded, never sent again
    RETRY = "retry"  # certainly not delivered: left claimed, a later run tries again
    SKIPPED = "skipped"  # the guard said it is no longer wanted

    @property
    def finished(self) -> bool:
        """Whether the key needs no more work (sent, refused for good, or blocked)."""
        return self in (Delivery.SENT, Delivery.DONE, Delivery.BLOCKED, Delivery.FAILED, Delivery.UNCERTAIN)


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
        # key -> the attempt count of our claim when a transient error left it
        self._left_for_retry: dict[str, int] = {}
        # key -> (outcome, user) Telegram answered but the log could not record
        self._unrecorded: dict[str, tuple[Delivery, int]] = {}
        self._peers = _local_peers(db.path)
        self._peers.add(self)
        announce_instance(db.path)
        weakref.finalize(self, _withdraw_if_unused, db.path)

    async def deliver(
        self,
        key: str,
        kind: str,
        user_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        guard: Guard | None = None,
        retry_later: bool = True,
    ) -> Delivery:
        """Send ``text`` to ``user_id`` unless the key was sent (or tried) already: at most once.

        ``guard``, if given, is asked inside the claim transaction whether the message
        is still wanted (e.g. the 有号提醒 request is still open); False skips it.
        ``retry_later=False`` (broadcasts): a send known undelivered after the limiter's
        retries is given up (``FAILED``) instead of left claimed for a later run.
        """
        if key in self._in_flight:
            return Delivery.BUSY
        # In flight from before the claim until the outcome is recorded: a peer in this
        # process that looks in between must see that this key is being sent.
        self._in_flight.add(key)
        try:
            claimed, attempts = await self._claim_or_resume(key, kind, user_id, guard)
            if claimed is not None:
                return claimed
            outcome = await self._send(key, user_id, text, markup)
            if outcome is Delivery.RETRY and not retry_later:
                outcome = Delivery.FAILED
            if outcome is Delivery.RETRY:
                self._left_for_retry[key] = attempts
                return outcome
            self._left_for_retry.pop(key, None)
            try:
                async with self.db.write() as conn:
                    await self._finish(conn, key, outcome, user_id)
            except Exception:
                # Telegram has answered: never send it again from here; the next plan records it.
                log.exception("notification %s to user %s: outcome not recorded yet", kind, user_id)
                self._unrecorded[key] = (outcome, user_id)
            return outcome
        finally:
            self._in_flight.discard(key)

    async def _finish(self, conn: repo.Conn, key: str, outcome: Delivery, user_id: int) -> None:
        await repo.finish_notification(conn, key, outcome.value, self.clock.now())
        if outcome is Delivery.BLOCKED:
            await repo.mark_blocked(conn, user_id, self.clock.now())
        self._unrecorded.pop(key, None)

    async def deliver_many(self, notifications: Iterable[Notification]) -> list[Delivery]:
        """Deliver several notifications concurrently (paced by the bot's rate limiter)."""
        gate = asyncio.Semaphore(BULK_CONCURRENCY)

        async def one(n: Notification) -> Delivery:
            async with gate:
                try:
                    return await self.deliver(n.key, n.kind, n.user_id, n.text, n.markup)
                except Exception:
                    # e.g. the database stayed locked: this one is retried by a later run,
                    # the others of the batch still go out.
                    log.exception("notification %s to user %s failed; will retry", n.kind, n.user_id)
                    return Delivery.RETRY

        return list(await asyncio.gather(*(one(n) for n in notifications)))

    async def _claim_or_resume(
        self, key: str, kind: str, user_id: int, guard: Guard | None
    ) -> tuple[Delivery | None, int]:
        """Claim the key (None: go ahead and send, with our claim's attempt count) or say why not."""
        now = self.clock.now()
        async with self.db.write() as conn:
            if key in self._unrecorded:  # sent (or refused) already: only the record is missing
                outcome, recipient = self._unrecorded[key]
                await self._finish(conn, key, outcome, recipient)
                return Delivery.DONE, 0
            user = await repo.get_tg_user(conn, user_id)
            if user is not None and user.blocked_at is not None:
                return Delivery.BLOCKED, 0
            if guard is not None and not await guard(conn):
                return Delivery.SKIPPED, 0
            if await repo.claim_notification(conn, key, kind, user_id, now):
                return None, 1
            found = await repo.get_notification(conn, key)
            if found is None or found[0] != "claimed":
                return Delivery.DONE, 0
            _, attempts, claimed_at = found
            ours = self._left_for_retry.get(key) == attempts  # and nobody took it over since
            if not (ours or claimed_at < now - LEASE or self._orphaned(key, claimed_at)):
                return Delivery.BUSY, 0
            if attempts >= MAX_ATTEMPTS:
                await repo.finish_notification(conn, key, "failed", now)
                log.warning("notification %s given up after %s attempts", kind, attempts)
                return Delivery.FAILED, 0
            if not await repo.resume_notification(conn, key, attempts, now):
                return Delivery.BUSY, 0
            log.info("resuming an unfinished %s notification (attempt %s)", kind, attempts + 1)
            return None, attempts + 1

    def _orphaned(self, key: str, claimed_at: datetime) -> bool:
        """Whether a claim taken before this process started has no live instance sending it.

        One taken after our start belongs to this process (sent, say, but its 'sent' row
        could not be written) or to another live one: only the lease frees it.
        """
        if claimed_at > self.started_at:
            return False
        for peer in list(self._peers):
            if peer is not self and (key in peer._in_flight or key in peer._unrecorded):
                return False
        return not other_process_alive(self.db.path)

    async def _send(self, key: str, user_id: int, text: str, markup: InlineKeyboardMarkup | None) -> Delivery:
        """One bulk send (the limiter repeats what is safe to repeat); never raises a TelegramError."""
        kind = key.split(":", 1)[0]
        try:
            await self.bot.send_message(user_id, text, reply_markup=markup, link_preview_options=NO_PREVIEWS,
                                        rate_limit_args=BULK)
            return Delivery.SENT
        except TelegramError as failure:
            err, verdict = failure, classify(failure)
        if verdict is Verdict.BLOCKED:
            log.info("user %s blocked the bot; recorded", user_id)
            return Delivery.BLOCKED
        if verdict is Verdict.REFUSED:
            log.warning("notification %s to user %s refused: %s", kind, user_id, type(err).__name__)
            return Delivery.FAILED
        if verdict is Verdict.UNCERTAIN:
            log.warning("notification %s to user %s: answer lost (%s); maybe delivered, not resent",
                        kind, user_id, type(err).__name__)
            return Delivery.UNCERTAIN
        log.warning("notification %s to user %s not sent (%s); the next run tries again", kind, user_id,
                    type(err).__name__)
        return Delivery.RETRY


def notifier_of(application: Any) -> Notifier:
    """The application's one Notifier, created on first use (its start marks this process's start)."""
    deps = deps_of(application)
    notifier = deps.runtime.part(Notifier)
    if notifier is None:
        notifier = Notifier(deps.db, deps.clock, application.bot)
        deps.runtime.attach(notifier)
    return notifier


# ---------------------------------------------------------------- other live instances

# database file -> the live Notifiers of this process on it
_PEERS: dict[str, weakref.WeakSet[Notifier]] = {}
# database file -> (open fd, path) of this process's flock-ed announcement
_ANNOUNCED: dict[str, tuple[int, Path]] = {}
_ANNOUNCE_TRIES: Final = 20


def _db_key(db_path: Path) -> str:
    return os.path.abspath(db_path)


def _local_peers(db_path: Path) -> weakref.WeakSet[Notifier]:
    return _PEERS.setdefault(_db_key(db_path), weakref.WeakSet())


def _announcements(db_path: Path) -> str:
    """The glob of every announcement on this database."""
    return glob.escape(_db_key(db_path)) + ".sender-*.lock"


def _same_file(path: Path, fd: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def announce_instance(db_path: Path) -> None:
    """Hold ``<database>.sender-<pid>-<random>.lock`` locked until this process exits (idempotent).

    Other processes on the same database see from it that this one is alive (see the
    module docstring). The random part keeps two containers that both run as pid 1
    apart. The lock is never released by hand while the process needs it: the OS
    releases it when the process ends, however it ends.
    """
    key = _db_key(db_path)
    if fcntl is None or key in _ANNOUNCED or str(db_path) == ":memory:":
        return
    for _ in range(_ANNOUNCE_TRIES):
        path = Path(f"{key}.sender-{os.getpid()}-{secrets.token_hex(4)}.lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as err:
            log.warning("cannot announce this instance (%s); other instances cannot see it", err)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # another process's check took it for a dead one's between our create and lock
            os.close(fd)
            continue
        if _same_file(path, fd):  # and not removed by such a check meanwhile
            _ANNOUNCED[key] = (fd, path)
            return
        os.close(fd)
    log.warning("cannot announce this instance; other instances cannot see it")


def _withdraw_if_unused(db_path: Path) -> None:
    """The last Notifier of this process on a database is gone: withdraw the announcement.

    Only matters where one process runs many applications one after another (the
    tests); a bot process keeps its Notifier, and so its announcement, until it exits.
    """
    if any(True for _ in _local_peers(db_path)):
        return
    announced = _ANNOUNCED.pop(_db_key(db_path), None)
    if announced is not None:
        fd, path = announced
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def other_process_alive(db_path: Path) -> bool:
    """Whether another OS process that announced itself on this database is still running.

    An announcement nobody holds any more belonged to a process that is gone: it is
    removed (while locked by the check, so that nobody can mistake it for a live one).
    """
    if fcntl is None or str(db_path) == ":memory:":
        return False
    mine = _ANNOUNCED.get(_db_key(db_path), (None, None))[1]
    for name in glob.glob(_announcements(db_path)):
        path = Path(name)
        if path == mine:
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            if _same_file(path, fd):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        finally:
            os.close(fd)
    return False
