"""The notifier when the database fails around a send: nothing is sent twice, nothing lost."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.delivery.notifications import Delivery, Notification, Notifier
from bot.harness import Harness
from bot.storage import repo
from bot.storage.db import Database
from tests.support.reminders import clerks


class FlakyWrites:
    """The real database, except that the write transactions numbered in ``fail_on`` fail."""

    def __init__(self, db: Database, fail_on: set[int]) -> None:
        self.db = db
        self.path = db.path
        self.fail_on = fail_on
        self.writes = 0

    def read(self) -> Any:
        return self.db.read()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Any]:
        self.writes += 1
        if self.writes in self.fail_on:
            raise sqlite3.OperationalError("database is locked")
        async with self.db.write() as conn:
            yield conn


def texts_to(h: Harness, user_id: int, text: str) -> int:
    return [m.text for m in h.user(user_id).bot_messages()].count(text)


async def test_sent_but_not_recorded_is_recorded_later_never_resent(harness: Harness) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    flaky = FlakyWrites(h.deps.db, fail_on={2})  # 1: the claim, 2: recording 'sent'
    notifier = Notifier(flaky, h.clock, h.app.bot)  # type: ignore[arg-type]
    assert await notifier.deliver("test:rec", "test", clerk, "只发一次") is Delivery.SENT
    async with h.deps.db.read() as conn:
        assert (await repo.get_notification(conn, "test:rec"))[0] == "claimed"  # type: ignore[index]
    # a peer started after the claim does not take it for an orphan
    peer = Notifier(h.deps.db, h.clock, h.app.bot)
    assert await peer.deliver("test:rec", "test", clerk, "只发一次") is Delivery.BUSY
    # the next plan of the key only records it
    assert await notifier.deliver("test:rec", "test", clerk, "只发一次") is Delivery.DONE
    async with h.deps.db.read() as conn:
        assert (await repo.get_notification(conn, "test:rec"))[0] == "sent"  # type: ignore[index]
    assert texts_to(h, clerk, "只发一次") == 1


async def test_a_failing_notification_does_not_stop_the_rest_of_the_batch(harness: Harness) -> None:
    h = harness
    ids = await clerks(h, 3)
    notifier = Notifier(FlakyWrites(h.deps.db, fail_on={1}), h.clock, h.app.bot)  # type: ignore[arg-type]
    batch = [Notification(f"test:batch:{c}", "test", c, "批量消息") for c in ids]
    outcomes = await notifier.deliver_many(batch)
    assert Counter(outcomes) == {Delivery.SENT: 2, Delivery.RETRY: 1}
    assert Counter(await notifier.deliver_many(batch)) == {Delivery.SENT: 1, Delivery.DONE: 2}
    assert [texts_to(h, c, "批量消息") for c in ids] == [1, 1, 1]
