"""The courier: delivers the outbox until Telegram accepts every row (policy: ``bot.delivery``).

Life of a row:

1. A service writes it in the transaction of the change (``bot.storage.outbox.enqueue``).
2. The handler or job that made the change calls ``deliver_booking`` / ``deliver_ids``
   right after the commit: the clerk's receipt goes out at once, in this update.
3. Whatever failed is attempted again by the courier's background loop after
   ``DeliveryPolicy.backoff(attempts)`` — forever for what is not refused for good.
   At start-up every pending row is due at once (a crash between the commit and the
   receipt loses nothing). A row still pending ``poll_seconds`` after the loop first
   saw it (its writer never sent it, or another process wrote it) is adopted too.
4. Each accepted part is recorded before the next part is sent (``parts_done``; the
   receipt's message id goes to ``bookings.receipt_message_id``), so a retry resumes
   with the next part. The records are group-committed: one writer task commits every
   part accepted meanwhile in one transaction, lingering up to ``ACK_LINGER`` while
   other parts are still on their way to Telegram (at the 09:00 rush hundreds of
   receipts go out at once; alone, a record is committed at once).
   Forbidden closes the row 'blocked' (and marks the user), BadRequest 'failed' — except
   on a later part (the QR photo, the file), which is skipped so the rest still goes.

One process sends a row at a time (an in-flight set). Two processes on one database
may both send a row that is due in both: a duplicate, never a loss — the outbox is at
least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from contextvars import Context
from dataclasses import dataclass
from typing import Any, Final

from telegram.error import BadRequest, RetryAfter, TelegramError

from bot.delivery import kinds
from bot.delivery.lean_bot import LeanBot
from bot.delivery.policy import DeliveryPolicy, Verdict, classify, is_not_modified, retry_seconds
from bot.delivery.render import RENDERERS, Document, EditReceipt, Part, Photo, Sender, Text
from bot.deps import deps_of
from bot.keyboards import NO_PREVIEWS, markup
from bot.storage import outbox, repo

log = logging.getLogger(__name__)

_CONCURRENCY: Final = 8
ACK_LINGER: Final = 0.02  # seconds a part's record may wait for others' before its commit
ACK_BATCH: Final = 500  # records committed at once at most


@dataclass(frozen=True)
class _Ack:
    """Telegram accepted part ``index`` of row ``row``."""

    row: outbox.OutboxRow
    index: int
    message_id: int | None
    receipt: bool  # the receipt message: its id is kept for later edits
    last: bool  # the row's last part: the row is closed with it


async def _wait_at_most(event: asyncio.Event, seconds: float) -> None:
    """Wait for ``event``, or ``seconds``, whichever comes first.

    Not ``asyncio.wait_for``: on Python 3.11 it swallows a cancellation that arrives just as
    the event is set (the task then runs on, "cancelling", and ``stop()`` waits for it for
    ever); ``asyncio.timeout`` lets it through.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class Courier:
    """Delivers outbox rows (module docstring); one per application."""

    def __init__(self, application: Any, policy: DeliveryPolicy) -> None:
        self.application = application
        self.policy = policy
        self._in_flight: set[int] = set()
        self._due: dict[int, float] = {}  # row id -> monotonic time of its next attempt
        self._sighted: dict[int, float] = {}  # row id -> when a pass first saw it pending
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._gate = asyncio.Semaphore(_CONCURRENCY)
        self._acks: list[tuple[_Ack, asyncio.Future[None]]] = []
        self._ack_arrived = asyncio.Event()
        self._sending = 0  # parts on their way to Telegram now
        self._none_sending = asyncio.Event()
        self._none_sending.set()
        self._ack_writer: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- running

    def start(self) -> None:
        """Start the background loop (every pending row is due at once)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="outbox-courier")

    async def stop(self) -> None:
        """Stop the loop; a send in flight is cancelled (its row stays pending)."""
        task, self._task = self._task, None
        writer, self._ack_writer = self._ack_writer, None
        for t in (task, writer):
            if t is not None:
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await t

    def halt(self) -> None:
        """Stop at once, as a killed process would (tests): records not yet committed are lost."""
        for t in (self._task, self._ack_writer):
            if t is not None:
                t.cancel()
        self._task = self._ack_writer = None

    def kick(self) -> None:
        """Look at the outbox now (rows were just written or became due)."""
        self._wake.set()

    async def _run(self) -> None:
        first = True
        while True:
            try:
                await self._pass(first)
                first = False
            except asyncio.CancelledError:
                raise
            except Exception:  # the database was locked or closed: try again after a pause
                log.exception("outbox pass failed; trying again")
            now = time.monotonic()
            wait = min([self.policy.poll_seconds, *(d - now for d in self._due.values())])
            await _wait_at_most(self._wake, max(wait, 0.01))
            self._wake.clear()

    async def _pass(self, first: bool) -> None:
        db = deps_of(self.application).db
        async with db.read() as conn:
            pending = await outbox.pending_ids(conn)
        now = time.monotonic()
        for row_id in set(self._due) - set(pending):
            del self._due[row_id]
        self._sighted = {r: at for r, at in self._sighted.items() if r in pending}
        due = []
        for row_id in pending:
            if row_id not in self._due:
                seen = self._sighted.setdefault(row_id, now)
                if not first and now - seen < self.policy.poll_seconds:
                    continue  # its own handler or job is probably sending it right now
                self._due[row_id] = now
            if self._due[row_id] <= now and row_id not in self._in_flight:
                due.append(row_id)
        if due:
            await asyncio.gather(*(self._gated(row_id) for row_id in due))

    async def _gated(self, row_id: int) -> None:
        async with self._gate:  # a backlog (after a restart) goes out a few at a time
            await self._attempt(row_id)

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until no row is pending (tests, console); raises TimeoutError after ``timeout``."""
        db = deps_of(self.application).db
        deadline = time.monotonic() + timeout
        while True:
            async with db.read() as conn:
                if not await outbox.pending_ids(conn):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("outbox still has pending rows")
            self.kick()
            await asyncio.sleep(0.02)

    # ---------------------------------------------------------------- delivering

    async def deliver_booking(self, booking_id: int) -> None:
        """Right after a change's commit: send the booking's pending rows now (read in one go)."""
        async with deps_of(self.application).db.read() as conn:
            rows = await outbox.pending_of_booking(conn, booking_id)
        for index, row in enumerate(rows):
            # Only the first is as read: while it was being sent, another attempt may have sent the rest.
            await self._attempt(row.id, row if index == 0 else None)
        self.kick()

    async def told(self, booking_id: int, chat_ids: Iterable[int]) -> int:
        """How many of these chats have the booking's newest notice delivered (for staff's 「已通知N位」)."""
        async with deps_of(self.application).db.read() as conn:
            rows = await outbox.of_booking(conn, booking_id)
        newest = {r.chat_id: r for r in rows if r.render in kinds.NOTICES}
        return sum(1 for chat in set(chat_ids) if chat in newest and newest[chat].status == "sent")

    async def deliver_chat(self, chat_id: int) -> None:
        """Send the pending rows to one chat now."""
        async with deps_of(self.application).db.read() as conn:
            ids = await outbox.pending_ids(conn, chat_id=chat_id)
        await self.deliver_ids(ids)

    async def deliver_ids(self, ids: Iterable[int]) -> None:
        """Attempt these rows once now, in order; failures are left to the background loop."""
        for row_id in ids:
            await self._attempt(row_id)
        self.kick()

    async def _attempt(self, row_id: int, read: outbox.OutboxRow | None = None) -> None:
        """One attempt at a row: send its remaining parts; on failure schedule the next attempt.

        ``read``: the row as the caller read it, with nothing awaited since (else it may be stale).
        """
        if row_id in self._in_flight:
            return
        self._in_flight.add(row_id)
        deps = deps_of(self.application)
        try:
            row = read
            if row is None:
                async with deps.db.read() as conn:
                    row = await outbox.get(conn, row_id)
            if row is None or row.status != "pending":
                self._due.pop(row_id, None)
                return
            failure: Exception
            try:
                await self._send_row(row)
                self._due.pop(row_id, None)
                return
            except TelegramError as err:
                verdict, failure = classify(err), err
            except Exception as err:  # a renderer or the database failed: try again later
                log.exception("outbox %s row %s: attempt failed", row.render, row.id)
                verdict, failure = Verdict.NOT_SENT, err
            try:
                await self._failed(row.id, row.render, row.chat_id, verdict, failure)
            except Exception:  # the outcome could not be recorded: keep trying, slowly
                log.exception("outbox row %s: failure not recorded", row.id)
                self._due[row_id] = time.monotonic() + self.policy.backoff_max
        finally:
            self._in_flight.discard(row_id)

    async def _send_row(self, row: outbox.OutboxRow) -> None:
        """Send the row's remaining parts, recording each as Telegram accepts it, then close it."""
        deps = deps_of(self.application)
        parts = await RENDERERS[row.render](deps, row, Sender(self.application.bot.username))
        for index in range(row.parts_done, len(parts)):
            part = parts[index]
            try:
                message_id = await self._send_counted(row.chat_id, part)
            except BadRequest as err:
                if index == 0:
                    raise  # the message itself is refused: the row fails
                # One refused extra (a QR photo, a file) must not keep the rest from the clerk.
                log.warning("outbox %s row %s: part %d refused (%s); the rest still goes", row.render, row.id,
                            index, type(err).__name__)
                message_id = None
            receipt = isinstance(part, Text) and part.receipt
            await self._record(_Ack(row, index, message_id, receipt, last=index == len(parts) - 1))
        if row.parts_done >= len(parts):  # nothing was left to send (all parts recorded before)
            async with deps.db.write() as conn:
                await outbox.finish(conn, row.id, "sent", deps.clock.now())

    async def _send_counted(self, chat_id: int, part: Part) -> int | None:
        """``_send``, counted among the parts on their way (the record writer lingers for them)."""
        self._sending += 1
        self._none_sending.clear()
        try:
            return await self._send(chat_id, part)
        finally:
            self._sending -= 1
            if not self._sending:
                self._none_sending.set()

    # ---------------------------------------------------------------- recording accepted parts

    async def _record(self, ack: _Ack) -> None:
        """Record an accepted part; returns once it is committed (the next part waits for it)."""
        if self._ack_writer is None or self._ack_writer.done():
            # Its own context: the writer's transactions belong to no one update's count.
            self._ack_writer = asyncio.create_task(self._write_acks(), name="outbox-records", context=Context())
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._acks.append((ack, done))
        self._ack_arrived.set()
        await done

    async def _write_acks(self) -> None:
        """Commit the accepted parts in batches: one transaction for all that arrived meanwhile.

        Stopped (or halted) with records still waiting, it fails them: their senders stop
        too, instead of waiting forever, and the parts stay pending for the next start.
        """
        try:
            await self._write_ack_batches()
        finally:
            waiting, self._acks = self._acks, []
            for _, done in waiting:
                if not done.done():
                    done.cancel()

    async def _write_ack_batches(self) -> None:
        while True:
            await self._ack_arrived.wait()
            if self._sending and len(self._acks) < ACK_BATCH:  # more are on their way: let them join
                await _wait_at_most(self._none_sending, ACK_LINGER)
            batch, self._acks = self._acks[:ACK_BATCH], self._acks[ACK_BATCH:]
            if not self._acks:
                self._ack_arrived.clear()
            try:
                await self._commit(batch)
            except asyncio.CancelledError:
                for _, done in batch:  # stopped mid-commit: not known to be recorded
                    done.cancel()
                raise
            except Exception as err:  # the database failed: each sender treats its part as not recorded
                for _, done in batch:
                    if not done.done():
                        done.set_exception(err)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _commit(self, batch: list[tuple[_Ack, asyncio.Future[None]]]) -> None:
        deps = deps_of(self.application)
        now = deps.clock.now()
        async with deps.db.write() as conn:
            for ack, _ in batch:
                row = ack.row
                await outbox.part_accepted(conn, row.id, ack.index, ack.message_id)
                if ack.receipt and row.booking_id and ack.message_id:
                    await repo.set_receipt(conn, row.booking_id, row.chat_id, ack.message_id)
                if ack.last:  # the last part closes the row in the same transaction
                    await outbox.finish(conn, row.id, "sent", now)

    async def _failed(self, row_id: int, render: str, chat_id: int, verdict: Verdict, err: BaseException) -> None:
        """Close the row for good (blocked, refused) or schedule its next attempt."""
        deps = deps_of(self.application)
        now = deps.clock.now()
        if verdict in (Verdict.BLOCKED, Verdict.REFUSED):
            self._due.pop(row_id, None)
            async with deps.db.write() as conn:
                await outbox.finish(conn, row_id, "blocked" if verdict is Verdict.BLOCKED else "failed", now)
                if verdict is Verdict.BLOCKED:
                    await repo.mark_blocked(conn, chat_id, now)
            log.warning("outbox %s row %s closed: %s (%s)", render, row_id, verdict.value, type(err).__name__)
            return
        async with deps.db.write() as conn:
            attempts = await outbox.attempt_failed(conn, row_id)
        delay = self.policy.backoff(attempts)
        if isinstance(err, RetryAfter):  # flood control left over from the limiter: wait as asked
            delay = max(delay, retry_seconds(err))
        self._due[row_id] = time.monotonic() + delay
        log.warning("outbox %s row %s not delivered (%s, %s); attempt %d in %.1f s",
                    render, row_id, type(err).__name__, verdict.value, attempts + 1, delay)
        self.kick()

    async def _send(self, chat_id: int, part: Part) -> int | None:
        """Send one part; the message id Telegram gave it (None for an edit)."""
        bot: LeanBot = self.application.bot
        if isinstance(part, Text):
            sent = await bot.send_text(chat_id, part.text, reply_markup=markup(part.buttons), parse_mode=part.parse_mode)
        elif isinstance(part, Document):
            sent = await bot.send_document_bytes(chat_id, part.data, filename=part.filename, caption=part.caption)
        elif isinstance(part, Photo):
            sent = await bot.send_photo_bytes(chat_id, part.data, filename=part.filename, caption=part.caption,
                                              reply_markup=markup(part.buttons))
        else:
            await self._edit_receipt(part)
            return None
        return sent.message_id

    async def _edit_receipt(self, part: EditReceipt) -> None:
        try:
            await self.application.bot.edit_message_text(
                part.text, chat_id=part.chat_id, message_id=part.message_id, link_preview_options=NO_PREVIEWS,
                reply_markup=markup(part.buttons), parse_mode=part.parse_mode)
        except TelegramError as err:
            # Already showing it, or gone (deleted by the clerk): nothing left to edit.
            if not (is_not_modified(err) or "not found" in str(err).lower()):
                raise


def courier_of(application: Any) -> Courier:
    """The application's courier (created by ``build_application``)."""
    courier = deps_of(application).runtime.part(Courier)
    assert courier is not None, "build_application attaches the courier"
    return courier
