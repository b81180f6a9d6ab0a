"""The notifications log that makes each reminder exactly-once."""

from __future__ import annotations

from datetime import datetime

from bot.storage.repo._common import Conn, iso, one


async def claim_notification(conn: Conn, key: str, kind: str, user_id: int, now: datetime) -> bool:
    """Claim a notification before sending it; False if it was claimed or sent already."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO notifications (key, kind, user_id, status, claimed_at) VALUES (?, ?, ?, 'claimed', ?)",
        (key, kind, user_id, iso(now)),
    )
    return cur.rowcount == 1


async def finish_notification(conn: Conn, key: str, status: str, now: datetime) -> None:
    """Record how a claimed notification ended: 'sent', 'failed' or 'blocked'."""
    await conn.execute(
        "UPDATE notifications SET status = ?, sent_at = ? WHERE key = ?", (status, iso(now), key)
    )


async def get_notification(conn: Conn, key: str) -> tuple[str, int, datetime] | None:
    """(status, attempts, claimed_at) of a notification, if it was ever claimed."""
    row = await one(conn, "SELECT status, attempts, claimed_at FROM notifications WHERE key = ?", (key,))
    return (row[0], row[1], datetime.fromisoformat(row[2])) if row else None


async def resume_notification(conn: Conn, key: str, attempts: int, now: datetime) -> bool:
    """Take over a claim left unfinished, if nobody took it over since it had ``attempts``.

    The compare on ``attempts`` makes the take-over itself a claim: of two processes
    resuming the same crashed claim, exactly one gets True.
    """
    cur = await conn.execute(
        "UPDATE notifications SET attempts = attempts + 1, claimed_at = ?"
        " WHERE key = ? AND status = 'claimed' AND attempts = ?",
        (iso(now), key, attempts),
    )
    return cur.rowcount == 1


async def archive_notification(conn: Conn, key: str, new_key: str) -> None:
    """Rename a finished notification, so that its key can be claimed afresh (a re-armed 有号提醒)."""
    await conn.execute("UPDATE OR REPLACE notifications SET key = ? WHERE key = ?", (new_key, key))

