"""Capacity, closures and rebooking after a closure (SPEC §4, §11)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from bot import texts
from bot.errors import BadInput, BookingRefused, SessionHasBookings, StaffRefused
from bot.read_models import Closure, DaySchedule, Rebooked, RebookOption
from bot.rules.basket import BusinessType
from bot.rules.capacity import Availability, availability
from bot.rules.states import ACTIVE_STATES, BookingState, transition
from bot.rules.window import bookable_dates, next_opening
from bot.services import tell
from bot.services.arrival import reflow_session
from bot.services.staff.common import (
    CAPACITY_MAX,
    CLOSURE_PREFIX,
    NOTE_MAX,
    REBOOK_OPTIONS,
    SESSION_CLOSURE_PREFIX,
    check_reason,
)
from bot.services.staff.console import ConsoleUseCases
from bot.storage import repo
from bot.storage.models import Booking, Item, actor_of
from bot.texts import staff as t

log = logging.getLogger(__name__)


class CapacityUseCases(ConsoleUseCases):
    """A date's sessions, capacity, closures and the rebooking they offer."""

    # ---------------------------------------------------------------- capacity (SPEC §4)

    async def capacity(self, day: date) -> tuple[DaySchedule, list[Availability]]:
        """A date's sessions (used / capacity / closed) and its schedule."""
        schedule = await self.schedule(day)
        async with self.db.read() as conn:
            usage = await repo.slot_usage(conn, [day])
        return schedule, availability([day], self.bookings.sessions, usage, self.settings.bot_counters)

    async def set_capacity(self, staff_id: int, day: date, session: str, minutes: int) -> Availability:
        """Set a session's capacity in minutes (never below 0)."""
        spec = self._spec(session)
        if minutes < 0:
            raise BadInput(t.CAPACITY_NEGATIVE)
        if minutes > CAPACITY_MAX:
            raise BadInput(t.capacity_too_big(CAPACITY_MAX))
        now = self.clock.now()
        async with self.db.write() as conn:
            old = (await repo.slot_usage(conn, [day])).get((day, session))
            await repo.set_slot_capacity(conn, day, session, minutes)
            await reflow_session(conn, self.settings, day, session, now)
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="capacity", entity_id=f"{day.isoformat()}:{session}",
                action="set_capacity", now=now,
                before={"capacity": old.capacity if old and old.capacity is not None
                        else spec.default_capacity(self.settings.bot_counters)},
                after={"capacity": minutes},
            )
            usage = await repo.slot_usage(conn, [day])
        return availability([day], [spec], usage, self.settings.bot_counters)[0]

    async def set_session_closed(self, staff_id: int, day: date, session: str, closed: bool) -> None:
        """Close (no new bookings) or reopen one session of a date.

        Closing refuses a session that holds active bookings (SessionHasBookings):
        those are cancelled with a reason by ``close_session``.
        """
        if closed:
            await self.close_session(staff_id, day, session, None)
            return
        self._spec(session)
        now = self.clock.now()
        async with self.db.write() as conn:
            old = (await repo.slot_usage(conn, [day])).get((day, session))
            await repo.set_slot_closed(conn, day, session, closed)
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="capacity", entity_id=f"{day.isoformat()}:{session}",
                action="reopen_session", now=now, before={"closed": bool(old and old.closed)}, after={"closed": closed},
            )

    async def active_in_session(self, day: date, session: str) -> int:
        """How many active bookings one session of a date holds."""
        async with self.db.read() as conn:
            return sum(1 for b in await repo.bookings_on(conn, day, ACTIVE_STATES) if b.session == session)

    async def close_session(self, staff_id: int, day: date, session: str, reason: str | None) -> Closure:
        """Close one session of a date; its active bookings are cancelled and their minutes returned.

        Without a reason only a session holding no active booking is closed (checked in
        the same transaction, so a booking made meanwhile is never left unnoticed).
        """
        spec = self._spec(session)
        if reason is not None:
            reason = check_reason(reason, NOTE_MAX)
        now = self.clock.now()
        ended_reason = f"{SESSION_CLOSURE_PREFIX}{reason}"
        cancelled: list[tuple[Booking, list[int]]] = []
        async with self.db.write() as conn:
            active = [b for b in await repo.bookings_on(conn, day, ACTIVE_STATES) if b.session == session]
            if active and day < now.date():
                raise StaffRefused(t.DATE_IN_PAST)
            if active and reason is None:
                raise SessionHasBookings(t.session_has_bookings(len(active)), len(active))
            old = (await repo.slot_usage(conn, [day])).get((day, session))
            await repo.set_slot_closed(conn, day, session, True)
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="capacity", entity_id=f"{day.isoformat()}:{session}",
                action="close_session", now=now, before={"closed": bool(old and old.closed)},
                after={"closed": True, "reason": reason} if reason is not None else {"closed": True},
            )
            for booking in active:
                updated = await self._cancel_for_closure(conn, staff_id, booking, ended_reason, now)
                # Its clerks are told with the closure itself (SPEC §13).
                clerks = await tell.closure(conn, booking.id, booking.unit_id, reason or "", session, now=now)
                cancelled.append((updated, clerks))
        if cancelled:
            log.info("session %s of %s closed; %s bookings cancelled", session, day, len(cancelled))
        return Closure(day, reason or "", [(b, clerks, await self.rebook_options(b)) for b, clerks in cancelled],
                       spec)

    async def _cancel_for_closure(self, conn: repo.Conn, staff_id: int, booking: Booking, ended_reason: str,
                                  now: datetime) -> Booking:
        """Cancel one booking of a closed date or session and return its minutes (audited)."""
        new_state = transition(booking.state, "cancel")
        if await repo.set_booking_state(conn, booking.id, booking.state, new_state, now, ended_reason):
            await repo.return_minutes(conn, booking.date, booking.session, booking.minutes)
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="booking", entity_id=booking.id, action="cancel", now=now,
                before={"state": booking.state.value},
                after={"state": new_state.value, "reason": ended_reason},
            )
            await tell.calendar_removed(conn, booking.id, now)  # the calendar entry goes (METHOD:CANCEL)
        return await self._booking(conn, booking.id)

    async def close_date(self, staff_id: int, day: date, reason: str) -> Closure:
        """Close a whole date: its active bookings are cancelled and their minutes returned.

        Returns each cancelled booking with its clerks and the nearest dates with room
        (computed after the closure committed, so the closed date is not offered).
        """
        reason = check_reason(reason, NOTE_MAX)
        now = self.clock.now()
        if day < now.date():
            raise StaffRefused(t.DATE_IN_PAST)
        ended_reason = f"{CLOSURE_PREFIX}{reason}"
        cancelled: list[tuple[Booking, list[int]]] = []
        async with self.db.write() as conn:
            if not await repo.close_date(conn, day, reason, staff_id, now):
                raise StaffRefused(t.DATE_ALREADY_CLOSED)
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="capacity", entity_id=day.isoformat(), action="close_date",
                now=now, before={"closed": False}, after={"closed": True, "reason": reason},
            )
            for booking in await repo.bookings_on(conn, day, ACTIVE_STATES):
                new_state = transition(booking.state, "cancel")
                if not await repo.set_booking_state(conn, booking.id, booking.state, new_state, now, ended_reason):
                    continue
                await repo.return_minutes(conn, booking.date, booking.session, booking.minutes)
                await repo.audit(
                    conn, actor=actor_of(staff_id), entity="booking", entity_id=booking.id, action="cancel", now=now,
                    before={"state": booking.state.value},
                    after={"state": new_state.value, "reason": ended_reason},
                )
                await tell.calendar_removed(conn, booking.id, now)  # the calendar entry goes (METHOD:CANCEL)
                updated = await self._booking(conn, booking.id)
                # Its clerks are told with the closure itself (SPEC §13).
                clerks = await tell.closure(conn, booking.id, booking.unit_id, reason, None, now=now)
                cancelled.append((updated, clerks))
        log.info("date %s closed; %s bookings cancelled", day, len(cancelled))
        return Closure(day, reason, [(b, clerks, await self.rebook_options(b)) for b, clerks in cancelled])

    async def reopen_date(self, staff_id: int, day: date) -> None:
        """Undo a date closure (cancelled bookings stay cancelled)."""
        now = self.clock.now()
        async with self.db.write() as conn:
            reason = (await repo.closed_dates(conn, day, day)).get(day)
            if not await repo.reopen_date(conn, day):
                raise StaffRefused(t.DATE_NOT_CLOSED)
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="capacity", entity_id=day.isoformat(), action="reopen_date",
                now=now, before={"closed": True, "reason": reason}, after={"closed": False},
            )

    # ---------------------------------------------------------------- rebooking after a closure

    async def rebook_options(self, booking: Booking, limit: int = REBOOK_OPTIONS) -> list[RebookOption]:
        """The nearest bookable dates with room for ``booking``'s minutes, one session each.

        The booking's own session is preferred on each date; dates the unit already
        holds a booking on are skipped. While the booking system is closed (before
        09:00, a holiday) the window it will open with is offered.
        """
        now = self.clock.now()
        async with self.db.read() as conn:
            cal = await self.bookings.calendar(conn)
            opening = next_opening(now, cal)
            closed = await repo.closed_dates(conn, opening.date(), opening.date() + timedelta(days=60))
            days = bookable_dates(opening, cal, closed)
            usage = await repo.slot_usage(conn, days)
            held = {b.date for b in await repo.bookings_of_unit(conn, booking.unit_id, ACTIVE_STATES)}
        table = availability(days, self.bookings.sessions, usage, self.settings.bot_counters)
        options: list[RebookOption] = []
        for day in days:
            if day in held:
                continue
            cells = [a for a in table if a.day == day and a.fits(booking.minutes)]
            if not cells:
                continue
            best = next((a for a in cells if a.session.key == booking.session), cells[0])
            options.append(RebookOption(day, best.session))
            if len(options) == limit:
                break
        return options

    async def options_for_cancelled(self, unit_id: int, booking_id: int) -> list[RebookOption]:
        """Fresh rebook options for the unit's closure-cancelled booking ([] if not rebookable)."""
        async with self.db.read() as conn:
            old = await repo.get_booking(conn, booking_id)
            if old is None or old.unit_id != unit_id or not _rebookable(old):
                return []
            if any(e.action == "rebooked" for e in await repo.history(conn, "booking", old.id)):
                return []
        return await self.rebook_options(old)

    async def rebook(self, *, user_id: int, unit_id: int, old_booking_id: int, day: date, session: str) -> Rebooked:
        """Book a closure-cancelled booking's items again on ``day``/``session``.

        Only a booking of the clerk's unit that the centre cancelled by closing its
        date, and only once. The new booking goes through ``BookingService.book``
        (window, freeze, capacity all checked there); the applicant data entered for
        the old booking is carried over where the same person is not already booked.
        """
        async with self.db.read() as conn:
            old = await repo.get_booking(conn, old_booking_id)
            if old is None or old.unit_id != unit_id:
                raise BookingRefused(texts.BOOKING_NOT_FOUND)
            if not _rebookable(old):
                raise BookingRefused(t.REBOOK_NOT_POSSIBLE)
            if any(e.action == "rebooked" for e in await repo.history(conn, "booking", old.id)):
                raise BookingRefused(t.REBOOK_DONE)
            old_items = await repo.items_of(conn, old.id)
        counts: dict[BusinessType, int] = {}
        for item in old_items:
            counts[item.business] = counts.get(item.business, 0) + 1
        booking = await self.bookings.book(
            unit_id=unit_id, user_id=user_id, day=day, session=session, counts=counts,
            contact_name=old.contact_name, contact_phone=old.contact_phone,
        )
        now = self.clock.now()
        copied = 0
        async with self.db.write() as conn:
            filled = {(i.business, i.ordinal): i for i in old_items if i.filled}
            new_items = await repo.items_of(conn, booking.id)
            for item in new_items:
                source = filled.get((item.business, item.ordinal))
                if source is None or source.id_number is None:
                    continue
                if await repo.person_has_active_item(conn, unit_id, source.id_number, item.business,
                                                     except_item=item.id):
                    continue
                await repo.fill_item(conn, item.id, _fields(source), now)
                copied += 1
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking", entity_id=old.id, action="rebooked", now=now,
                before={"state": old.state.value}, after={"to": booking.code, "booking": booking.id},
            )
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking", entity_id=booking.id, action="copy_applicants",
                now=now, after={"from": old.code, "items": copied},
            )
            if copied == len(new_items):
                new_state = transition(booking.state, "complete")
                if await repo.set_booking_state(conn, booking.id, booking.state, new_state, now):
                    await repo.audit(
                        conn, actor=actor_of(user_id), entity="booking", entity_id=booking.id, action="complete",
                        now=now, before={"state": booking.state.value}, after={"state": new_state.value},
                    )
            updated = await self._booking(conn, booking.id)
        return Rebooked(updated, copied)


def _rebookable(booking: Booking) -> bool:
    """Cancelled because the centre closed its date or its session."""
    return booking.state is BookingState.CANCELLED and (booking.ended_reason or "").startswith(
        (CLOSURE_PREFIX, SESSION_CLOSURE_PREFIX))


def _fields(item: Item) -> dict[str, str | None]:
    return {
        "name": item.applicant_name, "id_type": item.id_type, "id_number": item.id_number, "phone": item.phone,
        "permit_number": item.permit_number, "change_description": item.change_description,
    }


