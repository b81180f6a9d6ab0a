"""The application's one rate limiter: pacing, priorities and the only retry of a call.

Every Bot API call except ``getUpdates`` passes through ``PriorityRateLimiter``:

* **Pace**: calls start at most ``overall_rate`` per second, evenly spaced.
* **Priority**: bulk sends (``rate_limit_args={"bulk": True}``: broadcasts, reminders,
  outbox deliveries) keep to ``bulk_rate`` and start only when no interactive call
  (a reply to what a user just did) is waiting, so a clerk's tap is answered ahead of
  a broadcast. Bulk calls start in the order they asked: a broadcast keeps several
  sends waiting here at once (so that its pace is this limiter's, not Telegram's
  round trip), and only the first of them watches the clock.
* **Retries** (the policy table of ``bot.delivery``): a 429 pauses *every* call for
  the time Telegram asks and repeats this one; a connection refused before the
  request left is repeated after a short pause; both at most ``max_retries`` times.
  A timeout or 5xx (maybe delivered) is never repeated here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.policy import DeliveryPolicy, not_sent, retry_seconds

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]
BULK = {"bulk": True}  # rate_limit_args of a bulk send


class PriorityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Paces calls, puts interactive ones first, and repeats what was certainly not delivered."""

    def __init__(self, overall_rate: float, bulk_rate: float, policy: DeliveryPolicy | None = None) -> None:
        self.policy = policy or DeliveryPolicy()
        self._interval = 1.0 / overall_rate
        self._bulk_interval = 1.0 / min(bulk_rate, overall_rate)
        self._next = 0.0  # monotonic time the next call may start
        self._bulk_next = 0.0
        self._paused_until = 0.0  # a 429 pauses every call
        self._interactive_waiting = 0
        self._calm = asyncio.Event()  # set while no interactive call waits
        self._calm.set()
        self._bulk_turn = asyncio.Lock()  # the bulk call waiting for the next slot; the others queue
        self.calls = 0  # every call started (tests and benchmarks read it)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def _slot(self, bulk: bool) -> None:
        """Wait for this call's turn.

        An interactive call reserves the next free slot at once (many clerks at 09:00 each
        get their own, no thundering herd). A bulk call takes a slot only when it is free
        *now* and no interactive call waits; it then also keeps ``bulk_rate``, measured
        from when it really starts, so a late wake-up never bunches bulk calls together:
        no second holds more than ``bulk_rate`` of them. One bulk call at a time waits
        for that slot, the rest queue behind it first come, first served.
        """
        if not bulk:
            while True:
                now = time.monotonic()
                start = max(now, self._next, self._paused_until)
                self._next = start + self._interval
                if start > now:
                    await asyncio.sleep(start - now)
                if time.monotonic() >= self._paused_until:
                    return
        async with self._bulk_turn:
            while True:
                await self._calm.wait()
                now = time.monotonic()
                ready = max(self._next, self._paused_until, self._bulk_next)
                if ready > now:
                    await asyncio.sleep(ready - now)
                    continue
                if not self._calm.is_set():
                    continue
                self._next = now + self._interval
                self._bulk_next = now + self._bulk_interval
                return

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> JSON:
        """Run one Bot API call under the policy (module docstring)."""
        bulk = bool(rate_limit_args and rate_limit_args.get("bulk"))
        retries = self.policy.max_retries
        for attempt in range(retries + 1):
            if not bulk:
                self._interactive_waiting += 1
                self._calm.clear()
            try:
                await self._slot(bulk)
            finally:
                if not bulk:
                    self._interactive_waiting -= 1
                    if self._interactive_waiting == 0:
                        self._calm.set()
            self.calls += 1
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                wait = retry_seconds(err)
                if attempt == retries or wait > self.policy.max_retry_after:
                    raise
                log.info("%s: flood control, every call waits %.1f s (attempt %d)", endpoint, wait, attempt + 1)
                self._paused_until = max(self._paused_until, time.monotonic() + wait)
            except NetworkError as err:
                if attempt == retries or not not_sent(err):
                    raise
                log.info("%s: connection failed before sending; trying again", endpoint)
                await asyncio.sleep(self.policy.backoff_first * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover
