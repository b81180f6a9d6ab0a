"""Exactly-once delivery: crashes, restarts, a second instance, flood limits and errors."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import pytest

from bot.delivery.notifications import LEASE, MAX_ATTEMPTS, Delivery, Notifier
from bot.fake_telegram import ApiError, Fault
from bot.harness import Harness
from bot.jobs.reminders import run_due
from bot.storage import repo
from tests.support import at
from tests.support.reminders import clerks, is_release, release_notices, wait_for


async def test_crash_half_way_through_the_release_notices(harness: Harness) -> None:
    h = harness
    ids = await clerks(h, 8)
    h.clock.set(at("2026-12-02 09:00"))
    accepted = 3
    started: list[int] = []

    async def hang() -> None:
        await asyncio.Event().wait()  # the process dies while Telegram has not answered

    def behaviour(method: str, params: dict[str, Any]) -> Any:
        if not is_release(method, params):
            return None
        started.append(int(params["chat_id"]))
        return None if len(started) <= accepted else hang()

    h.api.behaviour = behaviour
    job = asyncio.create_task(run_due(h.app))

    async def half_done() -> bool:
        async with h.deps.db.read() as conn:
            rows = [await repo.get_notification(conn, f"release:2026-12-02:{c}") for c in ids]
        return len(started) == len(ids) and sum(1 for r in rows if r and r[0] == "sent") == accepted

    await wait_for(half_done)
    await h.crash()
    job.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await job
    assert sum(release_notices(h, c) for c in ids) == accepted

    h.api.behaviour = None
    h.clock.set(at("2026-12-02 09:03"))
    await h.start()  # start_jobs catches up: the unfinished claims are resumed
    await run_due(h.app)
    assert [release_notices(h, c) for c in ids] == [1] * len(ids)
    async with h.deps.db.read() as conn:
        rows = [await repo.get_notification(conn, f"release:2026-12-02:{c}") for c in ids]
    assert [r[0] for r in rows if r] == ["sent"] * len(ids)
    assert sorted(r[1] for r in rows if r) == [1] * accepted + [2] * (len(ids) - accepted)


async def test_restart_at_the_same_instant_resumes_the_crashed_claims(harness: Harness) -> None:
    """Even with a frozen clock (claim time == new start time) nothing is lost or doubled."""
    h = harness
    ids = await clerks(h, 3)
    h.clock.set(at("2026-12-02 09:00"))

    async def hang() -> None:
        await asyncio.Event().wait()

    h.api.behaviour = lambda method, params: hang() if is_release(method, params) else None
    job = asyncio.create_task(run_due(h.app))

    async def all_claimed() -> bool:
        async with h.deps.db.read() as conn:
            return all([await repo.get_notification(conn, f"release:2026-12-02:{c}") for c in ids])

    await wait_for(all_claimed)
    await h.crash()
    job.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await job
    h.api.behaviour = None
    await h.start()
    await run_due(h.app)
    assert [release_notices(h, c) for c in ids] == [1, 1, 1]


async def test_two_instances_on_one_database_send_each_notice_once(harness: Harness) -> None:
    h = harness
    ids = await clerks(h, 6)
    second = Harness(h.settings, h.clock, h.api)
    await second.start()
    try:
        h.clock.set(at("2026-12-02 09:00"))
        h.api.behaviour = lambda method, params: 0.01 if is_release(method, params) else None
        first_sent, second_sent = await asyncio.gather(run_due(h.app), run_due(second.app))
        assert first_sent["release"] + second_sent["release"] == len(ids)
        await asyncio.gather(run_due(h.app), run_due(second.app))
    finally:
        await second.stop()
    assert [release_notices(h, c) for c in ids] == [1] * len(ids)
    assert len([c for c in h.api.sent("sendMessage") if is_release(c.method, c.params)]) == len(ids)


async def test_a_send_known_undelivered_is_retried_by_the_next_run(harness: Harness) -> None:
    """Connections refused more often than the rate limiter repeats them: nothing left, so the
    claim stays for the next minute's run, which sends it once."""
    h = harness
    [clerk] = await clerks(h, 1)
    h.clock.set(at("2026-12-02 09:00"))
    failures = [Fault.connection_refused()] * (1 + h.delivery.max_retries)
    h.api.behaviour = lambda method, params: failures.pop() if failures and is_release(method, params) else None
    assert (await run_due(h.app))["release"] == 0
    assert release_notices(h, clerk) == 0 and not failures
    async with h.deps.db.read() as conn:
        assert (await repo.get_notification(conn, f"release:2026-12-02:{clerk}"))[0] == "claimed"  # type: ignore[index]
    h.clock.set(at("2026-12-02 09:01"))
    assert (await run_due(h.app))["release"] == 1
    await run_due(h.app)
    assert release_notices(h, clerk) == 1


