"""有号提醒: clerks waiting for minutes on a full date."""

from __future__ import annotations

from datetime import date, datetime

from bot.storage.repo._common import Conn, all_rows, iso, one


async def add_watch(conn: Conn, user_id: int, unit_id: int, day: date, minutes: int, now: datetime) -> bool:
    """Ask to be told when ``minutes`` free up on ``day``; False if already waiting."""
    cur = await conn.execute(
        "INSERT INTO availability_watches (user_id, unit_id, date, minutes, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id, date) DO UPDATE SET minutes = excluded.minutes, notified_at = NULL"
        " WHERE availability_watches.notified_at IS NOT NULL",
        (user_id, unit_id, day.isoformat(), minutes, iso(now)),
    )
    return cur.rowcount == 1


async def open_watches(conn: Conn, day: date) -> list[tuple[int, int, int]]:
    """(watch id, user id, minutes) of the requests still waiting on a date."""
    rows = await all_rows(
        conn, "SELECT id, user_id, minutes FROM availability_watches WHERE date = ? AND notified_at IS NULL",
        (day.isoformat(),),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def mark_watch_notified(conn: Conn, watch_id: int, now: datetime) -> None:
    """The waiting clerk has been told; the request is consumed."""
    await conn.execute("UPDATE availability_watches SET notified_at = ? WHERE id = ?", (iso(now), watch_id))


async def watch_is_open(conn: Conn, watch_id: int) -> bool:
    """Whether a 有号提醒 request is still waiting (not yet served)."""
    row = await one(conn, "SELECT 1 FROM availability_watches WHERE id = ? AND notified_at IS NULL", (watch_id,))
    return row is not None


async def waiting_watch_dates(conn: Conn, after: date) -> list[date]:
    """The dates after ``after`` that have 有号提醒 requests still waiting."""
    rows = await all_rows(
        conn, "SELECT DISTINCT date FROM availability_watches WHERE notified_at IS NULL AND date > ? ORDER BY date",
        (after.isoformat(),),
    )
    return [date.fromisoformat(r[0]) for r in rows]

