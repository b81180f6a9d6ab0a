"""Two instances on one database: a live claim of the other instance is never resent.

``Notifier`` resumes a claim that another process left unfinished when it was taken
no later than this process started. That rule alone lets an instance B, started a
moment after instance A claimed a key and while A is still sending it, send the same
message again. These tests drive both harnesses (one process) and a real second OS
process holding its instance lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.delivery.notifications import LEASE, Delivery, Notifier
from bot.harness import Harness
from bot.jobs.reminders import run_due
from bot.storage import repo
from tests.support import at
from tests.support.reminders import clerks, is_release, release_notices, wait_for

REPO = Path(__file__).resolve().parents[2]


async def all_claimed(h: Harness, ids: list[int], day: str = "2026-12-02") -> bool:
    async with h.deps.db.read() as conn:
        return all([await repo.get_notification(conn, f"release:{day}:{c}") for c in ids])


async def test_instance_started_after_a_live_claim_does_not_resend_it(harness: Harness) -> None:
    h = harness
    ids = await clerks(h, 3)
    h.clock.set(at("2026-12-02 09:00"))
    telegram_answers = asyncio.Event()
    first_instance_calls: list[int] = []

    async def slow() -> None:
        await telegram_answers.wait()

    def behaviour(method: str, params: dict[str, Any]) -> Any:
        if not is_release(method, params) or len(first_instance_calls) >= len(ids):
            return None
        first_instance_calls.append(int(params["chat_id"]))
        return slow()  # instance A's sends are on the wire, Telegram has not answered yet

    h.api.behaviour = behaviour
    job = asyncio.create_task(run_due(h.app))
    await wait_for(lambda: all_claimed(h, ids))
    await wait_for(lambda: asyncio.sleep(0, len(first_instance_calls) == len(ids)))

    second = Harness(h.settings, h.clock, h.api)
    await second.start()  # started after A's claims, at the same instant: its start-up run plans them
    try:
        sent = await run_due(second.app)
        assert sent["release"] == 0
        telegram_answers.set()
        assert (await job)["release"] == len(ids)
        await asyncio.gather(run_due(h.app), run_due(second.app))
    finally:
        await second.stop()
    assert [release_notices(h, c) for c in ids] == [1] * len(ids)
    assert len([c for c in h.api.sent("sendMessage") if is_release(c.method, c.params)]) == len(ids)


async def test_second_instance_resumes_what_a_crashed_instance_left(harness: Harness) -> None:
    """Two instances; one crashes mid-send: the survivor resumes its claims, each sent once."""
    h = harness
    ids = await clerks(h, 4)
    survivor = Harness(h.settings, h.clock, h.api)
    await survivor.start()
    try:
        h.clock.set(at("2026-12-02 09:00"))

        async def hang() -> None:
            await asyncio.Event().wait()

        h.api.behaviour = lambda method, params: hang() if is_release(method, params) else None
        job = asyncio.create_task(run_due(h.app))
        await wait_for(lambda: all_claimed(h, ids))
        h.api.behaviour = None
        assert (await run_due(survivor.app))["release"] == 0  # A is alive and sending: hands off
        await h.crash()
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await job
        # the survivor started before the claims were taken: it waits for the lease
        h.clock.set(at("2026-12-02 09:05"))
        assert (await run_due(survivor.app))["release"] == 0
        h.clock.set(at("2026-12-02 09:00") + LEASE + LEASE / 10)
        assert (await run_due(survivor.app))["release"] == len(ids)
        await run_due(survivor.app)
        assert [release_notices(h, c) for c in ids] == [1] * len(ids)
    finally:
        await survivor.stop()


async def test_concurrent_runs_of_two_instances_started_at_the_release_instant(harness: Harness) -> None:
    """Both instances start at 09:00 and run the same plan at once: one message per clerk."""
    h = harness
    ids = await clerks(h, 6)
    await h.stop()
    h.clock.set(at("2026-12-02 09:00"))
    h.api.behaviour = lambda method, params: 0.01 if is_release(method, params) else None
    first, second = Harness(h.settings, h.clock, h.api), Harness(h.settings, h.clock, h.api)
    await asyncio.gather(first.start(), second.start())  # each runs the catch-up at start
    try:
        for _ in range(3):
            await asyncio.gather(run_due(first.app), run_due(second.app))
    finally:
        await asyncio.gather(first.stop(), second.stop())
        await h.start()
    assert [release_notices(h, c) for c in ids] == [1] * len(ids)
    assert len([c for c in h.api.sent("sendMessage") if is_release(c.method, c.params)]) == len(ids)


# ---------------------------------------------------------------- another OS process

_HOLDER = """
import sys, time
from pathlib import Path
from bot.delivery.notifications import announce_instance
announce_instance(Path(sys.argv[1]))
print("ready", flush=True)
time.sleep(120)
"""


async def test_live_claim_of_another_process_is_not_resumed_until_it_is_gone(harness: Harness) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    h.clock.set(at("2026-12-02 09:00"))
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(h.settings.bot_db_path)], cwd=REPO,
                              stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"ready"
        async with h.deps.db.write() as conn:  # that process claimed it and is sending it
            assert await repo.claim_notification(conn, "test:live", "test", clerk, h.clock.now())
        late = Notifier(h.deps.db, h.clock, h.app.bot)  # started after the claim
        assert await late.deliver("test:live", "test", clerk, "另一进程正在发送") is Delivery.BUSY
    finally:
        holder.kill()
        holder.wait()
    # that process died (as a crash would): the claim is an orphan now, resumed at once
    assert await late.deliver("test:live", "test", clerk, "另一进程正在发送") is Delivery.SENT
    assert await late.deliver("test:live", "test", clerk, "另一进程正在发送") is Delivery.DONE
    assert [m.text for m in h.user(clerk).bot_messages()].count("另一进程正在发送") == 1


# ---------------------------------------------------------------- a claim left for retry


async def test_claim_left_for_retry_and_taken_over_meanwhile_is_not_sent_again(harness: Harness) -> None:
    """A leaves a claim after a send known undelivered; B takes it over and is sending it: A hands off."""
    from bot.fake_telegram import Fault

    h = harness
    [clerk] = await clerks(h, 1)
    h.clock.set(at("2026-12-02 09:00"))
    answers = asyncio.Event()
    calls: list[int] = []

    async def slow() -> None:
        await answers.wait()

    def behaviour(method: str, params: dict[str, Any]) -> Any:
        if method != "sendMessage":
            return None
        calls.append(1)
        refused = 1 + h.delivery.max_retries  # every try of A's one send: refused connections
        return Fault.connection_refused() if len(calls) <= refused else slow() if len(calls) == refused + 1 else None

    h.api.behaviour = behaviour
    assert (await run_due(h.app))["release"] == 0  # A: left claimed, for its own retry
    key = f"release:2026-12-02:{clerk}"
    other = Notifier(h.deps.db, h.clock, h.app.bot)  # B, started after A's claim
    taking_over = asyncio.create_task(other.deliver(key, "release", clerk, "📢 B 的放号提醒"))
    await wait_for(lambda: asyncio.sleep(0, len(calls) == 2 + h.delivery.max_retries))
    assert (await run_due(h.app))["release"] == 0  # A must not resume B's live take-over
    answers.set()
    assert await taking_over is Delivery.SENT
    await run_due(h.app)
    assert release_notices(h, clerk) == 1
    async with h.deps.db.read() as conn:
        assert await repo.get_notification(conn, key) == ("sent", 2, at("2026-12-02 09:00"))
