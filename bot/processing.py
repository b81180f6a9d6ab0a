"""The update processor: each user's updates strictly in order, users concurrently.

PTB processes one update at a time by default, so at the 09:00 rush one slow Bot
API reply would hold up every other clerk. ``PerUserProcessor`` lets updates of
different users run concurrently while the updates of one user (or, for updates
without a user, one chat) wait for each other in arrival order — which is what a
ConversationHandler needs to stay correct.

The per-user lock is taken *before* the shared concurrency slot, so one user
flooding the bot queues on their own lock and cannot use up every slot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


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

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this user's earlier updates, then for a free slot, then run."""
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
        """Run the update's handlers."""
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
