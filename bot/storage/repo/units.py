"""Units (employers): accounts, names, passwords."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.storage.models import Unit
from bot.storage.repo._common import Conn, all_rows, iso, marks, one


async def insert_unit(
    conn: Conn, username: str, name: str, password_hash: str, now: datetime, *, temporary: bool = True
) -> int:
    """Create a unit account; raises sqlite3.IntegrityError if the username is taken."""
    cur = await conn.execute(
        "INSERT INTO units (username, name, password_hash, password_temporary, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (username, name, password_hash, int(temporary), iso(now), iso(now)),
    )
    return int(cur.lastrowid or 0)


async def get_unit(conn: Conn, unit_id: int) -> Unit | None:
    """The unit with this id."""
    row = await one(conn, "SELECT * FROM units WHERE id = ?", (unit_id,))
    return Unit.from_row(row) if row else None


async def get_unit_by_username(conn: Conn, username: str) -> Unit | None:
    """The unit with this username (case-insensitive)."""
    row = await one(conn, "SELECT * FROM units WHERE username = ?", (username.strip(),))
    return Unit.from_row(row) if row else None


async def existing_usernames(conn: Conn, usernames: Iterable[str]) -> set[str]:
    """Which of ``usernames`` already exist (lower-cased)."""
    names = [u.lower() for u in usernames]
    if not names:
        return set()
    rows = await all_rows(
        conn, f"SELECT lower(username) FROM units WHERE lower(username) IN ({marks(len(names))})", names
    )
    return {r[0] for r in rows}


async def search_units(conn: Conn, text: str, limit: int = 10) -> list[Unit]:
    """Units whose username or name contains ``text``."""
    pattern = f"%{text.strip()}%"
    rows = await all_rows(
        conn,
        "SELECT * FROM units WHERE username LIKE ? OR name LIKE ? ORDER BY username LIMIT ?",
        (pattern, pattern, limit),
    )
    return [Unit.from_row(r) for r in rows]


async def set_unit_password(
    conn: Conn, unit_id: int, password_hash: str, *, temporary: bool, now: datetime
) -> None:
    """Replace the unit's password hash."""
    await conn.execute(
        "UPDATE units SET password_hash = ?, password_temporary = ?, updated_at = ? WHERE id = ?",
        (password_hash, int(temporary), iso(now), unit_id),
    )


async def rename_unit(conn: Conn, unit_id: int, name: str, now: datetime) -> None:
    """Change the unit's display name."""
    await conn.execute("UPDATE units SET name = ?, updated_at = ? WHERE id = ?", (name, iso(now), unit_id))

