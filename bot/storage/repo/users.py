"""Telegram users: binding to units, settings, login throttling, staff membership, recipients."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.storage.models import TgUser
from bot.storage.repo._common import Conn, all_rows, iso, marks, one


async def touch_tg_user(conn: Conn, user_id: int, first_name: str, now: datetime) -> None:
    """Record a Telegram user (or refresh its name); clears a blocked mark."""
    await conn.execute(
        "INSERT INTO tg_users (user_id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name,"
        " blocked_at = NULL, updated_at = excluded.updated_at",
        (user_id, first_name, iso(now), iso(now)),
    )


async def get_tg_user(conn: Conn, user_id: int) -> TgUser | None:
    """The Telegram user's record."""
    row = await one(conn, "SELECT * FROM tg_users WHERE user_id = ?", (user_id,))
    return TgUser.from_row(row) if row else None


async def bind_user(conn: Conn, user_id: int, unit_id: int, *, must_set_password: bool, now: datetime) -> None:
    """Bind a Telegram user to a unit (log in)."""
    await conn.execute(
        "UPDATE tg_users SET unit_id = ?, bound_at = ?, must_set_password = ?, updated_at = ?"
        " WHERE user_id = ?",
        (unit_id, iso(now), int(must_set_password), iso(now), user_id),
    )


async def clear_must_set_password(conn: Conn, user_id: int, now: datetime) -> None:
    """The user has chosen the unit's own password."""
    await conn.execute(
        "UPDATE tg_users SET must_set_password = 0, updated_at = ? WHERE user_id = ?", (iso(now), user_id)
    )


async def unbind_user(conn: Conn, user_id: int, now: datetime) -> None:
    """Unbind one Telegram user (log out)."""
    await conn.execute(
        "UPDATE tg_users SET unit_id = NULL, bound_at = NULL, must_set_password = 0, updated_at = ?"
        " WHERE user_id = ?",
        (iso(now), user_id),
    )


async def unbind_unit(conn: Conn, unit_id: int, now: datetime) -> list[int]:
    """Unbind every Telegram user of a unit; returns their ids."""
    rows = await all_rows(conn, "SELECT user_id FROM tg_users WHERE unit_id = ?", (unit_id,))
    await conn.execute(
        "UPDATE tg_users SET unit_id = NULL, bound_at = NULL, must_set_password = 0, updated_at = ?"
        " WHERE unit_id = ?",
        (iso(now), unit_id),
    )
    return [r[0] for r in rows]


async def clerks_of_unit(conn: Conn, unit_id: int) -> list[TgUser]:
    """The Telegram users bound to a unit."""
    rows = await all_rows(conn, "SELECT * FROM tg_users WHERE unit_id = ? ORDER BY bound_at", (unit_id,))
    return [TgUser.from_row(r) for r in rows]


async def set_notice_version(conn: Conn, user_id: int, version: str, now: datetime) -> None:
    """Record that the user accepted the notice text with this version."""
    await conn.execute(
        "UPDATE tg_users SET notice_version = ?, updated_at = ? WHERE user_id = ?", (version, iso(now), user_id)
    )


async def set_release_notice(conn: Conn, user_id: int, enabled: bool, now: datetime) -> None:
    """Turn the 09:00 release notice on or off for a user."""
    await conn.execute(
        "UPDATE tg_users SET release_notice = ?, updated_at = ? WHERE user_id = ?", (int(enabled), iso(now), user_id)
    )


async def mark_blocked(conn: Conn, user_id: int, now: datetime) -> None:
    """The user blocked the bot: skip them in bulk sends until they write again."""
    await conn.execute(
        "UPDATE tg_users SET blocked_at = ?, updated_at = ? WHERE user_id = ?", (iso(now), iso(now), user_id)
    )


async def all_clerk_ids(conn: Conn) -> list[int]:
    """Every bound, unblocked clerk."""
    rows = await all_rows(
        conn, "SELECT user_id FROM tg_users WHERE unit_id IS NOT NULL AND blocked_at IS NULL ORDER BY user_id"
    )
    return [r[0] for r in rows]


