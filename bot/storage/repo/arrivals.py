"""SQL of arrival times and check-ins (table ``booking_arrivals``, migration 0007).

Every booking has one row, created by a trigger with the booking: its place in its
session's queue, the time its clerk was promised, its check-in token, and when it was
checked in and served. Query functions never commit; the calling use case owns the
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from bot.rules.states import CAPACITY_STATES, BookingState
from bot.storage.models import ArrivalRow, Booking
from bot.storage.repo._common import Conn, all_rows

_HOLDS = tuple(s.value for s in CAPACITY_STATES)


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def arrival_of(conn: Conn, booking_id: int) -> ArrivalRow | None:
    """The arrival row of a booking."""
    async with conn.execute("SELECT * FROM booking_arrivals WHERE booking_id = ?", (booking_id,)) as cur:
        row = await cur.fetchone()
    return ArrivalRow.from_row(row) if row else None


async def arrivals_of(conn: Conn, booking_ids: Iterable[int]) -> dict[int, ArrivalRow]:
    """The arrival rows of several bookings, by booking id."""
    ids = list(dict.fromkeys(booking_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    async with conn.execute(f"SELECT * FROM booking_arrivals WHERE booking_id IN ({marks})", ids) as cur:
        rows = await cur.fetchall()
    return {r["booking_id"]: ArrivalRow.from_row(r) for r in rows}


async def arrival_by_token(conn: Conn, token: str) -> ArrivalRow | None:
    """The arrival row whose check-in token this is (exact match)."""
    async with conn.execute("SELECT * FROM booking_arrivals WHERE checkin_token = ?", (token,)) as cur:
        row = await cur.fetchone()
    return ArrivalRow.from_row(row) if row else None


async def session_queue(conn: Conn, day: date, session: str) -> list[tuple[Booking, ArrivalRow]]:
    """The session's bookings that keep their place (active, served, no-show), in queue order."""
    marks = ",".join("?" * len(_HOLDS))
    async with conn.execute(
        "SELECT b.*, a.booking_id, a.queue_seq, a.promised_at, a.checkin_token, a.checked_in_at,"
        " a.checked_in_by, a.served_at"
        " FROM bookings b JOIN booking_arrivals a ON a.booking_id = b.id"
        f" WHERE b.date = ? AND b.session = ? AND b.state IN ({marks}) ORDER BY a.queue_seq",
        (day.isoformat(), session, *_HOLDS),
    ) as cur:
        rows = await cur.fetchall()
    return [(Booking.from_row(r), ArrivalRow.from_row(r)) for r in rows]


async def session_queue_brief(conn: Conn, day: date, session: str) -> list[tuple[int, int, BookingState, time | None]]:
    """(booking id, minutes, state, promised time) of ``session_queue``'s bookings, in queue order.

    What reflowing the arrival times needs, without building two models per booking:
    every booking of a session reflows the whole session, so at the rush this runs
    for hundreds of bookings per session, inside the write transaction.
    """
    marks = ",".join("?" * len(_HOLDS))
    rows = await all_rows(
        conn,
        "SELECT b.id, b.minutes, b.state, a.promised_at"
        " FROM bookings b JOIN booking_arrivals a ON a.booking_id = b.id"
        f" WHERE b.date = ? AND b.session = ? AND b.state IN ({marks}) ORDER BY a.queue_seq",
        (day.isoformat(), session, *_HOLDS),
    )
    return [(r[0], r[1], BookingState(r[2]), time.fromisoformat(r[3]) if r[3] else None) for r in rows]


async def set_promised_arrival(conn: Conn, booking_id: int, at: time) -> None:
    """Record the time the clerk is now told."""
    await conn.execute(
        "UPDATE booking_arrivals SET promised_at = ? WHERE booking_id = ?", (f"{at:%H:%M}", booking_id)
    )


async def check_in(conn: Conn, booking_id: int, by: int | None, now: datetime) -> bool:
    """Mark the booking checked in; False if it already was (a check-in happens once)."""
    cur = await conn.execute(
        "UPDATE booking_arrivals SET checked_in_at = ?, checked_in_by = ?"
        " WHERE booking_id = ? AND checked_in_at IS NULL",
        (now.isoformat(timespec="seconds"), by, booking_id),
    )
    return cur.rowcount == 1


async def sessions_with_bookings_from(conn: Conn, day: date) -> list[tuple[date, str]]:
    """Every (date, session) from ``day`` on that holds a booking (for the start-up reflow)."""
    marks = ",".join("?" * len(_HOLDS))
    async with conn.execute(
        f"SELECT DISTINCT date, session FROM bookings WHERE date >= ? AND state IN ({marks}) ORDER BY date, session",
        (day.isoformat(), *_HOLDS),
    ) as cur:
        return [(date.fromisoformat(r[0]), r[1]) for r in await cur.fetchall()]


async def arrival_facts_between(
    conn: Conn, start: date, end: date
) -> list[tuple[date, str, BookingState, time | None, datetime | None, datetime | None]]:
    """(date, session, state, promised, checked in, served) of the bookings between two dates."""
    marks = ",".join("?" * len(_HOLDS))
    async with conn.execute(
        "SELECT b.date, b.session, b.state, a.promised_at, a.checked_in_at, a.served_at"
        " FROM bookings b JOIN booking_arrivals a ON a.booking_id = b.id"
        f" WHERE b.date BETWEEN ? AND ? AND b.state IN ({marks}) ORDER BY b.date, b.session, a.queue_seq",
        (start.isoformat(), end.isoformat(), *_HOLDS),
    ) as cur:
        rows = await cur.fetchall()
    return [(date.fromisoformat(r[0]), r[1], BookingState(r[2]), _time(r[3]), _dt(r[4]), _dt(r[5])) for r in rows]
