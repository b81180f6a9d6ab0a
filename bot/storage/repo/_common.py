"""Helpers every repository module shares: the connection type, row fetching, instants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.rules.states import ACTIVE_STATES

Conn = aiosqlite.Connection


def iso(value: datetime) -> str:
    """An instant as stored: ISO-8601 with its offset (naive instants are a bug)."""
    if value.tzinfo is None:
        raise ValueError("instants are stored timezone-aware")
    return value.isoformat()


async def one(conn: Conn, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first row of ``sql``, or None."""
    async with conn.execute(sql, params) as cur:
        return await cur.fetchone()


async def all_rows(conn: Conn, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Every row of ``sql``."""
    async with conn.execute(sql, params) as cur:
        return list(await cur.fetchall())


def marks(n: int) -> str:
    """``n`` comma-separated ``?`` placeholders for an ``IN (…)`` list."""
    return ",".join("?" * n)


# the states that hold a booking's date (one per unit per date)
ACTIVE = tuple(s.value for s in ACTIVE_STATES)
