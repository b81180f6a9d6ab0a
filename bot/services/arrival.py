"""Arrival times and check-in at the counter (SPEC §4 "Arrival time").

``reflow_session`` runs inside every write transaction that changes who is in a
session's queue or how long they take (a booking made, ended, moved, resized, a
capacity change): it recomputes the session's times with ``bot.rules.arrival``, stores
each booking's promise and, for a time that moved earlier, writes the edit of that
clerk's receipt to the outbox in the same transaction (``bot.services.tell``).

``ArrivalService`` holds the use cases around it: the start-up reflow, check-in by the
receipt's QR token, by the booking card or by the typed code, the end-of-session 未到
step, and the per-session statistics.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import Clock
from bot.config import Settings
from bot.errors import AlreadyCheckedIn, CheckInRefused
from bot.read_models import CheckIn, NoShowOffer, SessionArrivalStats
from bot.rules.arrival import (
    LATE_AFTER,
    Queued,
    arrival_instant,
    arrival_times,
    average_wait,
    may_move_earlier,
    no_show_candidates,
    suggested_time,
)
from bot.rules.capacity import SessionSpec, SlotUsage
from bot.rules.states import ACTIVE_STATES, BookingState, transition
from bot.services import tell
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Booking, actor_of
from bot.texts import arrival as t
from bot.texts import staff as staff_texts

TOKEN_PREFIX = "ci_"


def checkin_link(bot_username: str, token: str) -> str:
    """The check-in deep link a receipt's QR code carries: it opens the bot with /start ci_<token>."""
    return f"https://t.me/{bot_username}?start={TOKEN_PREFIX}{token}"


def _spec(settings: Settings, key: str) -> SessionSpec | None:
    return next((s for s in settings.bot_sessions if s.key == key), None)


async def reflow_session(conn: repo.Conn, settings: Settings, day: date, session: str, now: datetime) -> list[int]:
    """Recompute one session's arrival times inside the caller's transaction.

    Stores each booking's time as its promise; returns the bookings whose time moved
    earlier than what their clerk was told (their receipts are edited, through the outbox).
    """
    spec = _spec(settings, session)
    if spec is None:
        return []
    capacity = _capacity(settings, spec, await _usage(conn, spec, day))
    queue = await repo.session_queue_brief(conn, day, session)
    times = arrival_times(
        spec, capacity, [Queued(booking_id, minutes, promised) for booking_id, minutes, _, promised in queue],
        may_move_earlier=may_move_earlier(day, now, settings.bot_appointment_reminder_time),
    )
    moved = []
    for booking_id, _, state, promised in queue:
        new = times[booking_id]
        if new == promised:
            continue
        await repo.set_promised_arrival(conn, booking_id, new)
        if promised is not None:  # it moved earlier: the clerk's receipt says so
            moved.append(booking_id)
            if state in ACTIVE_STATES:
                await tell.receipt_changed(conn, booking_id, now)
    return moved


async def join_session(conn: repo.Conn, settings: Settings, booking_id: int, day: date, session: str,
                       minutes: int) -> None:
    """Give a booking of ``minutes`` that has just joined the end of its session's queue its
    time, inside the caller's transaction (after its minutes were taken).

    Joining at the end changes nobody else's time (each time depends only on the minutes
    ahead), so this is ``reflow_session``'s answer for the newcomer without recomputing the
    session: at the 09:00 rush every one of hundreds of bookings joins the same session.
    Every other booking that holds minutes of the session is ahead of it, and the minutes
    they hold are the session's taken minutes (``slots.used``) less its own: no walk of
    the session's queue, which grew with every booking of the rush.
    """
    spec = _spec(settings, session)
    if spec is None:
        return
    usage = await _usage(conn, spec, day)
    ahead = max(0, usage.used - minutes)
    await repo.set_promised_arrival(conn, booking_id, suggested_time(spec, _capacity(settings, spec, usage), ahead))


async def _usage(conn: repo.Conn, spec: SessionSpec, day: date) -> SlotUsage:
    return (await repo.slot_usage(conn, [day])).get((day, spec.key)) or SlotUsage()


def _capacity(settings: Settings, spec: SessionSpec, usage: SlotUsage) -> int:
    """The session's capacity in minutes: staff's setting for the day, else the default."""
    return usage.capacity if usage.capacity is not None else spec.default_capacity(settings.bot_counters)


