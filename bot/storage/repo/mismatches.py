"""材料不符 mismatches, one row per item with its state (migration 0005; SPEC §8).

The service (``bot.services.mismatches``) decides every transition with
``bot.rules.freeze``; these functions only read and write rows inside the caller's
transaction. A counted mismatch carries the month it counts in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.rules.freeze import MismatchState, month_key
from bot.storage.models import Mismatch
from bot.storage.repo._common import Conn, all_rows, iso, marks, one

_OPEN = (MismatchState.PENDING.value, MismatchState.CORRECTED.value)


async def mismatch_of_item(conn: Conn, item_id: int) -> Mismatch | None:
    """The mismatch row of an item, if it was ever marked 材料不符."""
    row = await one(conn, "SELECT * FROM mismatches WHERE item_id = ?", (item_id,))
    return Mismatch.from_row(row) if row else None


async def mismatches_of_booking(conn: Conn, booking_id: int) -> dict[int, Mismatch]:
    """The mismatches of a booking's items, by item id."""
    rows = await all_rows(conn, "SELECT * FROM mismatches WHERE booking_id = ? AND item_id IS NOT NULL",
                          (booking_id,))
    return {r["item_id"]: Mismatch.from_row(r) for r in rows}


async def open_mismatches(conn: Conn) -> list[Mismatch]:
    """Every pending or corrected mismatch (the deadline sweep's candidates), oldest first."""
    rows = await all_rows(conn, f"SELECT * FROM mismatches WHERE state IN ({marks(len(_OPEN))}) ORDER BY id", _OPEN)
    return [Mismatch.from_row(r) for r in rows]


async def give_mismatch(conn: Conn, unit_id: int, booking_id: int, item_id: int, by: int | None,
                        now: datetime) -> None:
    """Staff gave 材料不符 to an item: a pending row (new, or reopened from corrected/withdrawn)."""
    await conn.execute(
        "INSERT INTO mismatches (unit_id, booking_id, item_id, state, given_at, given_by, updated_at)"
        " VALUES (?, ?, ?, 'pending', ?, ?, ?)"
        " ON CONFLICT (item_id) DO UPDATE SET state = 'pending', given_at = excluded.given_at,"
        " given_by = excluded.given_by, corrected_at = NULL, corrected_by = NULL, counted_at = NULL,"
        " month = NULL, withdrawn_at = NULL, updated_at = excluded.updated_at",
        (unit_id, booking_id, item_id, iso(now), by, iso(now)),
    )


async def set_mismatch_state(conn: Conn, mismatch_id: int, before: MismatchState, after: MismatchState,
                             now: datetime, *, by: int | None = None, counted_at: datetime | None = None) -> bool:
    """Move one mismatch from ``before`` to ``after``; False if it was no longer ``before``.

    ``counted_at`` is required when ``after`` is counted (its month is derived from it).
    """
    sets = ["state = ?", "updated_at = ?"]
    params: list[Any] = [after.value, iso(now)]
    if after is MismatchState.COUNTED:
        if counted_at is None:
            raise ValueError("a counted mismatch needs the instant it counted")
        sets += ["counted_at = ?", "month = ?"]
        params += [iso(counted_at), month_key(counted_at)]
    else:
        sets += ["counted_at = NULL", "month = NULL"]
    if after is MismatchState.CORRECTED:
        sets += ["corrected_at = ?", "corrected_by = ?"]
        params += [iso(now), by]
    if after is MismatchState.WITHDRAWN:
        sets.append("withdrawn_at = ?")
        params.append(iso(now))
    cur = await conn.execute(
        f"UPDATE mismatches SET {', '.join(sets)} WHERE id = ? AND state = ?", (*params, mismatch_id, before.value)
    )
    return cur.rowcount == 1


async def add_mismatch(conn: Conn, unit_id: int, item_id: int | None, month: str, by: int | None,
                       now: datetime) -> None:
    """Record one mismatch counted at ``now`` in ``month`` (normally ``now``'s; tests seed with it)."""
    row = await one(conn, "SELECT booking_id FROM booking_items WHERE id = ?", (item_id,)) if item_id else None
    await conn.execute(
        "INSERT INTO mismatches (unit_id, booking_id, item_id, state, given_at, given_by, counted_at, month,"
        " updated_at) VALUES (?, ?, ?, 'counted', ?, ?, ?, ?, ?)",
        (unit_id, row[0] if row else None, item_id, iso(now), by, iso(now), month, iso(now)),
    )


async def mismatch_times(conn: Conn, unit_id: int, month: str) -> list[datetime]:
    """When the unit's mismatches counted in a month ('YYYY-MM') counted."""
    rows = await all_rows(
        conn, "SELECT counted_at FROM mismatches WHERE unit_id = ? AND month = ? AND state = 'counted'",
        (unit_id, month),
    )
    return [datetime.fromisoformat(r[0]) for r in rows]


async def units_over_mismatch_limit(conn: Conn, month: str, limit: int) -> list[int]:
    """Units with more than ``limit`` counted mismatches in a month ('YYYY-MM'): frozen in it."""
    rows = await all_rows(
        conn,
        "SELECT unit_id FROM mismatches WHERE month = ? AND state = 'counted'"
        " GROUP BY unit_id HAVING COUNT(*) > ? ORDER BY unit_id",
        (month, limit),
    )
    return [r[0] for r in rows]
