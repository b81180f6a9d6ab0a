"""The outbox's SQL (migration 0004): what a clerk must be told, written with the change.

Like ``bot.storage.repo``, functions take the caller's connection and never commit:
``enqueue`` is called inside the transaction of the change it tells of.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

Conn = aiosqlite.Connection


@dataclass(frozen=True)
class OutboxRow:
    """One message (of ordered parts) to one chat."""

    id: int
    render: str
    chat_id: int
    booking_id: int | None
    payload: dict[str, Any]
    status: str
    parts_done: int
    attempts: int
    message_id: int | None

    @classmethod
    def from_row(cls, row: Any) -> OutboxRow:
        """Build from an ``outbox`` row."""
        return cls(row["id"], row["render"], row["chat_id"], row["booking_id"], json.loads(row["payload"]),
                   row["status"], row["parts_done"], row["attempts"], row["message_id"])


_COLUMNS = "id, render, chat_id, booking_id, payload, status, parts_done, attempts, message_id"


async def enqueue(conn: Conn, render: str, chat_id: int, *, booking_id: int | None = None,
                  payload: dict[str, Any] | None = None, now: datetime) -> int:
    """Record a message to deliver; returns its id."""
    cur = await conn.execute(
        "INSERT INTO outbox (render, chat_id, booking_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        (render, chat_id, booking_id, json.dumps(payload or {}, ensure_ascii=False), now.isoformat()),
    )
    return int(cur.lastrowid or 0)


async def get(conn: Conn, row_id: int) -> OutboxRow | None:
    """One row."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (row_id,)) as cur:
        row = await cur.fetchone()
    return OutboxRow.from_row(row) if row else None


async def pending_ids(conn: Conn, *, booking_id: int | None = None, chat_id: int | None = None) -> list[int]:
    """Rows not yet delivered, oldest first (optionally of one booking or one chat)."""
    sql, params = "SELECT id FROM outbox WHERE status = 'pending'", list[int]()
    if booking_id is not None:
        sql, params = sql + " AND booking_id = ?", [*params, booking_id]
    if chat_id is not None:
        sql, params = sql + " AND chat_id = ?", [*params, chat_id]
    async with conn.execute(sql + " ORDER BY id", params) as cur:
        return [r[0] for r in await cur.fetchall()]


async def pending_of_booking(conn: Conn, booking_id: int) -> list[OutboxRow]:
    """A booking's rows not yet delivered, oldest first."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE status = 'pending' AND booking_id = ?"
                            " ORDER BY id", (booking_id,)) as cur:
        return [OutboxRow.from_row(r) for r in await cur.fetchall()]


async def of_booking(conn: Conn, booking_id: int) -> list[OutboxRow]:
    """Every row of a booking, oldest first."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE booking_id = ? ORDER BY id",
                            (booking_id,)) as cur:
        return [OutboxRow.from_row(r) for r in await cur.fetchall()]


async def part_accepted(conn: Conn, row_id: int, part: int, message_id: int | None) -> bool:
    """Record that part ``part`` (0-based) was accepted; False if someone recorded it already."""
    cur = await conn.execute(
        "UPDATE outbox SET parts_done = ?, message_id = COALESCE(message_id, ?)"
        " WHERE id = ? AND parts_done = ? AND status = 'pending'",
        (part + 1, message_id, row_id, part),
    )
    return cur.rowcount == 1


async def attempt_failed(conn: Conn, row_id: int) -> int:
    """Count a failed attempt; returns the attempts so far."""
    await conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (row_id,))
    async with conn.execute("SELECT attempts FROM outbox WHERE id = ?", (row_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def finish(conn: Conn, row_id: int, status: str, now: datetime) -> None:
    """Close a row: 'sent', 'blocked' (the user blocked the bot) or 'failed' (refused for good)."""
    await conn.execute("UPDATE outbox SET status = ?, sent_at = ? WHERE id = ? AND status = 'pending'",
                       (status, now.isoformat(), row_id))
