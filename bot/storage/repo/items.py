"""Booking items (one business each) and their applicants."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.rules.basket import BusinessType
from bot.storage.models import Item, ReviewedItem
from bot.storage.repo._common import ACTIVE, Conn, all_rows, iso, marks, one


async def insert_item(conn: Conn, booking_id: int, business: BusinessType, ordinal: int) -> int:
    """Add an empty item to a booking."""
    cur = await conn.execute(
        "INSERT INTO booking_items (booking_id, business, ordinal) VALUES (?, ?, ?)",
        (booking_id, business.value, ordinal),
    )
    return int(cur.lastrowid or 0)


async def delete_item(conn: Conn, item_id: int) -> None:
    """Remove an item (when the item counts are lowered)."""
    await conn.execute("DELETE FROM booking_items WHERE id = ?", (item_id,))


_ORDER = {b: i for i, b in enumerate(BusinessType)}


def display_order(item: Item | ReviewedItem) -> tuple[int, int]:
    """An item's place on every screen: its business in the basket's order, then its ordinal."""
    return _ORDER[item.business], item.ordinal


def _in_display_order(items: list[Item]) -> list[Item]:
    return sorted(items, key=display_order)


async def items_of(conn: Conn, booking_id: int) -> list[Item]:
    """A booking's items in display order."""
    rows = await all_rows(conn, "SELECT * FROM booking_items WHERE booking_id = ? ORDER BY id", (booking_id,))
    return _in_display_order([Item.from_row(r) for r in rows])


async def get_item(conn: Conn, item_id: int) -> Item | None:
    """The item with this id."""
    row = await one(conn, "SELECT * FROM booking_items WHERE id = ?", (item_id,))
    return Item.from_row(row) if row else None


async def fill_item(conn: Conn, item_id: int, fields: Mapping[str, str | None], now: datetime) -> None:
    """Save an item's applicant data."""
    await conn.execute(
        "UPDATE booking_items SET applicant_name = ?, id_type = ?, id_number = ?, phone = ?,"
        " permit_number = ?, change_description = ?, filled_at = ? WHERE id = ?",
        (fields["name"], fields["id_type"], fields["id_number"], fields["phone"],
         fields.get("permit_number"), fields.get("change_description"), iso(now), item_id),
    )


async def person_has_active_item(
    conn: Conn, unit_id: int, id_number: str, business: BusinessType, *, except_item: int | None = None
) -> bool:
    """Whether this person already holds this business type in an active booking of the unit."""
    row = await one(
        conn,
        "SELECT 1 FROM booking_items i JOIN bookings b ON b.id = i.booking_id"
        f" WHERE b.unit_id = ? AND b.state IN ({marks(len(ACTIVE))}) AND i.id_number = ?"
        " AND i.business = ? AND i.id != ? LIMIT 1",
        (unit_id, *ACTIVE, id_number, business.value, except_item or 0),
    )
    return row is not None


async def set_item_review(
    conn: Conn, item_id: int, review: str, reason: str | None, by: int | None, now: datetime
) -> None:
    """Record a staff review result of an item."""
    await conn.execute(
        "UPDATE booking_items SET review = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
        (review, reason, by, iso(now), item_id),
    )