class ArrivalService:
    """Arrival times, check-in, the end-of-session 未到 step and the arrival statistics."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    def session(self, key: str) -> SessionSpec | None:
        """The configured session with this key."""
        return _spec(self.settings, key)

    # ---------------------------------------------------------------- times

    async def reflow_upcoming(self) -> int:
        """At start: give every booking from today on a promise (bookings made before 0007)."""
        now = self.clock.now()
        moved = 0
        async with self.db.write() as conn:
            for day, session in await repo.sessions_with_bookings_from(conn, now.date()):
                moved += len(await reflow_session(conn, self.settings, day, session, now))
        return moved

    # ---------------------------------------------------------------- check-in

    async def check_in_token(self, staff_id: int, token: str) -> CheckIn:
        """Check in the booking of a receipt's QR code; CheckInRefused otherwise."""
        async with self.db.read() as conn:
            row = await repo.arrival_by_token(conn, token)
        if row is None:
            raise CheckInRefused(t.TOKEN_UNKNOWN)
        return await self.check_in(staff_id, row.booking_id, via="qr")

    async def check_in_code(self, staff_id: int, text: str) -> CheckIn:
        """Check in by the typed booking code (预约编号) or the check-in code."""
        raw = text.strip()
        if raw.startswith(TOKEN_PREFIX):
            return await self.check_in_token(staff_id, raw[len(TOKEN_PREFIX):])
        async with self.db.read() as conn:
            booking = await repo.get_booking_by_code(conn, raw)
        if booking is None:
            raise CheckInRefused(t.CODE_UNKNOWN)
        return await self.check_in(staff_id, booking.id, via="code")

    async def check_in(self, staff_id: int, booking_id: int, *, via: str = "card") -> CheckIn:
        """Mark the booking 已到达 now: only on its date, only while active, only once."""
        now = self.clock.now()
        async with self.db.write() as conn:
            booking = await repo.get_booking(conn, booking_id)
            row = await repo.arrival_of(conn, booking_id)
            if booking is None or row is None:
                raise CheckInRefused(t.CODE_UNKNOWN)
            if row.checked_in_at is not None:
                raise AlreadyCheckedIn(t.already_checked_in(row.checked_in_at), booking.id, row.checked_in_at)
            if booking.state not in ACTIVE_STATES:
                raise CheckInRefused(t.not_active(booking), booking.id)
            if booking.date != now.date():
                raise CheckInRefused(t.wrong_day(booking.date), booking.id)
            if not await repo.check_in(conn, booking.id, staff_id, now):
                raise CheckInRefused(t.CODE_UNKNOWN)
            await repo.audit(conn, actor=actor_of(staff_id), entity="booking", entity_id=booking.id,
                             action="check_in", now=now, after={"via": via})
        return CheckIn(booking, now)

    # ---------------------------------------------------------------- the day

    async def no_show_offer(self, day: date, session: str) -> NoShowOffer | None:
        """The session's never-checked-in active bookings once it has ended (None before)."""
        spec = self.session(session)
        if spec is None:
            return None
        now = self.clock.now()
        async with self.db.read() as conn:
            queue = await repo.session_queue(conn, day, session)
            ids = no_show_candidates(spec, day, now, [(b.id, b.state, a.checked_in_at) for b, a in queue])
            if not ids:
                return None
            names = {}
            for b, _ in queue:
                if b.id in ids and b.unit_id not in names:
                    unit = await repo.get_unit(conn, b.unit_id)
                    names[b.unit_id] = unit.name if unit else ""
        return NoShowOffer(day, spec, [b for b, _ in queue if b.id in ids], names)

    async def ended_sessions_with_absentees(self, day: date) -> list[NoShowOffer]:
        """Every ended session of ``day`` that still has bookings to mark 未到."""
        offers = [await self.no_show_offer(day, spec.key) for spec in self.settings.bot_sessions]
        return [o for o in offers if o is not None]

    async def mark_no_shows(
        self, staff_id: int, day: date, session: str, digest: str
    ) -> list[tuple[Booking, list[int]]]:
        """Mark the offered bookings 未到 in one transaction, if the offer is still the one shown.

        Returns each booking marked with its unit's clerks (to be told).

        A list that changed since it was shown (someone checked in, was served,
        cancelled) is refused: the staff member sees the current list instead.
        """
        offer = await self.no_show_offer(day, session)
        if offer is None or offer.digest != digest:
            raise CheckInRefused(t.OFFER_CHANGED)
        now = self.clock.now()
        marked: list[tuple[Booking, list[int]]] = []
        async with self.db.write() as conn:
            for booking in offer.bookings:
                row = await repo.arrival_of(conn, booking.id)
                current = await repo.get_booking(conn, booking.id)
                if current is None or row is None or row.checked_in_at is not None or current.state != booking.state:
                    raise CheckInRefused(t.OFFER_CHANGED)  # rolls the whole step back
                new_state = transition(current.state, "no_show")
                if not await repo.set_booking_state(conn, current.id, current.state, new_state, now):
                    raise CheckInRefused(t.OFFER_CHANGED)
                await repo.audit(conn, actor=actor_of(staff_id), entity="booking", entity_id=current.id,
                                 action="no_show", now=now, before={"state": current.state.value},
                                 after={"state": new_state.value, "via": "session_end"})
                updated = await repo.get_booking(conn, current.id)
                assert updated is not None
                # Its clerks are told with the change itself (SPEC §13).
                notice = staff_texts.no_show_notice(updated, self.settings.bot_centre_phone)
                told = await tell.unit_clerks(conn, updated.unit_id, notice, booking_id=updated.id, now=now)
                await tell.receipt_changed(conn, updated.id, now)
                marked.append((updated, told))
        return marked

    # ---------------------------------------------------------------- statistics

    async def stats(self, start: date, end: date) -> list[SessionArrivalStats]:
        """Per session, over the dates ``start``..``end``: average wait, late and 未到 rates."""
        async with self.db.read() as conn:
            facts = await repo.arrival_facts_between(conn, start, end)
        result = []
        for spec in self.settings.bot_sessions:
            rows = [f for f in facts if f[1] == spec.key]
            pairs = [(checked, served) for _, _, state, _, checked, served in rows
                     if state is BookingState.SERVED and checked is not None and served is not None]
            checked = [(day, at, c) for day, _, _, at, c, _ in rows if c is not None]
            late = sum(1 for day, at, c in checked if at is not None and c >= arrival_instant(day, at) + LATE_AFTER)
            no_show = sum(1 for f in rows if f[2] is BookingState.NO_SHOW)
            outcomes = sum(1 for f in rows if f[2] in (BookingState.SERVED, BookingState.NO_SHOW))
            result.append(SessionArrivalStats(spec, len(rows), average_wait(pairs), late, len(checked),
                                              no_show, outcomes))
        return result
