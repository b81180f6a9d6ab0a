"""有号提醒 requests: a clerk asks to be told when minutes free up on a full date.

When every session of the bookable window is full for the clerk's basket, the
booking flow offers one request per date (SPEC §5, our decision). This module only
stores the request (``availability_watches``: user, unit, date, minutes); whoever
frees minutes later (a cancellation, a release, more capacity) reads the open
requests of that date and tells each clerk once.

A request is refused for a date outside the bookable window, and is pointless
while the basket still fits somewhere on that date: the clerk should book instead.
"""

from __future__ import annotations

from datetime import date

from bot import texts
from bot.errors import BookingRefused, WatchNotNeeded
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.models import actor_of
from bot.texts import booking as t


async def request_watch(bookings: BookingService, *, user_id: int, unit_id: int, day: date, minutes: int) -> bool:
    """Store a 有号提醒 request for ``minutes`` on ``day``; False if one is already waiting.

    Raises BookingRefused for a date outside the window and WatchNotNeeded when
    the basket fits on that date now.
    """
    cells = [cell for cell in await bookings.availability() if cell.day == day]
    if not cells:
        raise BookingRefused(texts.DATE_NOT_BOOKABLE)
    if any(cell.fits(minutes) for cell in cells):
        raise WatchNotNeeded(t.WATCH_NOT_NEEDED)
    now = bookings.clock.now()
    async with bookings.db.write() as conn:
        added = await repo.add_watch(conn, user_id, unit_id, day, minutes, now)
        if added:
            await repo.audit(conn, actor=actor_of(user_id), entity="watch", entity_id=f"{user_id}:{day.isoformat()}",
                             action="request", now=now, after={"unit_id": unit_id, "minutes": minutes})
    return added
