"""Reviews and evaluations (材料不符 mismatches: ``bot.storage.repo.mismatches``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.rules.basket import BusinessType
from bot.rules.states import BookingState
from bot.storage.models import Booking, FinishedBooking, ReviewedItem
from bot.storage.repo._common import Conn, all_rows, iso, one
from bot.storage.repo.items import display_order


async def add_evaluation(conn: Conn, booking_id: int, rating: int, comment: str, by: int | None, now: datetime) -> bool:
    """Store a booking's satisfaction rating; False if it was already rated."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO evaluations (booking_id, rating, comment, rated_by, rated_at) VALUES (?, ?, ?, ?, ?)",
        (booking_id, rating, comment, by, iso(now)),
    )
    return cur.rowcount == 1


async def get_evaluation(conn: Conn, booking_id: int) -> tuple[int, str] | None:
    """(rating, comment) of a booking, if rated."""
    row = await one(conn, "SELECT rating, comment FROM evaluations WHERE booking_id = ?", (booking_id,))
    return (row[0], row[1]) if row else None


# A finished booking, its items in display order, its (rating, comment) if rated.
Finished = tuple[FinishedBooking, list[ReviewedItem], tuple[int, str] | None]


async def finished_page(conn: Conn, unit_id: int, *, offset: int, limit: int) -> tuple[list[Finished], int]:
    """A page of the unit's served and no-show bookings, newest first (date, session, id), with
    their items and ratings, and how many there are in all (0 with an empty page: past the
    last one, or none at all). One short range of ``finished_bookings`` (migration 0019)."""
    rows = await all_rows(
        conn,
        "SELECT booking_id, code, date, session, state, items, rating, comment,"
        " (SELECT COUNT(*) FROM finished_bookings WHERE unit_id = ?1) AS total"
        " FROM finished_bookings WHERE unit_id = ?1"
        " ORDER BY date DESC, session DESC, booking_id DESC LIMIT ?2 OFFSET ?3",
        (unit_id, limit, offset),
    )
    return [_finished(r) for r in rows], (int(rows[0]["total"]) if rows else 0)


async def count_finished(conn: Conn, unit_id: int) -> int:
    """How many served and no-show bookings the unit has."""
    row = await one(conn, "SELECT COUNT(*) FROM finished_bookings WHERE unit_id = ?", (unit_id,))
    return int(row[0]) if row else 0


def _finished(row: Any) -> Finished:
    booking = FinishedBooking(row["booking_id"], row["code"], date.fromisoformat(row["date"]), row["session"],
                              BookingState(row["state"]))
    items = sorted((ReviewedItem(BusinessType(business), ordinal, name, review, reason)
                    for business, ordinal, name, review, reason in json.loads(row["items"])), key=display_order)
    rating = row["rating"]
    return booking, items, None if rating is None else (rating, row["comment"])


async def unrated_served(conn: Conn, unit_id: int) -> list[Booking]:
    """The unit's served bookings that have no rating yet."""
    rows = await all_rows(
        conn,
        "SELECT b.* FROM bookings b LEFT JOIN evaluations e ON e.booking_id = b.id"
        " WHERE b.unit_id = ? AND b.state = 'served' AND e.booking_id IS NULL ORDER BY b.date",
        (unit_id,),
    )
    return [Booking.from_row(r) for r in rows]


async def may_book_facts(conn: Conn, unit_id: int, month: str) -> tuple[list[datetime], int | None]:
    """What decides whether a unit may book, in one statement: when its mismatches of
    ``month`` ('YYYY-MM') counted (``mismatch_times``), and its earliest served booking
    still unrated, if any (``unrated_served``). The latter from the unit's range of
    ``finished_bookings``: a unit that rated all of years of bookings is not read booking
    by booking (each rating a page of its own elsewhere in the file)."""
    row = await one(
        conn,
        "SELECT (SELECT group_concat(counted_at, ',') FROM mismatches"
        "         WHERE unit_id = ? AND month = ? AND state = 'counted'),"
        " (SELECT booking_id FROM finished_bookings WHERE unit_id = ? AND state = 'served' AND rating IS NULL"
        "   ORDER BY date, session, booking_id LIMIT 1)",
        (unit_id, month, unit_id),
    )
    counted = row[0] if row else None
    return ([datetime.fromisoformat(t) for t in counted.split(",")] if counted else []), (row[1] if row else None)


async def served_unrated_on(conn: Conn, day: date) -> list[Booking]:
    """Bookings marked 已办理 on ``day`` (their last change) that have no rating yet."""
    rows = await all_rows(
        conn,
        "SELECT b.* FROM bookings b LEFT JOIN evaluations e ON e.booking_id = b.id"
        " WHERE b.state = 'served' AND e.booking_id IS NULL AND substr(b.updated_at, 1, 10) = ? ORDER BY b.id",
        (day.isoformat(),),
    )
    return [Booking.from_row(r) for r in rows]


async def rating_counts_between(conn: Conn, start: date, end: date) -> dict[int, int]:
    """How many evaluations gave each rating, for bookings dated in [start, end]."""
    rows = await all_rows(
        conn,
        "SELECT e.rating, COUNT(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id"
        " WHERE b.date BETWEEN ? AND ? GROUP BY e.rating",
        (start.isoformat(), end.isoformat()),
    )
    return {r[0]: r[1] for r in rows}


async def rating_comments_between(conn: Conn, start: date, end: date, limit: int) -> tuple[int, list[tuple[Any, ...]]]:
    """How many evaluations of bookings dated in [start, end] carry a comment, and the newest
    ``limit`` of them as (date, unit name, rating, comment)."""
    where = " WHERE b.date BETWEEN ? AND ? AND e.comment != ''"
    span = (start.isoformat(), end.isoformat())
    total = await one(conn, "SELECT COUNT(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id" + where, span)
    rows = await all_rows(
        conn,
        "SELECT b.date, u.name, e.rating, e.comment FROM evaluations e JOIN bookings b ON b.id = e.booking_id"
        " JOIN units u ON u.id = b.unit_id" + where + " ORDER BY e.rated_at DESC, e.booking_id DESC LIMIT ?",
        (*span, limit),
    )
    return (total[0] if total else 0), [tuple(r) for r in rows]
