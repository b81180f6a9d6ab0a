"""What a handler leaves for ``afterwards`` (a booking's receipt) runs once its update is done,
and — taps first — once the updates have calmed down, or after the longest delay.

Through the real Application: the 「确定」 press's panel shows the booking before the
receipt is sent, the update is done without waiting for the receipt, and the receipt
then arrives and its outbox row is closed. At the processor: a call left for
afterwards waits while more than a quarter of the concurrency window is busy.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import processing
from bot.harness import Harness
from bot.processing import PerUserProcessor, afterwards
from bot.texts import booking as t
from tests.support.booking import receipts, to_confirm
from tests.support.clerks import logged_in


class _App:
    """What the processor needs of an Application: ``create_task``."""

    def create_task(self, coroutine: Any, update: object = None, name: str | None = None) -> asyncio.Task[Any]:
        return asyncio.create_task(coroutine, name=name)


async def test_the_receipt_follows_the_confirmed_panel_after_the_update_is_done(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    panel = await to_confirm(user)
    processor = harness.app.update_processor
    assert isinstance(processor, PerUserProcessor)
    before = len(harness.api.sent())
    data = next(d for label, d in panel.buttons if label == t.CONFIRM_LABEL)
    await harness.app.update_queue.put(user.callback_update(data, panel))
    await asyncio.wait_for(harness.app.update_queue.join(), 5)
    await asyncio.wait_for(processor.settled(), 5)
    methods = [c.method for c in harness.api.sent()[before:]]
    edit, receipt = methods.index("editMessageText"), methods.index("sendMessage")
    assert edit < receipt  # the panel says the booking is made first; the receipt follows
    assert {"sendDocument", "sendPhoto"} <= set(methods[receipt:])
    assert len(receipts(user)) == 1
    await harness.courier.idle(2)  # and its outbox row is closed


async def test_outside_the_processor_the_call_is_simply_awaited() -> None:
    ran = []

    async def follow() -> None:
        ran.append("follow")

    await afterwards(_App(), follow())
    assert ran == ["follow"]


class _Busy:
    """A processor of window 8 (calm at 2 busy updates or fewer) with 3 updates held busy,
    and an update that leaves one call for afterwards."""

    def __init__(self) -> None:
        self.processor = PerUserProcessor(8)
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.blockers: list[asyncio.Task[None]] = []

    async def hold_three(self) -> None:
        self.blockers = [asyncio.create_task(self.processor.process_update(object(), self.release.wait()))
                         for _ in range(3)]
        await asyncio.sleep(0)

    async def leave_a_call(self) -> None:
        """Process an update whose handler leaves ``started.set`` for afterwards; returns when it is done."""
        async def follow() -> None:
            self.started.set()

        async def handler() -> None:
            await afterwards(_App(), follow())

        await self.processor.process_update(object(), handler())

    async def let_go(self) -> None:
        self.release.set()
        await asyncio.gather(*self.blockers)


async def test_a_call_left_for_afterwards_waits_for_the_updates_to_calm_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processing, "AFTERWARDS_MAX_DELAY", 5.0)
    busy = _Busy()
    await busy.hold_three()
    await busy.leave_a_call()  # done at once ...
    await asyncio.sleep(0.05)
    assert not busy.started.is_set()  # ... but its call waits while 3 updates are busy
    await busy.let_go()
    await asyncio.wait_for(busy.processor.settled(), 1)
    assert busy.started.is_set()


async def test_a_call_left_for_afterwards_waits_no_longer_than_the_longest_delay(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processing, "AFTERWARDS_MAX_DELAY", 0.05)
    busy = _Busy()
    await busy.hold_three()
    await busy.leave_a_call()
    await asyncio.wait_for(busy.started.wait(), 1)  # the updates are still busy: it went anyway
    assert not busy.release.is_set()
    await busy.let_go()


async def test_a_task_that_outlives_its_update_runs_its_call_itself() -> None:
    processor = PerUserProcessor(8)
    app = _App()
    ran: list[str] = []
    late: list[asyncio.Task[None]] = []
    go_on = asyncio.Event()

    async def follow() -> None:
        ran.append("follow")

    async def later() -> None:
        await go_on.wait()
        await afterwards(app, follow())  # its update is done by now

    async def starts_a_task() -> None:
        late.append(asyncio.create_task(later()))

    await processor.process_update(object(), starts_a_task())
    go_on.set()
    await asyncio.wait_for(late[0], 1)
    assert ran == ["follow"]
