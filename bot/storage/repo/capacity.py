"""Session capacity: minutes taken and returned, per-session capacity and closures, closed dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.rules.capacity import SlotUsage
from bot.storage.repo._common import Conn, all_rows, iso, marks


async def slot_usage(conn: Conn, days: Iterable[date]) -> dict[tuple[date, str], SlotUsage]:
    """What is known of each session of these dates (absent: defaults, nothing used)."""
    keys = [d.isoformat() for d in days]
    if not keys:
        return {}
    rows = await all_rows(
        conn, f"SELECT date, session, capacity, closed, used FROM slots WHERE date IN ({marks(len(keys))})", keys
    )
    return {
        (date.fromisoformat(r[0]), r[1]): SlotUsage(capacity=r[2], closed=bool(r[3]), used=r[4]) for r in rows
    }


async def _ensure_slot(conn: Conn, day: date, session: str) -> None:
    await conn.execute("INSERT OR IGNORE INTO slots (date, session) VALUES (?, ?)", (day.isoformat(), session))


async def take_minutes(conn: Conn, day: date, session: str, minutes: int, default_capacity: int) -> bool:
    """Take minutes from a session if they still fit; False (and nothing changed) if not.

    The check and the update are one conditional UPDATE, so two takers can never both
    get the last minutes.
    """
    await _ensure_slot(conn, day, session)
    cur = await conn.execute(
        "UPDATE slots SET used = used + ? WHERE date = ? AND session = ? AND closed = 0"
        " AND used + ? <= COALESCE(capacity, ?)",
        (minutes, day.isoformat(), session, minutes, default_capacity),
    )
    return cur.rowcount == 1


async def return_minutes(conn: Conn, day: date, session: str, minutes: int) -> None:
    """Give minutes back to a session (cancel, release, move)."""
    await conn.execute(
        "UPDATE slots SET used = MAX(0, used - ?) WHERE date = ? AND session = ?",
        (minutes, day.isoformat(), session),
    )


async def set_slot_capacity(conn: Conn, day: date, session: str, capacity: int | None) -> None:
    """Override (or, with None, reset) a session's capacity."""
    await _ensure_slot(conn, day, session)
    await conn.execute(
        "UPDATE slots SET capacity = ? WHERE date = ? AND session = ?", (capacity, day.isoformat(), session)
    )


async def set_slot_closed(conn: Conn, day: date, session: str, closed: bool) -> None:
    """Close or reopen one session of a date."""
    await _ensure_slot(conn, day, session)
    await conn.execute(
        "UPDATE slots SET closed = ? WHERE date = ? AND session = ?", (int(closed), day.isoformat(), session)
    )


async def closed_dates(conn: Conn, start: date, end: date) -> dict[date, str]:
    """Dates the centre closed in [start, end], with the reason."""
    rows = await all_rows(
        conn, "SELECT date, reason FROM closed_dates WHERE date BETWEEN ? AND ?", (start.isoformat(), end.isoformat())
    )
    return {date.fromisoformat(r[0]): r[1] for r in rows}


async def close_date(conn: Conn, day: date, reason: str, by: int | None, now: datetime) -> bool:
    """Close a whole date; False if it was already closed."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO closed_dates (date, reason, closed_by, closed_at) VALUES (?, ?, ?, ?)",
        (day.isoformat(), reason, by, iso(now)),
    )
    return cur.rowcount == 1


async def reopen_date(conn: Conn, day: date) -> bool:
    """Undo a date closure; False if it was not closed."""
    cur = await conn.execute("DELETE FROM closed_dates WHERE date = ?", (day.isoformat(),))
    return cur.rowcount == 1

