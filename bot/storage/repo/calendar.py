"""Calendar overrides and confirmed years."""

from __future__ import annotations

from datetime import date, datetime

from bot.rules.calendar import DayKind
from bot.storage.repo._common import Conn, all_rows, iso


async def calendar_overrides(conn: Conn) -> dict[date, DayKind]:
    """Every staff calendar override."""
    rows = await all_rows(conn, "SELECT date, kind FROM calendar_overrides")
    return {date.fromisoformat(r[0]): r[1] for r in rows}


async def set_calendar_override(conn: Conn, day: date, kind: DayKind, note: str, by: int | None, now: datetime) -> None:
    """Set (or replace) the override of a date."""
    await conn.execute(
        "INSERT INTO calendar_overrides (date, kind, note, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, note = excluded.note,"
        " set_by = excluded.set_by, set_at = excluded.set_at",
        (day.isoformat(), kind, note, by, iso(now)),
    )


async def delete_calendar_override(conn: Conn, day: date) -> bool:
    """Remove a date's override; False if it had none."""
    cur = await conn.execute("DELETE FROM calendar_overrides WHERE date = ?", (day.isoformat(),))
    return cur.rowcount == 1


async def confirmed_years(conn: Conn) -> set[int]:
    """Years whose calendar an admin confirmed."""
    return {r[0] for r in await all_rows(conn, "SELECT year FROM confirmed_years")}


async def confirm_year(conn: Conn, year: int, by: int | None, now: datetime) -> bool:
    """Mark a year's calendar confirmed; False if it already was."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO confirmed_years (year, confirmed_by, confirmed_at) VALUES (?, ?, ?)",
        (year, by, iso(now)),
    )
    return cur.rowcount == 1


async def calendar_override_notes(conn: Conn, start: date, end: date) -> dict[date, tuple[DayKind, str]]:
    """(kind, note) of the calendar overrides in [start, end]."""
    rows = await all_rows(
        conn, "SELECT date, kind, note FROM calendar_overrides WHERE date BETWEEN ? AND ?",
        (start.isoformat(), end.isoformat()),
    )
    return {date.fromisoformat(r[0]): (r[1], r[2]) for r in rows}

