"""The booking window as one unit's clerk sees it (issue 10 item 6; SPEC §3, §4).

``window_for`` reads, in one snapshot, the bookable dates (closures kept, with their
reason), each session's availability (``BookingService.availability_in``) and the dates
the unit already holds, so the availability step can say 本单位已约 before a 「确定」
would be refused, and never drop a closed date without a word.
"""

from __future__ import annotations

from datetime import date

from bot.read_models import WindowDay, WindowView
from bot.rules.capacity import Availability
from bot.rules.states import ACTIVE_STATES
from bot.rules.window import bookable_dates
from bot.services.booking import BookingService
from bot.storage import repo


async def window_for(bookings: BookingService, unit_id: int) -> WindowView:
    """Every date of the window now, for ``unit_id`` (empty while booking is closed).

    In the same snapshot the unit is checked as ``check_unit_may_book`` does: a frozen
    unit or one that owes an evaluation gets BookingRefused / UnratedEvaluation instead.
    """
    now = bookings.clock.now()
    async with bookings.db.read() as conn:
        await bookings.check_may_book_in(conn, unit_id)
        cal = await bookings.calendar(conn)
        days = bookable_dates(now, cal)
        if not days:
            return WindowView([])
        closed = await bookings.closed_dates(conn, now.date())
        held = {b.date: b.code for b in await repo.bookings_of_unit(conn, unit_id, ACTIVE_STATES)}
        cells = await bookings.availability_in(conn)
    by_day: dict[date, list[Availability]] = {}
    for cell in cells:
        by_day.setdefault(cell.day, []).append(cell)
    return WindowView([
        WindowDay(day, by_day.get(day, []), closed.get(day), held.get(day)) for day in days
    ])
