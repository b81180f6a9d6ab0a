"""Broadcasts (SPEC §11) and their recipients (each also a notification: bot.delivery.broadcasts)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.storage.models import BroadcastRow
from bot.storage.repo._common import Conn, all_rows, iso, one


async def insert_broadcast(
    conn: Conn,
    *,
    created_by: int,
    text: str,
    audience: str,
    audience_date: date | None,
    progress_chat_id: int | None,
    progress_message_id: int | None,
    now: datetime,
) -> int:
    """Store a queued broadcast; returns its id."""
    cur = await conn.execute(
        "INSERT INTO broadcasts (created_by, text, audience, audience_date, status, created_at,"
        " progress_chat_id, progress_message_id) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)",
        (created_by, text, audience, audience_date.isoformat() if audience_date else None, iso(now),
         progress_chat_id, progress_message_id),
    )
    return int(cur.lastrowid or 0)


async def insert_broadcast_recipients(conn: Conn, broadcast_id: int, user_ids: Iterable[int]) -> None:
    """Store the recipients of a broadcast, all pending."""
    await conn.executemany(
        "INSERT OR IGNORE INTO broadcast_recipients (broadcast_id, user_id) VALUES (?, ?)",
        [(broadcast_id, user_id) for user_id in user_ids],
    )


async def get_broadcast(conn: Conn, broadcast_id: int) -> BroadcastRow | None:
    """The broadcast with this id."""
    r = await one(conn, "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    if not r:
        return None
    return BroadcastRow(
        r["id"], r["created_by"], r["text"], r["audience"],
        date.fromisoformat(r["audience_date"]) if r["audience_date"] else None, r["status"],
        datetime.fromisoformat(r["created_at"]),
        datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None,
        r["progress_chat_id"], r["progress_message_id"],
    )


async def unfinished_broadcasts(conn: Conn) -> list[int]:
    """Ids of the broadcasts still queued or sending, oldest first."""
    rows = await all_rows(conn, "SELECT id FROM broadcasts WHERE status != 'done' ORDER BY id")
    return [r[0] for r in rows]


async def set_broadcast_status(conn: Conn, broadcast_id: int, status: str, now: datetime) -> None:
    """Move a broadcast to 'sending' or 'done' (the latter records when it finished)."""
    await conn.execute(
        "UPDATE broadcasts SET status = ?, finished_at = CASE WHEN ? = 'done' THEN ? ELSE finished_at END"
        " WHERE id = ?",
        (status, status, iso(now), broadcast_id),
    )


async def finish_broadcast(conn: Conn, broadcast_id: int, now: datetime) -> bool:
    """Mark a broadcast 'done'; False if it was done already (another instance finished it)."""
    cur = await conn.execute(
        "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status != 'done'",
        (iso(now), broadcast_id),
    )
    return cur.rowcount == 1


async def pending_recipients(conn: Conn, broadcast_id: int) -> list[int]:
    """The recipients of a broadcast not yet sent to (nor given up), by user id."""
    rows = await all_rows(
        conn,
        "SELECT user_id FROM broadcast_recipients WHERE broadcast_id = ? AND status = 'pending' ORDER BY user_id",
        (broadcast_id,),
    )
    return [r[0] for r in rows]


async def finish_broadcast_recipient(
    conn: Conn, broadcast_id: int, user_id: int, status: str, attempts: int, now: datetime
) -> bool:
    """Record how sending to one recipient ended ('sent', 'failed', 'blocked'); False if it was not pending."""
    cur = await conn.execute(
        "UPDATE broadcast_recipients SET status = ?, attempts = attempts + ?, sent_at = ?"
        " WHERE broadcast_id = ? AND user_id = ? AND status = 'pending'",
        (status, attempts, iso(now), broadcast_id, user_id),
    )
    return cur.rowcount == 1


async def broadcast_tally(conn: Conn, broadcast_id: int) -> dict[str, int]:
    """How many recipients of a broadcast are in each status."""
    rows = await all_rows(
        conn, "SELECT status, COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    return {r[0]: r[1] for r in rows}


async def broadcast_recipients(conn: Conn, broadcast_id: int) -> dict[int, tuple[str, int]]:
    """(status, attempts) of every recipient of a broadcast, by user id."""
    rows = await all_rows(
        conn, "SELECT user_id, status, attempts FROM broadcast_recipients WHERE broadcast_id = ?", (broadcast_id,)
    )
    return {r[0]: (r[1], r[2]) for r in rows}
