"""The update processor under load, through the real Application's update queue.

A probe handler (group -9, before the bot's own) records when each update starts
and ends and takes a little time, so overlapping would show. One user's messages
and button presses never overlap and keep their arrival order; users run side by
side; a user sending 100 updates does not hold up another; the per-user locks are
dropped once a user's queue is empty.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from telegram import Update
from telegram.ext import TypeHandler

from bot.harness import Harness
from bot.processing import PerUserProcessor

PROBE_GROUP = -9


class Probe:
    """Records (user id, update id, 'start'|'end', instant) and sleeps in between."""

    def __init__(self, delays: dict[int, float] | None = None, seed: int = 1) -> None:
        self.events: list[tuple[int, int, str, float]] = []
        self.delays = delays or {}
        self.rng = random.Random(seed)

    async def __call__(self, update: Update, context: Any) -> None:
        user = update.effective_user
        assert user is not None
        self.events.append((user.id, update.update_id, "start", time.monotonic()))
        await asyncio.sleep(self.delays.get(user.id, self.rng.uniform(0, 0.004)))
        self.events.append((user.id, update.update_id, "end", time.monotonic()))

    def of(self, user_id: int) -> list[tuple[int, str]]:
        return [(u, kind) for uid, u, kind, _ in self.events if uid == user_id]


def _press(h: Harness, user_id: int, data: str) -> Update:
    user = h.user(user_id)
    message = user.last or user.bot_messages()[-1]
    return user.callback_update(data, message)


async def _drain(h: Harness, timeout: float = 20.0) -> None:
    await asyncio.wait_for(h.app.update_queue.join(), timeout)


async def test_messages_and_presses_of_one_user_never_overlap(harness: Harness) -> None:
    probe = Probe()
    harness.app.add_handler(TypeHandler(Update, probe), group=PROBE_GROUP)
    users = [3001, 3002, 3003]
    for user_id in users:
        await harness.user(user_id).command("help")  # a message with a button to press
    probe.events.clear()
    sent: dict[int, list[int]] = {u: [] for u in users}
    for i in range(60):
        user_id = users[i % 3]
        update = (_press(harness, user_id, "m:help") if i % 2 else
                  harness.user(user_id).update_for(text=f"第{i}条"))
        sent[user_id].append(update.update_id)
        await harness.app.update_queue.put(update)
    await _drain(harness)
    for user_id in users:
        trail = probe.of(user_id)
        # start, end, start, end … in the order the updates arrived: no overlap, no reordering
        assert trail == [(u, kind) for u in sent[user_id] for kind in ("start", "end")]
    # while users overlap each other
    active, most = 0, 0
    for _, _, kind, _ in sorted(probe.events, key=lambda e: e[3]):
        active += 1 if kind == "start" else -1
        most = max(most, active)
    assert most > 1


async def test_a_flooding_user_does_not_starve_another(harness: Harness) -> None:
    probe = Probe(delays={4001: 0.01, 4002: 0.0})
    harness.app.add_handler(TypeHandler(Update, probe), group=PROBE_GROUP)
    flooder, other = harness.user(4001), harness.user(4002)
    for i in range(100):
        await harness.app.update_queue.put(flooder.update_for(text=f"刷屏{i}"))
    await harness.app.update_queue.put(other.update_for(text="/help", entities=[
        {"type": "bot_command", "offset": 0, "length": 5}]))
    await _drain(harness)
    order = [(u, kind) for u, _, kind, _ in probe.events]
    # the flood itself was served one by one: each update ended before the next started
    assert [kind for u, kind in order if u == 4001] == ["start", "end"] * 100
    # the other user was served while the flood went on, not after half of it (or all of it)
    flood_done_first = order[:order.index((4002, "end"))].count((4001, "end"))
    assert flood_done_first < 50, "the other user waited for the flood"
    assert "可用命令" in other.last.text
    assert len(probe.of(4001)) == 200


async def test_the_lock_table_stays_bounded(harness: Harness) -> None:
    processor = harness.app.update_processor
    assert isinstance(processor, PerUserProcessor)
    for user_id in range(5000, 5300):
        user = harness.user(user_id)
        for text in ("a", "b"):
            await harness.app.update_queue.put(user.update_for(text=text))
    await _drain(harness)
    assert processor._locks == {} and processor._waiting == {}  # noqa: SLF001


async def test_a_cancelled_update_releases_its_users_lock() -> None:
    processor = PerUserProcessor(4)
    first_started = asyncio.Event()

    async def slow() -> None:
        first_started.set()
        await asyncio.sleep(10)

    async def quick() -> None:
        return None

    update = Update.de_json({"update_id": 1, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}, "from": {
            "id": 7, "is_bot": False, "first_name": "x"}, "text": "x"}}, None)
    blocker = asyncio.create_task(processor.process_update(update, slow()))
    await first_started.wait()
    never_run = quick()
    waiting = asyncio.create_task(processor.process_update(update, never_run))
    await asyncio.sleep(0)
    waiting.cancel()
    blocker.cancel()
    await asyncio.gather(blocker, waiting, return_exceptions=True)
    never_run.close()
    assert processor._locks == {} and processor._waiting == {}  # noqa: SLF001
    await asyncio.wait_for(processor.process_update(update, quick()), 1)
