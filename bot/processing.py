"""The update processor: each user's updates strictly in order, users concurrently.

PTB processes one update at a time by default, so at the 09:00 rush one slow Bot
API reply would hold up every other clerk. ``PerUserProcessor`` lets updates of
different users run concurrently while the updates of one user (or, for updates
without a user, one chat) wait for each other in arrival order — which is what a
ConversationHandler needs to stay correct.

The per-user lock is taken *before* the shared concurrency slot, so one user
flooding the bot queues on their own lock and cannot use up every slot.

``alongside(call)`` lets a handler start a Bot API call that nothing after it
depends on (answering the pressed button) and go on at once: the call runs next to
the rest of the update's handling, and the update counts as done — the user's next
update may start — only when it has finished. A press then costs one Bot API round
trip instead of two. Outside the processor (tests feeding ``process_update``) the
call is simply awaited.

``afterwards(application, call)`` is for what follows the answer instead of making
it: a booking's receipt (its text, QR code and calendar file, already safe in the
outbox) goes out once the 「确定」 panel shows the booking, after the update is done.
The clerk's next tap does not wait for those three messages, nor does the concurrency
slot they would hold — at 09:00 it serves another clerk. The call runs as the
application's task (``Application.stop`` waits for it); outside the processor it is
simply awaited, like ``alongside``. Taps come first: such a call starts once no more
than a quarter of the concurrency window is busy with updates, or after
``AFTERWARDS_MAX_DELAY`` at the latest — at the 09:00 rush the receipts' rendering and
sending would otherwise compete, on the one event loop, with the 「确定」 taps still
waiting to book (as the rate limiter lets a clerk's tap go ahead of a broadcast).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Coroutine
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

AFTERWARDS_MAX_DELAY = 1.0  # seconds a call run ``afterwards`` waits at most for the updates to calm down

_alongside: ContextVar[list[asyncio.Future[Any]] | None] = ContextVar("alongside", default=None)
_afterwards: ContextVar[list[Any] | None] = ContextVar("afterwards", default=None)
_TAKEN = object()  # put in an update's list once the processor has started its calls


async def alongside(call: Coroutine[Any, Any, Any]) -> None:
    """Run ``call`` next to the rest of this update's handling (awaited before the update is done).

    ``call`` must handle its own expected errors; anything else it raises is logged.
    """
    pending = _alongside.get()
    if pending is None:
        await call
        return
    pending.append(asyncio.ensure_future(call))


async def afterwards(application: Any, call: Coroutine[Any, Any, Any]) -> None:
    """Run ``call`` once this update is done (module docstring); errors go to the error handlers."""
    pending = _afterwards.get()
    if pending is None or _TAKEN in pending:  # outside an update (or in a task that outlived it)
        await call
        return
    pending.append((application, call))


def ordering_key(update: object) -> object:
    """The key whose updates must not overlap: the user, else the chat, else none."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return None


class PerUserProcessor(BaseUpdateProcessor):
    """Concurrent across users, sequential within a user."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, asyncio.Lock] = {}
        self._waiting: dict[object, int] = {}
        self._following: set[asyncio.Task[Any]] = set()  # the calls run ``afterwards``, still running
        self._busy = 0  # updates taken in and not yet done (waiting for their turn included)
        self._calm_below = max(1, max_concurrent_updates // 4)
        self._calm = asyncio.Event()  # set while at most ``_calm_below`` updates are busy
        self._calm.set()

    async def process_update(  # type: ignore[misc]  # PTB marks it final; per-user order needs the wait first
            self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this user's earlier updates, then for a free slot, then run; then start what
        the handlers left for ``afterwards``."""
        follow: list[Any] = []
        token = _afterwards.set(follow)
        self._busy += 1
        if self._busy > self._calm_below:
            self._calm.clear()
        try:
            await self._in_order(update, coroutine)
        finally:
            self._busy -= 1
            if self._busy <= self._calm_below:
                self._calm.set()
            _afterwards.reset(token)
            calls, follow[:] = list(follow), [_TAKEN]  # a task the update started may outlive it
            for application, call in calls:
                task = application.create_task(self._when_calm(call), update=update, name="afterwards")
                self._following.add(task)
                task.add_done_callback(self._following.discard)

    async def _when_calm(self, call: Coroutine[Any, Any, Any]) -> Any:
        """Run ``call`` once the updates have calmed down (module docstring), or after the longest delay."""
        if not self._calm.is_set():
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(AFTERWARDS_MAX_DELAY):
                        await self._calm.wait()
            except BaseException:
                call.close()  # stopped before it began (what it would send is in the outbox)
                raise
        return await call

    async def settled(self) -> None:
        """Wait until every call run ``afterwards`` has finished (benchmarks, tests)."""
        while self._following:
            await asyncio.gather(*self._following, return_exceptions=True)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                # Nobody else queued on this user: drop the lock so the dict stays small.
                del self._waiting[key]
                del self._locks[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers, then wait for the calls they started ``alongside``."""
        pending: list[asyncio.Future[Any]] = []
        token = _alongside.set(pending)
        try:
            await coroutine
        finally:
            _alongside.reset(token)
            if pending:
                for outcome in await asyncio.gather(*pending, return_exceptions=True):
                    if isinstance(outcome, Exception):
                        log.warning("a call made alongside an update failed: %s", type(outcome).__name__)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
