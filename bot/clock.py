"""The application's one clock. Rules never read time; everything else asks a Clock.

Production uses SystemClock. Tests, the console's ``--now`` and benchmarks use
ManualClock, which only moves when told to (or, started with ``running=True``,
moves with real time from a chosen instant).
"""

from __future__ import annotations

import time as _time
from datetime import datetime, timedelta
from typing import Protocol

from bot.rules.tz import TZ


class Clock(Protocol):
    """Tells the current instant, tz-aware, in Asia/Shanghai."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current instant, Asia/Shanghai."""
        return datetime.now(TZ)


class ManualClock:
    """A clock set by hand; with ``running=True`` it ticks along with real time."""

    def __init__(self, start: datetime, *, running: bool = False) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._base = start.astimezone(TZ)
        self._running = running
        self._anchor = _time.monotonic()

    def now(self) -> datetime:
        """The clock's current instant."""
        if self._running:
            return self._base + timedelta(seconds=_time.monotonic() - self._anchor)
        return self._base

    def set(self, instant: datetime) -> None:
        """Jump to ``instant``."""
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware instants")
        self._base = instant.astimezone(TZ)
        self._anchor = _time.monotonic()

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta given as keywords; returns the new instant."""
        self.set(self.now() + timedelta(**delta))
        return self.now()
