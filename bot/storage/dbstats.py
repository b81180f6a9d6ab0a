"""Counting what the database does: transactions, SQL statements, trips to SQLite's thread.

Every ``Database`` keeps running totals in ``Database.stats``. A caller that wants
the counts of one piece of work (the benchmarks: one update) opens a scope with
``counting()``; everything that piece of work does in its task (and the tasks it
starts) is added to the scope's ``DbStats`` as well. Counting is a few integer
additions per statement, cheap enough to stay on in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields


@dataclass
class DbStats:
    """Counts of database work."""

    write_transactions: int = 0
    read_transactions: int = 0
    statements: int = 0
    hops: int = 0  # round trips to a connection's SQLite thread that the caller waited for

    def add(self, other: DbStats) -> None:
        """Add another count to this one."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


_scope: ContextVar[DbStats | None] = ContextVar("db_stats_scope", default=None)


@contextmanager
def counting(into: DbStats) -> Iterator[DbStats]:
    """Add the database work done inside this block (by this task) to ``into``."""
    token = _scope.set(into)
    try:
        yield into
    finally:
        _scope.reset(token)


def record(totals: DbStats, field: str, n: int = 1) -> None:
    """Count ``n`` of ``field`` in ``totals`` and in the current scope, if any."""
    setattr(totals, field, getattr(totals, field) + n)
    scoped = _scope.get()
    if scoped is not None and scoped is not totals:
        setattr(scoped, field, getattr(scoped, field) + n)
