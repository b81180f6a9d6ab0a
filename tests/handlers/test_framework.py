"""The plumbing every flow relies on: ordering, concurrency, persistence, idle timeout."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.clock import ManualClock
from bot.handlers.flow import current_flows, sweep_idle
from bot.harness import Harness
from bot.processing import PerUserProcessor
from tests.handlers.conftest import logged_in


async def _drain(h: Harness, timeout: float = 5.0) -> None:
    """Wait until the application's update queue is processed."""
    await asyncio.wait_for(h.app.update_queue.join(), timeout)


async def test_slow_reply_to_one_user_does_not_delay_another(harness: Harness) -> None:
    slow, fast = harness.user(2001), harness.user(2002)
    assert isinstance(harness.app.update_processor, PerUserProcessor)
    sent_at: dict[int, float] = {}

    async def behaviour(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and int(params["chat_id"]) == 2001:
            await asyncio.sleep(0.5)
        if method == "sendMessage":
            sent_at.setdefault(int(params["chat_id"]), time.monotonic())

    harness.api.behaviour = behaviour
    start = time.monotonic()
    await harness.app.update_queue.put(slow.update_for(text="/help", entities=[
        {"type": "bot_command", "offset": 0, "length": 5}]))
    await harness.app.update_queue.put(fast.update_for(text="/help", entities=[
        {"type": "bot_command", "offset": 0, "length": 5}]))
    await _drain(harness)
    assert sent_at[2002] - start < 0.3, "the fast user waited for the slow one"
    assert sent_at[2001] > sent_at[2002]
    assert "可用命令" in fast.last.text and "可用命令" in slow.last.text


async def test_one_users_updates_stay_in_order(harness: Harness) -> None:
    user = harness.user(2001)
    delays = iter([0.3, 0.0, 0.0])

    async def behaviour(method: str, params: dict[str, Any]) -> float | None:
        return next(delays, 0.0) if method == "sendMessage" else None

    harness.api.behaviour = behaviour
    await harness.app.update_queue.put(user.update_for(text="/login", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}]))
    await harness.app.update_queue.put(user.update_for(text="acme"))
    await harness.app.update_queue.put(user.update_for(text="/cancel", entities=[
        {"type": "bot_command", "offset": 0, "length": 7}]))
    await _drain(harness)
    texts = user.texts()
    # username asked, then password asked (the username was taken in order), then cancelled
    assert "用户名" in texts[0] and "密码" in texts[1] and "已退出当前操作" in texts[2]


async def test_conversation_survives_graceful_restart(harness: Harness) -> None:
    user = harness.user(2001)
    await user.command("login")
    await harness.restart()
    reply = await user.send("acme")
    assert "请输入密码" in reply.text


async def test_conversation_survives_crash_after_flush(harness: Harness) -> None:
    user = harness.user(2001)
    await user.command("login")
    await harness.flush()  # what the 1-second persistence job does on its own
    await harness.crash()
    await harness.start()
    assert current_flows(harness.app, 2001, 2001) == ["login"]
    reply = await user.send("acme")
    assert "请输入密码" in reply.text


async def test_idle_flow_ends_with_a_message_when_user_returns(harness: Harness, clock: ManualClock) -> None:
    user = harness.user(2001)
    await user.command("login")
    clock.advance(minutes=31)
    await user.send("acme")
    texts = user.texts()
    assert any("超过30分钟未操作" in t for t in texts)
    assert current_flows(harness.app, 2001, 2001) == []
    assert not any("请输入密码" in t for t in texts)


async def test_idle_sweep_ends_flows_and_tells_user(harness: Harness, clock: ManualClock) -> None:
    await logged_in(harness)
    user = harness.user(3001)
    await user.command("login")
    clock.advance(minutes=29)
    assert await sweep_idle(harness.app) == 0
    clock.advance(minutes=2)
    assert await sweep_idle(harness.app) == 1
    assert "超过30分钟未操作" in user.last.text
    assert current_flows(harness.app, 3001, 3001) == []
    assert await sweep_idle(harness.app) == 0


async def test_every_press_is_answered_even_forged(harness: Harness) -> None:
    user = harness.user(2001)
    for data in ["bk:add:new", "my:cancel:999", "st:bk:1", "zz:bad", "m:nonsense", "x" * 64]:
        await user.press_data(data)
    assert len(harness.api.answered) == 6


async def test_idle_sweep_runs_as_a_named_job(harness: Harness, clock: ManualClock) -> None:
    from bot.jobs.idle import SWEEP_JOB

    (job,) = harness.app.job_queue.get_jobs_by_name(SWEEP_JOB)
    user = harness.user(3001)
    await user.command("login")
    clock.advance(minutes=31)
    await job.run(harness.app)
    assert "超过30分钟未操作" in user.last.text
    assert current_flows(harness.app, 3001, 3001) == []
