"""Booking use cases: book, cancel, release, revoke, reschedule, availability.

Each function runs in one write transaction (``Database.write``): the rules are
checked against the state inside that transaction, capacity is taken with one
conditional UPDATE (``repo.take_minutes``), and the audit line is written in the
same transaction. Nothing here talks to Telegram; what should be said afterwards
is returned to the caller.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta

from bot import texts
from bot.callbacks import pack
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import kinds
from bot.errors import (
    AlreadyBookedThatDay,
    BookingRefused,
    ChangeNotAllowed,
    SessionClosed,
    SessionFull,
    UnratedEvaluation,
)
from bot.read_models import BookingDetails, Freed
from bot.rules.basket import BusinessType, basket_minutes, item_slots
from bot.rules.calendar import WorkCalendar
from bot.rules.capacity import Availability, SessionSpec, availability
from bot.rules.freeze import freeze_status, month_key
from bot.rules.states import ACTIVE_STATES, transition
from bot.rules.window import (
    bookable_dates,
    booking_open,
    can_change,
    change_deadline,
    next_opening,
)
from bot.services import tell
from bot.services.arrival import join_session, reflow_session
from bot.storage import outbox, repo
from bot.storage.db import Database
from bot.storage.models import SYSTEM, Actor, Booking, Item, actor_of
from bot.texts import booking as booking_texts
from bot.texts import reminders as reminder_texts


class BookingService:
    """The booking use cases over one database, with the app's settings and clock."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    # ---------------------------------------------------------------- reads

    @property
    def sessions(self) -> tuple[SessionSpec, ...]:
        """The configured daily sessions."""
        return self.settings.bot_sessions

    def session(self, key: str) -> SessionSpec | None:
        """The session with this key, if configured."""
        return next((s for s in self.sessions if s.key == key), None)

    def default_capacity(self, key: str) -> int:
        """Capacity of a session when staff have not overridden it."""
        spec = self.session(key)
        return spec.default_capacity(self.settings.bot_counters) if spec else 0

    async def calendar(self, conn: repo.Conn | None = None) -> WorkCalendar:
        """The working calendar with the staff overrides and confirmed years applied.

        Kept in the database's read cache until staff change it (``bot.storage.cache``).
        """

        async def load() -> WorkCalendar:
            if conn is not None:
                return await _load_calendar(conn)
            async with self.db.read() as fresh:
                return await _load_calendar(fresh)

        return await self.db.cached("calendar", CALENDAR_TABLES, load)

    async def closed_dates(self, conn: repo.Conn, today: date) -> dict[date, str]:
        """Staff-closed dates of the next 60 days (cached like the calendar)."""
        end = today + timedelta(days=60)

        async def load() -> dict[date, str]:
            return await repo.closed_dates(conn, today, end)

        return dict(await self.db.cached(("closed_dates", today), ("closed_dates",), load))

    async def _window(self, conn: repo.Conn) -> tuple[WorkCalendar, list[date]]:
        now = self.clock.now()
        cal = await self.calendar(conn)
        closed = await self.closed_dates(conn, now.date())
        return cal, bookable_dates(now, cal, closed)

    async def availability(self) -> list[Availability]:
        """Date × session availability of the bookable window now ([] while closed)."""
        async with self.db.read() as conn:
            return await self.availability_in(conn)

    async def availability_in(self, conn: repo.Conn) -> list[Availability]:
        """``availability`` read on a connection the caller holds (one snapshot with its other reads)."""
        _, days = await self._window(conn)
        usage = await repo.slot_usage(conn, days)
        return availability(days, self.sessions, usage, self.settings.bot_counters)

    async def opening_state(self) -> tuple[bool, str]:
        """(open, refusal text) for new bookings at this instant."""
        now = self.clock.now()
        cal = await self.calendar()
        if booking_open(now, cal):
            return True, ""
        return False, texts.booking_closed_until(next_opening(now, cal))

    # ---------------------------------------------------------------- guards

    async def check_may_book_in(self, conn: repo.Conn, unit_id: int) -> None:
        """Refuse when the unit is frozen or owes an evaluation (on a connection the caller holds)."""
        now = self.clock.now()
        counted, unrated = await repo.may_book_facts(conn, unit_id, month_key(now))
        status = freeze_status(counted, now)
        if status.frozen and status.until is not None:
            raise BookingRefused(texts.unit_frozen(status.count))
        if unrated is not None:
            raise UnratedEvaluation(texts.UNRATED_SERVED, unrated)

    async def check_unit_may_book(self, unit_id: int) -> None:
        """Refuse a frozen unit or one that owes an evaluation, whatever the hour."""
        async with self.db.read() as conn:
            await self.check_may_book_in(conn, unit_id)

    async def _take(self, conn: repo.Conn, day: date, session: str, minutes: int) -> None:
        """Take minutes or raise SessionFull / SessionClosed (inside the caller's transaction)."""
        if self.session(session) is None:
            raise SessionClosed(texts.SESSION_CLOSED)
        if not await repo.take_minutes(conn, day, session, minutes, self.default_capacity(session)):
            usage = (await repo.slot_usage(conn, [day])).get((day, session))
            if usage is not None and usage.closed:
                raise SessionClosed(texts.SESSION_CLOSED)
            raise SessionFull(texts.SESSION_FULL)

    # ---------------------------------------------------------------- writes

    async def book(
        self,
        *,
        unit_id: int,
        user_id: int | None,
        day: date,
        session: str,
        counts: Mapping[BusinessType, int],
        contact_name: str,
        contact_phone: str,
        dialogue: str | None = None,
    ) -> Booking:
        """Hold a new booking: all rules and the capacity checked in one transaction.

        The clerk's receipt is written to the outbox in the same transaction (SPEC §13);
        ``dialogue`` names the confirmation dialogue it was made from (``booked_in``). A
        dialogue that has already booked books nothing more: that booking is returned.
        """
        minutes = basket_minutes(counts)
        now = self.clock.now()
        async with self.db.write() as conn:
            if user_id is not None and dialogue is not None:
                made = await repo.booking_of_dialogue(conn, user_id, dialogue)
                if made is not None:
                    return made
            cal, days = await self._window(conn)
            if not booking_open(now, cal):
                raise BookingRefused(texts.booking_closed_until(next_opening(now, cal)))
            if day not in days:
                raise BookingRefused(texts.DATE_NOT_BOOKABLE)
            await self.check_may_book_in(conn, unit_id)
            held = await repo.active_booking_on(conn, unit_id, day)
            if held is not None:
                raise AlreadyBookedThatDay(texts.already_booked(day, held.code))
            await self._take(conn, day, session, minutes)
            seq = await repo.next_code_seq(conn, day)
            code = f"CY{day:%Y%m%d}-{seq:03d}"
            try:
                booking_id = await repo.insert_booking(
                    conn, code=code, code_date=day, code_seq=seq, unit_id=unit_id, day=day,
                    session=session, minutes=minutes, contact_name=contact_name,
                    contact_phone=contact_phone, created_by=user_id, now=now,
                )
            except sqlite3.IntegrityError:
                # Another process booked this date for the unit between our check and insert.
                raise AlreadyBookedThatDay(texts.already_booked(day, code)) from None
            for business, ordinal, _ in item_slots(counts):
                await repo.insert_item(conn, booking_id, business, ordinal)
            await join_session(conn, self.settings, booking_id, day, session, minutes)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking", entity_id=booking_id, action="book", now=now,
                after={"code": code, "date": day.isoformat(), "session": session, "minutes": minutes,
                       "items": {b.value: n for b, n in counts.items() if n}},
            )
            if user_id is not None:
                if dialogue is not None:
                    await repo.set_dialogue(conn, booking_id, dialogue)
                await outbox.enqueue(conn, kinds.RECEIPT, user_id, booking_id=booking_id, now=now)
            booking = await repo.get_booking(conn, booking_id)
        assert booking is not None
        return booking

    async def booked_in(self, user_id: int, dialogue: str) -> Booking | None:
        """The booking this clerk made from this confirmation dialogue (a 「确定」 pressed again)."""
        async with self.db.read() as conn:
            return await repo.booking_of_dialogue(conn, user_id, dialogue)

    async def owned_booking(self, conn: repo.Conn, booking_id: int, unit_id: int) -> Booking:
        """The unit's booking, or BookingRefused: a forged or foreign id reveals nothing."""
        booking = await repo.get_booking(conn, booking_id)
        if booking is None or booking.unit_id != unit_id:
            raise BookingRefused(texts.BOOKING_NOT_FOUND)
        return booking

    async def _changeable(self, conn: repo.Conn, booking_id: int, unit_id: int) -> Booking:
        booking = await self.owned_booking(conn, booking_id, unit_id)
        if booking.state not in ACTIVE_STATES:
            raise ChangeNotAllowed(texts.BOOKING_NOT_ACTIVE)
        if not can_change(self.clock.now(), booking.date, await self.calendar(conn)):
            raise ChangeNotAllowed(texts.CHANGE_DEADLINE_PASSED)
        return booking

    async def cancel(self, booking_id: int, *, unit_id: int, user_id: int | None,
                     shown: int | None = None) -> tuple[Booking, Freed]:
        """The clerk cancels before the change deadline; minutes go back to the pool.

        ``shown``: the booking's revision the confirmation page showed; if it changed
        since, nothing is cancelled (ChangeNotAllowed).
        """
        async with self.db.write() as conn:
            booking = await self._changeable(conn, booking_id, unit_id)
            await self._as_shown(conn, booking.id, shown)
            return await self._end(conn, booking, "cancel", actor_of(user_id), reason="经办人取消")

    async def release(self, booking_id: int, *, reason: str = "截止时仍未完善申请人信息，系统自动释放") -> tuple[Booking, Freed]:
        """Auto-release a booking still incomplete at its deadline (SPEC §7)."""
        async with self.db.write() as conn:
            booking = await repo.get_booking(conn, booking_id)
            if booking is None:
                raise BookingRefused(texts.BOOKING_NOT_FOUND)
            released, freed = await self._end(conn, booking, "release", SYSTEM, reason=reason)
            # Its clerks are told with the release itself: a crash after the commit loses nothing.
            text = reminder_texts.auto_released(released, self.session(released.session))
            book_again = [(reminder_texts.BOOK_AGAIN_LABEL, pack("m", "book", notice=True))]
            await tell.unit_clerks(conn, released.unit_id, text, [book_again], booking_id=released.id,
                                   now=self.clock.now())
            return released, freed

    async def revoke(self, booking_id: int, *, staff_id: int, reason: str,
                     told: Callable[[repo.Conn, Booking], Awaitable[list[int]]] | None = None,
                     ) -> tuple[Booking, list[int]]:
        """Staff revoke an active booking with a reason; minutes go back to the pool.

        ``told`` writes the clerks' notice in the same transaction; returns the booking and who is told.
        """
        async with self.db.write() as conn:
            booking = await repo.get_booking(conn, booking_id)
            if booking is None:
                raise BookingRefused(texts.BOOKING_NOT_FOUND)
            revoked, _ = await self._end(conn, booking, "revoke", actor_of(staff_id), reason=reason)
            return revoked, (await told(conn, revoked) if told is not None else [])

    async def _end(
        self, conn: repo.Conn, booking: Booking, event: str, actor: Actor, *, reason: str
    ) -> tuple[Booking, Freed]:
        """Move an active booking to an ended state and return its minutes."""
        now = self.clock.now()
        new_state = transition(booking.state, event)
        if not await repo.set_booking_state(conn, booking.id, booking.state, new_state, now, reason):
            raise BookingRefused(texts.BOOKING_NOT_ACTIVE)
        await repo.return_minutes(conn, booking.date, booking.session, booking.minutes)
        await reflow_session(conn, self.settings, booking.date, booking.session, now)
        await repo.audit(
            conn, actor=actor, entity="booking", entity_id=booking.id, action=event, now=now,
            before={"state": booking.state.value}, after={"state": new_state.value, "reason": reason},
        )
        await tell.receipt_changed(conn, booking.id, now)
        # Cancelled, released or revoked: the calendar entry goes too (METHOD:CANCEL).
        await tell.calendar_removed(conn, booking.id, now)
        updated = await repo.get_booking(conn, booking.id)
        assert updated is not None
        return updated, Freed(booking.date, booking.session, booking.minutes)

    async def _as_shown(self, conn: repo.Conn, booking_id: int, shown: int | None) -> None:
        """Refuse a confirmation whose page showed an earlier state of the booking (SPEC §12)."""
        if shown is not None and await repo.audit_count(conn, "booking", booking_id) != shown:
            raise ChangeNotAllowed(texts.BOOKING_CHANGED_SINCE)

    async def reschedule(
        self, booking_id: int, *, unit_id: int, user_id: int | None, day: date, session: str,
        shown: int | None = None,
    ) -> tuple[Booking, Freed]:
        """Move a booking (改约): the new slot is taken before the old one is released.

        ``shown``: as for ``cancel``.

        If the new slot is gone, the transaction rolls back and the booking is untouched.
        """
        now = self.clock.now()
        async with self.db.write() as conn:
            booking = await self._changeable(conn, booking_id, unit_id)
            await self._as_shown(conn, booking.id, shown)
            cal, days = await self._window(conn)
            if not booking_open(now, cal):
                raise BookingRefused(texts.booking_closed_until(next_opening(now, cal)))
            if day not in days:
                raise BookingRefused(texts.DATE_NOT_BOOKABLE)
            if (day, session) == (booking.date, booking.session):
                raise BookingRefused("新时段与原预约相同，无需改约。")
            if day != booking.date:
                held = await repo.active_booking_on(conn, unit_id, day)
                if held is not None:
                    raise AlreadyBookedThatDay(texts.already_booked(day, held.code))
            await self._take(conn, day, session, booking.minutes)
            await repo.return_minutes(conn, booking.date, booking.session, booking.minutes)
            await repo.move_booking(conn, booking.id, day, session, now)
            await reflow_session(conn, self.settings, day, session, now)
            await reflow_session(conn, self.settings, booking.date, booking.session, now)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking", entity_id=booking.id, action="reschedule", now=now,
                before={"date": booking.date.isoformat(), "session": booking.session},
                after={"date": day.isoformat(), "session": session},
            )
            await tell.receipt_changed(conn, booking.id, now)
            if user_id is not None:  # the calendar file that moves the entry (same UID, higher SEQUENCE)
                await tell.calendar(conn, booking.id, user_id, booking_texts.ICS_MOVED_CAPTION, now)
        updated = await repo.get_booking(conn, booking.id)
        assert updated is not None
        return updated, Freed(booking.date, booking.session, booking.minutes)

    async def details(self, booking_id: int, *, unit_id: int | None = None) -> BookingDetails:
        """A booking with its unit name, items, change deadline and rating.

        With ``unit_id`` the booking must belong to that unit (BookingRefused otherwise).
        """
        async with self.db.read() as conn:
            card = await repo.booking_card(conn, booking_id)
            if card is None or (unit_id is not None and card.booking.unit_id != unit_id):
                raise BookingRefused(texts.BOOKING_NOT_FOUND)  # a forged or foreign id reveals nothing
            booking = card.booking
            items = await repo.items_of(conn, booking.id)
            mismatches = await repo.mismatches_of_booking(conn, booking.id)
            cal = await self.calendar(conn)
        deadline = change_deadline(booking.date, cal)
        changeable = booking.state in ACTIVE_STATES and self.clock.now() < deadline
        return BookingDetails(booking, card.unit_name, items, deadline, changeable, card.evaluation, card.arrival,
                              mismatches, card.revision)

    async def change_deadline_of(self, booking: Booking) -> datetime:
        """Until when the clerk may change or cancel this booking (the calendar is cached)."""
        return change_deadline(booking.date, await self.calendar())

    async def held_on(self, unit_id: int, day: date) -> Booking | None:
        """The unit's active booking on ``day`` (one per unit per date), or None."""
        async with self.db.read() as conn:
            return await repo.active_booking_on(conn, unit_id, day)

    async def last_contact(self, unit_id: int) -> tuple[str, str] | None:
        """The contact (name, phone) of the unit's latest booking, to pre-fill the next one."""
        async with self.db.read() as conn:
            return await repo.last_contact_of_unit(conn, unit_id)

    async def items(self, booking_id: int) -> list[Item]:
        """A booking's items in display order."""
        async with self.db.read() as conn:
            return await repo.items_of(conn, booking_id)


CALENDAR_TABLES = ("calendar_overrides", "confirmed_years")


async def _load_calendar(conn: repo.Conn) -> WorkCalendar:
    return WorkCalendar(overrides=await repo.calendar_overrides(conn), confirmed_years=await repo.confirmed_years(conn))
