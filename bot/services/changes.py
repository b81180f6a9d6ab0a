"""我的预约 use cases: list, change contact, change item counts, move options (SPEC §7).

Cancel and reschedule themselves live in BookingService; this module adds the
changes the clerk makes to a held booking before its change deadline. Every write
re-checks, inside its own write transaction, that the booking belongs to the unit,
is still active and is before its deadline, so a stale or forged button can change
nothing.

Changing the item counts moves only the *difference* in minutes: more minutes are
taken with the same conditional UPDATE as a new booking (never oversold, whatever
the concurrency), fewer are returned to the session. Items are added as empty
items after the highest ordinal of their type and removed from the highest
ordinal down; then the state follows the items (待办理 ↔ 待完善信息).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot import texts
from bot.clock import Clock
from bot.config import Settings
from bot.errors import BookingRefused, ChangeNotAllowed, SessionClosed, SessionFull
from bot.read_models import BookingDetails, CountsChanged, Freed, MoveOption, MoveStatus
from bot.rules.applicant import mask_phone, parse_mobile, parse_name
from bot.rules.basket import BusinessType, basket_minutes
from bot.rules.states import ACTIVE_STATES, BookingState, transition
from bot.rules.window import can_change
from bot.services.arrival import reflow_session
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Booking, Item, actor_of
from bot.texts import my_bookings as t


def counts_of(items: list[Item]) -> dict[BusinessType, int]:
    """Item counts per business type, in the canonical order (types with 0 absent)."""
    counts = {b: 0 for b in BusinessType}
    for item in items:
        counts[item.business] += 1
    return {b: n for b, n in counts.items() if n}


def items_to_remove(items: list[Item], counts: Mapping[BusinessType, int]) -> list[Item]:
    """The items that new counts drop: the highest ordinals of each type that shrinks."""
    return [i for i in items if i.ordinal > counts.get(i.business, 0)]


class ChangeService:
    """Changes a clerk makes to the unit's held bookings before the change deadline."""

    def __init__(self, db: Database, settings: Settings, clock: Clock,
                 bookings: BookingService | None = None) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.bookings = bookings or BookingService(db, settings, clock)

    # ---------------------------------------------------------------- reads

    async def active_bookings(self, unit_id: int) -> list[BookingDetails]:
        """The unit's active bookings (待完善信息 / 待办理), by date, with their details."""
        async with self.db.read() as conn:
            found = await repo.bookings_of_unit(conn, unit_id, ACTIVE_STATES)
        return [await self.bookings.details(b.id, unit_id=unit_id) for b in found]

    async def by_code(self, code: str, unit_id: int) -> BookingDetails:
        """The unit's booking with this code (/start <code>); BookingRefused for an unknown or foreign one."""
        async with self.db.read() as conn:
            found = await repo.get_booking_by_code(conn, code)
        if found is None or found.unit_id != unit_id:
            raise BookingRefused(texts.BOOKING_NOT_FOUND)
        return await self.bookings.details(found.id, unit_id=unit_id)

    async def changeable(self, booking_id: int, unit_id: int) -> BookingDetails:
        """The unit's booking if it may still change, else BookingRefused saying why."""
        details = await self.bookings.details(booking_id, unit_id=unit_id)
        if details.booking.state not in ACTIVE_STATES:
            raise ChangeNotAllowed(texts.BOOKING_NOT_ACTIVE)
        if not details.changeable:
            raise ChangeNotAllowed(texts.CHANGE_DEADLINE_PASSED)
        return details

    async def move_options(self, booking_id: int, unit_id: int) -> tuple[BookingDetails, list[MoveOption]]:
        """The bookable window as a changeable booking sees it (BookingRefused while closed)."""
        details = await self.changeable(booking_id, unit_id)
        ok, why = await self.bookings.opening_state()
        if not ok:
            raise BookingRefused(why)
        b = details.booking
        async with self.db.read() as conn:
            held = {x.date for x in await repo.bookings_of_unit(conn, unit_id, ACTIVE_STATES) if x.id != b.id}
        options = []
        for cell in await self.bookings.availability():
            if (cell.day, cell.session.key) == (b.date, b.session):
                status = MoveStatus.CURRENT
            elif cell.day in held:
                status = MoveStatus.HELD
            elif cell.fits(b.minutes):
                status = MoveStatus.FREE
            else:
                status = MoveStatus.FULL
            options.append(MoveOption(cell, status))
        return details, options

    # ---------------------------------------------------------------- writes

    async def _changeable(self, conn: repo.Conn, booking_id: int, unit_id: int) -> Booking:
        """Inside a write transaction: owned, active and before the deadline."""
        booking = await self.bookings.owned_booking(conn, booking_id, unit_id)
        if booking.state not in ACTIVE_STATES:
            raise ChangeNotAllowed(texts.BOOKING_NOT_ACTIVE)
        if not can_change(self.clock.now(), booking.date, await self.bookings.calendar(conn)):
            raise ChangeNotAllowed(texts.CHANGE_DEADLINE_PASSED)
        return booking

    async def change_contact(self, booking_id: int, *, unit_id: int, user_id: int | None, name: str,
                             phone: str) -> Booking:
        """Change the booking's 经办人 name and phone (validated again here)."""
        name, phone = parse_name(name), parse_mobile(phone)
        now = self.clock.now()
        async with self.db.write() as conn:
            booking = await self._changeable(conn, booking_id, unit_id)
            await repo.set_booking_contact(conn, booking.id, name, phone, now)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking", entity_id=booking.id, action="change_contact",
                now=now,
                before={"contact_name": booking.contact_name, "contact_phone": mask_phone(booking.contact_phone)},
                after={"contact_name": name, "contact_phone": mask_phone(phone)},
            )
            updated = await repo.get_booking(conn, booking.id)
        assert updated is not None
        return updated

    async def change_counts(self, booking_id: int, *, unit_id: int, user_id: int | None,
                            counts: Mapping[BusinessType, int]) -> CountsChanged:
        """Change the item counts in one transaction: 60-minute cap, capacity of the difference.

        Raises BasketError (empty, over 60 minutes), SessionFull / SessionClosed (the
        added minutes do not fit), ChangeNotAllowed, or BookingRefused (nothing changes,
        or a reviewed item would be removed). Nothing is written unless all of it holds.
        """
        minutes = basket_minutes(counts)
        wanted = {b: n for b in BusinessType if (n := counts.get(b, 0))}
        now = self.clock.now()
        async with self.db.write() as conn:
            booking = await self._changeable(conn, booking_id, unit_id)
            items = await repo.items_of(conn, booking.id)
            before = counts_of(items)
            if before == wanted:
                raise BookingRefused(t.COUNTS_UNCHANGED)
            removed = items_to_remove(items, wanted)
            for item in removed:
                if item.review is not None:
                    raise BookingRefused(t.cannot_remove_reviewed(item.business, item.ordinal))
            delta = minutes - booking.minutes
            freed = None
            if delta > 0:
                await self._take_more(conn, booking, delta)
            elif delta < 0:
                await repo.return_minutes(conn, booking.date, booking.session, -delta)
                freed = Freed(booking.date, booking.session, -delta)
            for item in removed:
                await repo.delete_item(conn, item.id)
            for business, n in wanted.items():
                for ordinal in range(before.get(business, 0) + 1, n + 1):
                    await repo.insert_item(conn, booking.id, business, ordinal)
            if delta:
                await repo.set_booking_minutes(conn, booking.id, minutes, now)
                await reflow_session(conn, self.settings, booking.date, booking.session, now)
            state = await self._follow_items(conn, booking, now)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking", entity_id=booking.id, action="change_counts",
                now=now,
                before={"items": {b.value: n for b, n in before.items()}, "minutes": booking.minutes,
                        "state": booking.state.value},
                after={"items": {b.value: n for b, n in wanted.items()}, "minutes": minutes,
                       "state": state.value, "removed_filled": sum(1 for i in removed if i.filled)},
            )
            updated = await repo.get_booking(conn, booking.id)
        assert updated is not None
        return CountsChanged(updated, before, wanted, booking.minutes, freed, removed)

    async def _take_more(self, conn: repo.Conn, booking: Booking, delta: int) -> None:
        """Take the added minutes from the booking's session, or refuse."""
        default = self.bookings.default_capacity(booking.session)
        if not await repo.take_minutes(conn, booking.date, booking.session, delta, default):
            usage = (await repo.slot_usage(conn, [booking.date])).get((booking.date, booking.session))
            if usage is not None and usage.closed:
                raise SessionClosed(texts.SESSION_CLOSED)
            raise SessionFull(t.COUNTS_NO_ROOM)

    async def _follow_items(self, conn: repo.Conn, booking: Booking, now: datetime) -> BookingState:
        """待办理 while every item is filled, 待完善信息 otherwise (via the transition table)."""
        items = await repo.items_of(conn, booking.id)
        complete = all(i.filled for i in items)
        event = None
        if booking.state is BookingState.PENDING and not complete:
            event = "reopen"
        elif booking.state is BookingState.INCOMPLETE and complete:
            event = "complete"
        if event is None:
            return booking.state
        new_state = transition(booking.state, event)
        if not await repo.set_booking_state(conn, booking.id, booking.state, new_state, now):
            raise ChangeNotAllowed(texts.BOOKING_NOT_ACTIVE)
        return new_state

