"""Values read from tables that change only when staff act, kept until those tables change.

At the 09:00 rush every tap needs the clerk's unit and the working calendar; they
change when staff act (a unit disabled, a password reset, a holiday override), not
when clerks book. ``ReadCache.get(key, tables, load)`` returns the value kept under
``key`` while none of ``tables`` has been written since it was loaded, and loads it
otherwise.

How a value becomes stale, and how the cache learns of it:

* a write transaction of this process commits → ``Database.write`` calls
  ``written(tables)`` with the tables its statements wrote (every writer goes
  through ``Database.write``, so no use case has to remember to invalidate);
* another process commits (a CLI import, a second instance) → ``Database.write``
  sees SQLite's ``data_version`` move when our next write begins, and calls
  ``clear()``; ``max_age`` bounds how long a quiet process can miss such a commit.

A value loaded while a write was committing is stamped with the generations seen
*before* the load, so it is reloaded on the next ``get``. Values must be immutable
(frozen models, tuples): every caller shares them.

Inside a write transaction a cached value is as current as the database for this
process's writes (they all committed before ours took the write lock). Only a
commit by another process in the last moments before ours could be missed; the
only other processes are the command-line tools, which do not change what is
cached by the booking path (the calendar, closed dates).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

ALL_TABLES = "*"


class ReadCache:
    """Loaded values keyed by the tables they were read from."""

    def __init__(self, *, max_age: float = 30.0, max_entries: int = 50_000,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._generation: dict[str, int] = {}
        self._epoch = 0
        self._entries: dict[Hashable, tuple[Any, tuple[int, ...], float]] = {}
        self.hits = 0
        self.loads = 0

    def _stamp(self, tables: tuple[str, ...]) -> tuple[int, ...]:
        generation = self._generation
        return (self._epoch, *(generation.get(t, 0) for t in tables))

    async def get(self, key: Hashable, tables: tuple[str, ...], load: Callable[[], Awaitable[T]]) -> T:
        """The value under ``key``, loaded by ``load()`` unless a fresh one is kept."""
        stamp = self._stamp(tables)
        now = self._monotonic()
        found = self._entries.get(key)
        if found is not None and found[1] == stamp and found[2] > now:
            self.hits += 1
            return found[0]  # type: ignore[no-any-return]
        value = await load()
        self.loads += 1
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (value, stamp, now + self.max_age)
        return value

    def written(self, tables: Iterable[str]) -> None:
        """Tables a committed transaction wrote: values read from them are stale."""
        for table in tables:
            if table == ALL_TABLES:
                self.clear()
                return
            self._generation[table] = self._generation.get(table, 0) + 1

    def clear(self) -> None:
        """Forget every value (another process wrote, or the schema changed)."""
        self._epoch += 1
        self._entries.clear()
