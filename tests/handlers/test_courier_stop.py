"""The outbox courier stops when asked, even when woken at that very moment.

On Python 3.11 ``asyncio.wait_for`` swallows a cancellation that arrives just as the
awaited event is set: the courier's loop then ran on for ever and a graceful stop (the
end of every test, a SIGTERM) waited for it for ever. Its waits now use ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
import time

from bot.harness import Harness


async def test_stop_ends_the_courier_even_when_it_is_woken_as_it_is_cancelled(harness: Harness) -> None:
    courier = harness.courier
    for turns in range(8):  # the cancellation lands a few loop turns after the wake-up
        courier.start()
        await asyncio.sleep(0.02)  # the loop is now waiting for a wake-up or its next pass
        courier.kick()
        for _ in range(turns):
            await asyncio.sleep(0)
        started = time.monotonic()
        async with asyncio.timeout(3):  # not wait_for: it has the very bug this is about
            await courier.stop()
        assert time.monotonic() - started < 1, f"the courier ran on after its cancellation ({turns} turns)"
    courier.start()  # as the harness left it