@pytest.mark.parametrize("fault", [Fault.timeout_after(), Fault.bad_gateway_after()], ids=["timeout", "5xx"])
async def test_a_release_notice_whose_answer_is_lost_is_never_sent_again(harness: Harness, fault: Fault) -> None:
    """SPEC §13: delivered, but the answer timed out (or came back 5xx): recorded 'uncertain',
    and neither the next tick, a restart nor a catch-up sends it again."""
    h = harness
    ids = await clerks(h, 3)
    h.clock.set(at("2026-12-02 09:00"))
    lost = [fault]
    h.api.behaviour = lambda method, params: (
        lost.pop() if lost and is_release(method, params) and int(params["chat_id"]) == ids[0] else None)
    await run_due(h.app)
    h.clock.set(at("2026-12-02 09:01"))
    await run_due(h.app)
    await h.restart()
    await run_due(h.app)
    assert [release_notices(h, c) for c in ids] == [1, 1, 1]
    assert len([c for c in h.api.sent("sendMessage", chat_id=ids[0]) if is_release(c.method, c.params)]) == 1
    async with h.deps.db.read() as conn:
        assert (await repo.get_notification(conn, f"release:2026-12-02:{ids[0]}"))[0] == "uncertain"  # type: ignore[index]


async def test_an_answered_429_is_waited_out_and_sent_exactly_once(harness: Harness) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    h.clock.set(at("2026-12-02 09:00"))
    failures = [ApiError(429, "Too Many Requests: retry after 0.01", {"retry_after": 0.01})]
    h.api.behaviour = lambda method, params: failures.pop() if failures and is_release(method, params) else None
    assert (await run_due(h.app))["release"] == 1
    await run_due(h.app)
    assert release_notices(h, clerk) == 1 and not failures
    assert len([c for c in h.api.sent("sendMessage", chat_id=clerk) if is_release(c.method, c.params)]) == 2


async def test_flood_limit_beyond_the_limiters_retries_is_left_for_the_next_run(harness: Harness) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    h.clock.set(at("2026-12-02 09:00"))
    # more 429s than the rate limiter repeats: not delivered, so the next run sends it once
    failures = [ApiError(429, "Too Many Requests: retry after 0.01", {"retry_after": 0.01})] * 5
    h.api.behaviour = lambda method, params: failures.pop() if failures and is_release(method, params) else None
    assert (await run_due(h.app))["release"] == 0
    assert len(failures) == 5 - (1 + h.delivery.max_retries)
    h.clock.set(at("2026-12-02 09:01"))
    assert (await run_due(h.app))["release"] == 1
    assert release_notices(h, clerk) == 1 and not failures


async def test_a_live_claim_of_another_process_is_left_alone_until_its_lease_runs_out(
    harness: Harness,
) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    notifier = Notifier(h.deps.db, h.clock, h.app.bot)  # started 12-01 10:00
    h.clock.set(at("2026-12-02 09:00"))
    async with h.deps.db.write() as conn:  # another instance claimed it and is sending
        assert await repo.claim_notification(conn, "test:1", "test", clerk, h.clock.now())
    assert await notifier.deliver("test:1", "test", clerk, "测试消息一") is Delivery.BUSY
    h.clock.set(at("2026-12-02 09:00") + LEASE + timedelta(seconds=1))  # that instance is gone
    assert await notifier.deliver("test:1", "test", clerk, "测试消息一") is Delivery.SENT
    assert await notifier.deliver("test:1", "test", clerk, "测试消息一") is Delivery.DONE
    assert [m.text for m in h.user(clerk).bot_messages()].count("测试消息一") == 1


async def test_a_claim_that_keeps_failing_is_given_up(harness: Harness) -> None:
    h = harness
    [clerk] = await clerks(h, 1)
    async with h.deps.db.write() as conn:
        assert await repo.claim_notification(conn, "test:2", "test", clerk, h.clock.now())
        for attempts in range(1, MAX_ATTEMPTS):
            assert await repo.resume_notification(conn, "test:2", attempts, h.clock.now())
    notifier = Notifier(h.deps.db, h.clock, h.app.bot)
    assert await notifier.deliver("test:2", "test", clerk, "测试消息二") is Delivery.FAILED
    assert "测试消息二" not in [m.text for m in h.user(clerk).bot_messages()]


async def test_unreachable_chat_fails_for_good_and_is_not_retried(harness: Harness) -> None:
    h = harness
    notifier = Notifier(h.deps.db, h.clock, h.app.bot)
    stranger = 4242  # never wrote to the bot: Telegram answers "chat not found"
    assert await notifier.deliver("test:3", "test", stranger, "你好") is Delivery.FAILED
    assert await notifier.deliver("test:3", "test", stranger, "你好") is Delivery.DONE
    assert len(h.api.sent("sendMessage", chat_id=stranger)) == 1