async def get_login_failures(conn: Conn, key: str) -> tuple[int, datetime | None]:
    """(failures, locked_until) for a throttling key."""
    row = await one(conn, "SELECT failures, locked_until FROM login_failures WHERE key = ?", (key,))
    if not row:
        return 0, None
    return row[0], datetime.fromisoformat(row[1]) if row[1] else None


async def set_login_failures(
    conn: Conn, key: str, failures: int, locked_until: datetime | None, now: datetime
) -> None:
    """Store the failure count and lock of a throttling key."""
    await conn.execute(
        "INSERT INTO login_failures (key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
        " locked_until = excluded.locked_until, updated_at = excluded.updated_at",
        (key, failures, iso(locked_until) if locked_until else None, iso(now)),
    )


async def clear_login_failures(conn: Conn, keys: Iterable[str]) -> None:
    """Forget the failures of these keys (after a successful login)."""
    keys = list(keys)
    if keys:
        await conn.execute(f"DELETE FROM login_failures WHERE key IN ({marks(len(keys))})", keys)


async def list_staff(conn: Conn) -> list[tuple[int, str]]:
    """(user_id, name) of every staff member added by an admin."""
    rows = await all_rows(conn, "SELECT user_id, name FROM staff ORDER BY added_at")
    return [(r[0], r[1]) for r in rows]


async def is_staff(conn: Conn, user_id: int) -> bool:
    """Whether an admin added this user as staff."""
    return await one(conn, "SELECT 1 FROM staff WHERE user_id = ?", (user_id,)) is not None


async def add_staff(conn: Conn, user_id: int, name: str, added_by: int | None, now: datetime) -> bool:
    """Add a staff member; False if already there."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO staff (user_id, name, added_by, added_at) VALUES (?, ?, ?, ?)",
        (user_id, name, added_by, iso(now)),
    )
    return cur.rowcount == 1


async def remove_staff(conn: Conn, user_id: int) -> bool:
    """Remove a staff member; False if not there."""
    cur = await conn.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
    return cur.rowcount == 1


async def release_notice_recipients(conn: Conn, bound_by: datetime) -> list[int]:
    """Bound, unblocked clerks who want the release notice and were logged in by ``bound_by``."""
    rows = await all_rows(
        conn,
        "SELECT user_id FROM tg_users WHERE unit_id IS NOT NULL AND blocked_at IS NULL AND release_notice = 1"
        " AND must_set_password = 0 AND bound_at <= ? ORDER BY user_id",
        (iso(bound_by),),
    )
    return [r[0] for r in rows]


async def users_known_by(conn: Conn, user_ids: Iterable[int], known_by: datetime) -> list[int]:
    """Which of ``user_ids`` are unblocked Telegram users who first wrote to the bot by ``known_by``."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    rows = await all_rows(
        conn,
        f"SELECT user_id FROM tg_users WHERE user_id IN ({marks(len(ids))}) AND blocked_at IS NULL"
        " AND created_at <= ? ORDER BY user_id",
        (*ids, iso(known_by)),
    )
    return [r[0] for r in rows]


async def people_names(conn: Conn, user_ids: Iterable[int]) -> dict[int, tuple[str, str, bool]]:
    """(staff name, Telegram first name, is a bound clerk) of each known user id."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    holes = marks(len(ids))
    rows = await all_rows(
        conn,
        f"SELECT u.user_id, COALESCE(s.name, ''), COALESCE(t.first_name, ''), t.unit_id IS NOT NULL "
        f"FROM (SELECT user_id FROM staff WHERE user_id IN ({holes}) "
        f"      UNION SELECT user_id FROM tg_users WHERE user_id IN ({holes})) u "
        f"LEFT JOIN staff s ON s.user_id = u.user_id LEFT JOIN tg_users t ON t.user_id = u.user_id",
        [*ids, *ids],
    )
    return {r[0]: (r[1], r[2], bool(r[3])) for r in rows}
