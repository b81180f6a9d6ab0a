"""The SQL of 材料不符 mismatches (table ``mismatches``, migration 0005; SPEC §8).

One row per item ever marked 材料不符, holding its state (``bot.rules.freeze``):
the service decides every transition, these functions only read and write rows inside
the caller's transaction. Counted mismatches carry the month they count in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.rules.freeze import MismatchState, month_key
from bot.storage.models import Mismatch

Conn = aiosqlite.Connection

_OPEN = (MismatchState.PENDING.value, MismatchState.CORRECTED.value)


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("instants are stored timezone-aware")
    return value.isoformat()


async def _all(conn: Conn, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    async with conn.execute(sql, params) as cur:
        return list(await cur.fetchall())


async def of_item(conn: Conn, item_id: int) -> Mismatch | None:
    """The mismatch row of an item, if it was ever marked 材料不符."""
    rows = await _all(conn, "SELECT * FROM mismatches WHERE item_id = ?", (item_id,))
    return Mismatch.from_row(rows[0]) if rows else None


async def of_booking(conn: Conn, booking_id: int) -> dict[int, Mismatch]:
    """The mismatches of a booking's items, by item id."""
    rows = await _all(conn, "SELECT * FROM mismatches WHERE booking_id = ? AND item_id IS NOT NULL", (booking_id,))
    return {r["item_id"]: Mismatch.from_row(r) for r in rows}


async def open_mismatches(conn: Conn) -> list[Mismatch]:
    """Every pending or corrected mismatch (the deadline sweep's candidates), oldest first."""
    rows = await _all(conn, f"SELECT * FROM mismatches WHERE state IN ({','.join('?' * len(_OPEN))}) ORDER BY id",
                      _OPEN)
    return [Mismatch.from_row(r) for r in rows]


async def counted_since(conn: Conn, since: datetime) -> list[Mismatch]:
    """Mismatches counted at or after ``since`` (whose clerks may still need telling)."""
    rows = await _all(conn, "SELECT * FROM mismatches WHERE state = 'counted' AND counted_at >= ? ORDER BY id",
                      (_iso(since),))
    return [Mismatch.from_row(r) for r in rows if datetime.fromisoformat(r["counted_at"]) >= since]


async def give(conn: Conn, unit_id: int, booking_id: int, item_id: int, by: int | None, now: datetime) -> None:
    """Staff gave 材料不符 to an item: a pending row (new, or reopened from corrected/withdrawn)."""
    await conn.execute(
        "INSERT INTO mismatches (unit_id, booking_id, item_id, state, given_at, given_by, updated_at)"
        " VALUES (?, ?, ?, 'pending', ?, ?, ?)"
        " ON CONFLICT (item_id) DO UPDATE SET state = 'pending', given_at = excluded.given_at,"
        " given_by = excluded.given_by, corrected_at = NULL, corrected_by = NULL, counted_at = NULL,"
        " month = NULL, withdrawn_at = NULL, updated_at = excluded.updated_at",
        (unit_id, booking_id, item_id, _iso(now), by, _iso(now)),
    )


async def set_state(conn: Conn, mismatch_id: int, before: MismatchState, after: MismatchState, now: datetime, *,
                    by: int | None = None, counted_at: datetime | None = None) -> bool:
    """Move one mismatch from ``before`` to ``after``; False if it was no longer ``before``.

    ``counted_at`` is required when ``after`` is counted (its month is derived from it).
    """
    sets = ["state = ?", "updated_at = ?"]
    params: list[Any] = [after.value, _iso(now)]
    if after is MismatchState.COUNTED:
        if counted_at is None:
            raise ValueError("a counted mismatch needs the instant it counted")
        sets += ["counted_at = ?", "month = ?"]
        params += [_iso(counted_at), month_key(counted_at)]
    else:
        sets += ["counted_at = NULL", "month = NULL"]
    if after is MismatchState.CORRECTED:
        sets += ["corrected_at = ?", "corrected_by = ?"]
        params += [_iso(now), by]
    if after is MismatchState.WITHDRAWN:
        sets.append("withdrawn_at = ?")
        params.append(_iso(now))
    cur = await conn.execute(
        f"UPDATE mismatches SET {', '.join(sets)} WHERE id = ? AND state = ?", (*params, mismatch_id, before.value)
    )
    return cur.rowcount == 1


async def add_counted(conn: Conn, unit_id: int, item_id: int | None, month: str, by: int | None,
                      now: datetime) -> None:
    """Record one mismatch counted at ``now`` in ``month`` (normally ``now``'s; tests seed with it)."""
    booking = await _all(conn, "SELECT booking_id FROM booking_items WHERE id = ?", (item_id,)) if item_id else []
    await conn.execute(
        "INSERT INTO mismatches (unit_id, booking_id, item_id, state, given_at, given_by, counted_at, month,"
        " updated_at) VALUES (?, ?, ?, 'counted', ?, ?, ?, ?, ?)",
        (unit_id, booking[0][0] if booking else None, item_id, _iso(now), by, _iso(now), month, _iso(now)),
    )


async def counted_times(conn: Conn, unit_id: int, month: str) -> list[datetime]:
    """When the unit's mismatches counted in a month ('YYYY-MM') counted."""
    rows = await _all(
        conn, "SELECT counted_at FROM mismatches WHERE unit_id = ? AND month = ? AND state = 'counted'",
        (unit_id, month),
    )
    return [datetime.fromisoformat(r[0]) for r in rows]


async def units_over_limit(conn: Conn, month: str, limit: int) -> list[int]:
    """Units with more than ``limit`` counted mismatches in a month ('YYYY-MM'): frozen in it."""
    rows = await _all(
        conn,
        "SELECT unit_id FROM mismatches WHERE month = ? AND state = 'counted'"
        " GROUP BY unit_id HAVING COUNT(*) > ? ORDER BY unit_id",
        (month, limit),
    )
    return [r[0] for r in rows]
