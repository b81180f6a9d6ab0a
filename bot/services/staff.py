"""Staff console use cases (SPEC §3, §4, §8, §11): schedule, look-up, review, outcome,
capacity and closures, calendar overrides, staff membership, exports.

Every write runs in one ``Database.write()`` transaction and writes its audit line
(``actor="tg:<staff id>"``, before → after) in that same transaction. Nothing here
talks to Telegram: the results say who should be told what, and the handlers
send it after the transaction has committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from bot import texts
from bot.clock import Clock
from bot.config import Settings
from bot.rules.applicant import mask_phone
from bot.rules.basket import BusinessType
from bot.rules.calendar import DayInfo, DayKind, WorkCalendar
from bot.rules.capacity import Availability, SessionSpec, availability
from bot.rules.errors import BookingRefused, DomainError
from bot.rules.freeze import FreezeStatus, MismatchChange, freeze_status, month_key
from bot.rules.states import ACTIVE_STATES, CAPACITY_STATES, BookingState, transition
from bot.rules.window import bookable_dates, change_deadline, next_opening
from bot.services.booking import BookingService
from bot.services.mismatches import apply_review
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import AuditEntry, Booking, Item, TgUser, Unit
from bot.texts import staff as t
from bot.texts.booking import count_items, items_line

if TYPE_CHECKING:  # Deps builds this service: a runtime import would be circular
    from bot.deps import Deps

log = logging.getLogger(__name__)

Review = Literal["pass", "fail", "mismatch"]
REVIEWS: tuple[Review, ...] = get_args(Review)
Outcome = Literal["serve", "no_show"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
DAY_KINDS: tuple[DayKind, ...] = get_args(DayKind)

REASON_MAX = 200
NOTE_MAX = 100
CAPACITY_MAX = 10_000
STAFF_NAME_MAX = 40
EXPORT_MAX_DAYS = 62
CALENDAR_DAYS = 30
CONFIRM_LOOKAHEAD_DAYS = 40
CHART_DAYS = 5
REBOOK_OPTIONS = 3
RECENT_BOOKINGS = 5
CLOSURE_PREFIX = "中心因故关闭该日期："
SESSION_CLOSURE_PREFIX = "中心因故关闭该时段："


class StaffRefused(DomainError):
    """A staff action the rules do not allow; ``message`` says why."""


class BadInput(StaffRefused):
    """A typed answer that fails validation: the same question is asked again."""


class SessionHasBookings(StaffRefused):
    """Closing a session that holds active bookings needs a reason (told to their clerks)."""

    def __init__(self, active: int) -> None:
        super().__init__(t.session_has_bookings(active))
        self.active = active


# ---------------------------------------------------------------- parsing (typed input)


def parse_day(text: str, today: date) -> date | None:
    """A date typed by staff: 2026-12-02, 2026/12/2, 20261202, 12-02 or 12月2日 (this year)."""
    raw = text.strip().replace("/", "-").replace(".", "-")
    raw = raw.replace("年", "-").replace("月", "-").rstrip("日号")
    try:
        if raw.isdigit() and len(raw) == 8:
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        parts = [int(p) for p in raw.split("-")]
    except ValueError:
        return None
    try:
        if len(parts) == 3:
            return date(*parts)
        if len(parts) == 2:
            return date(today.year, parts[0], parts[1])
    except ValueError:
        return None
    return None


def parse_range(text: str, today: date) -> tuple[date, date] | None:
    """A date or a range 'A..B' (also 'A~B', 'A 至 B'); None if either end is not a date."""
    for sep in ("..", "~", "～", "至"):
        if sep in text:
            left, right = text.split(sep, 1)
            start, end = parse_day(left, today), parse_day(right, today)
            return (start, end) if start and end else None
    day = parse_day(text, today)
    return (day, day) if day else None


def check_reason(text: str, limit: int = REASON_MAX) -> str:
    """A typed reason or note: non-empty, at most ``limit`` characters; raises BadInput."""
    reason = " ".join(text.split())
    if not reason:
        raise BadInput(t.REASON_EMPTY)
    if len(reason) > limit:
        raise BadInput(t.reason_too_long(limit, len(reason)))
    return reason


def check_reviewable(booking: Booking, item: Item) -> None:
    """Raise StaffRefused unless the item can be reviewed (filled, booking not ended unserved)."""
    if booking.state not in CAPACITY_STATES:
        raise StaffRefused(t.review_not_possible(booking.state.label))
    if not item.filled:
        raise StaffRefused(t.ITEM_NOT_FILLED)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ScheduleEntry:
    """One booking of a schedule, with its unit's name and its items."""

    booking: Booking
    unit_name: str
    items: list[Item]


@dataclass(frozen=True)
class SessionSchedule:
    """One session of a date: minutes used of capacity, and its bookings."""

    spec: SessionSpec
    capacity: int
    used: int
    closed: bool
    entries: list[ScheduleEntry]


@dataclass(frozen=True)
class DaySchedule:
    """The schedule of one date by session."""

    day: date
    info: DayInfo
    closed_reason: str | None
    sessions: list[SessionSchedule]
    ended: int  # cancelled / released / revoked bookings of the date (not listed)

    @property
    def entries(self) -> list[ScheduleEntry]:
        """Every listed booking, session by session."""
        return [e for s in self.sessions for e in s.entries]


@dataclass(frozen=True)
class UnitView:
    """A unit as staff see it: bookings, bound clerks, the month's mismatches."""

    unit: Unit
    active: list[Booking]
    recent: list[Booking]
    clerks: list[TgUser]
    freeze: FreezeStatus


@dataclass(frozen=True)
class ReviewResult:
    """What a review changed, and whom to tell."""

    booking: Booking
    item: Item
    review: Review
    reason: str | None
    clerk_ids: list[int]
    mismatch: MismatchChange  # the item's 材料不符 state before/after, the unit's standing

    @property
    def freeze(self) -> FreezeStatus:
        """The unit's mismatch standing after the review."""
        return self.mismatch.freeze

    @property
    def newly_frozen(self) -> bool:
        """Whether this review froze the unit."""
        return self.mismatch.newly_frozen


@dataclass(frozen=True)
class BookingChange:
    """A booking after a staff change, and its unit's clerks to tell."""

    booking: Booking
    clerk_ids: list[int]


@dataclass(frozen=True)
class RebookOption:
    """A date and session with room for a cancelled booking's minutes."""

    day: date
    session: SessionSpec


@dataclass(frozen=True)
class Closure:
    """A closed date (or one session of it): the bookings it cancelled, each with its
    clerks and rebook options."""

    day: date
    reason: str
    cancelled: list[tuple[Booking, list[int], list[RebookOption]]]
    session: SessionSpec | None = None  # None: the whole date


@dataclass(frozen=True)
class CalendarDay:
    """One date of the staff calendar view."""

    info: DayInfo
    override_note: str | None
    closed_reason: str | None


@dataclass(frozen=True)
class ExportRow:
    """One row of the schedule export."""

    code: str
    day: date
    session: str
    unit: str
    items: str
    minutes: int
    state: str
    contact: str
    phone_masked: str
    applicants: int


@dataclass(frozen=True)
class Rebooked:
    """A booking made again after its date was closed."""

    booking: Booking
    copied: int  # applicants carried over from the cancelled booking


# ---------------------------------------------------------------- the service


class StaffService:
    """The staff console's use cases over one database, with settings and clock."""

    def __init__(self, db: Database, settings: Settings, clock: Clock,
                 bookings: BookingService | None = None) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.bookings = bookings or BookingService(db, settings, clock)

    @classmethod
    def of(cls, deps: Deps) -> StaffService:
        """The service over the application's dependencies."""
        return cls(deps.db, deps.settings, deps.clock, deps.bookings)

    def today(self) -> date:
        """Today in Asia/Shanghai (the clock is tz-aware)."""
        return self.clock.now().date()

    # ---------------------------------------------------------------- schedule

    async def schedule(self, day: date) -> DaySchedule:
        """The bookings of ``day`` that hold minutes, by session, with used/capacity."""
        async with self.db.read() as conn:
            cal = await self.bookings.calendar(conn)
            usage = await repo.slot_usage(conn, [day])
            closed = await repo.closed_dates(conn, day, day)
            bookings = await repo.bookings_on(conn, day)
            entries: dict[str, list[ScheduleEntry]] = {}
            ended = 0
            for b in bookings:
                if b.state not in CAPACITY_STATES:
                    ended += 1
                    continue
                unit = await repo.get_unit(conn, b.unit_id)
                entries.setdefault(b.session, []).append(
                    ScheduleEntry(b, unit.name if unit else "", await repo.items_of(conn, b.id))
                )
        sessions = [
            SessionSchedule(a.session, a.capacity, a.used, a.closed, entries.get(a.session.key, []))
            for a in availability([day], self.bookings.sessions, usage, self.settings.bot_counters)
        ]
        return DaySchedule(day, cal.describe(day), closed.get(day), sessions, ended)

    # ---------------------------------------------------------------- look-up

    async def find(self, text: str) -> Booking | list[Unit]:
        """A booking by its code (CY…), else the units whose username or name matches."""
        query = text.strip()
        async with self.db.read() as conn:
            if query.upper().startswith("CY"):
                booking = await repo.get_booking_by_code(conn, query)
                if booking is not None:
                    return booking
            return await repo.search_units(conn, query) if query else []

    async def unit_view(self, unit_id: int) -> UnitView:
        """A unit with its active and recent bookings, bound clerks and freeze state."""
        now = self.clock.now()
        async with self.db.read() as conn:
            unit = await repo.get_unit(conn, unit_id)
            if unit is None:
                raise StaffRefused(t.UNIT_NOT_FOUND)
            every = await repo.bookings_of_unit(conn, unit_id, list(BookingState))
            clerks = await repo.clerks_of_unit(conn, unit_id)
            status = freeze_status(await repo.mismatch_times(conn, unit_id, month_key(now)), now)
        active = [b for b in every if b.state in ACTIVE_STATES]
        ended = sorted((b for b in every if b.state not in ACTIVE_STATES), key=lambda b: (b.date, b.id))
        return UnitView(unit, active, ended[-RECENT_BOOKINGS:][::-1], clerks, status)

    async def booking(self, booking_id: int) -> Booking:
        """The booking with this id (StaffRefused if there is none)."""
        async with self.db.read() as conn:
            return await self._booking(conn, booking_id)

    async def history(self, booking_id: int) -> tuple[Booking, list[AuditEntry]]:
        """A booking and its audit lines, oldest first."""
        async with self.db.read() as conn:
            booking = await self._booking(conn, booking_id)
            return booking, await repo.history(conn, "booking", booking.id)

    async def item(self, item_id: int) -> tuple[Booking, Item]:
        """One item and its booking."""
        async with self.db.read() as conn:
            item = await repo.get_item(conn, item_id)
            if item is None:
                raise StaffRefused(texts.BOOKING_NOT_FOUND)
            return await self._booking(conn, item.booking_id), item

    async def _booking(self, conn: repo.Conn, booking_id: int) -> Booking:
        booking = await repo.get_booking(conn, booking_id)
        if booking is None:
            raise StaffRefused(t.BOOKING_NOT_FOUND)
        return booking

    async def _clerk_ids(self, conn: repo.Conn, unit_id: int) -> list[int]:
        return [c.user_id for c in await repo.clerks_of_unit(conn, unit_id)]

    # ---------------------------------------------------------------- review (SPEC §8)

    async def review(self, staff_id: int, item_id: int, review: str, reason: str | None = None) -> ReviewResult:
        """Record an item's review and its 材料不符 state (``bot.services.mismatches.apply_review``).

        A 材料不符 given before the change deadline is pending (it counts only if still
        standing at the deadline); one given after it counts at once; any other result
        withdraws the item's mismatch. All in the same transaction as the review.
        """
        if review not in REVIEWS:
            raise StaffRefused(texts.STALE_BUTTON)
        if review == "fail":
            reason = check_reason(reason or "")
        else:
            reason = None
        now = self.clock.now()
        async with self.db.write() as conn:
            item = await repo.get_item(conn, item_id)
            if item is None:
                raise StaffRefused(t.BOOKING_NOT_FOUND)
            booking = await self._booking(conn, item.booking_id)
            check_reviewable(booking, item)
            if item.review == review and item.review_reason == reason:
                raise StaffRefused(t.REVIEW_UNCHANGED)
            await repo.set_item_review(conn, item.id, review, reason, staff_id, now)
            await repo.audit(
                conn, actor=_actor(staff_id), entity="booking", entity_id=booking.id, action="review", now=now,
                before={"item": item.id, "review": item.review, "reason": item.review_reason},
                after={"item": item.id, "review": review, "reason": reason},
            )
            cal = await self.bookings.calendar(conn)
            change = await apply_review(conn, booking, item, review, staff_id, now,
                                        change_deadline(booking.date, cal))
            updated = await repo.get_item(conn, item.id)
            clerks = await self._clerk_ids(conn, booking.unit_id)
        assert updated is not None
        log.info("item %s of booking %s reviewed: %s", item_id, booking.id, review)
        return ReviewResult(booking, updated, review, reason, clerks, change)  # type: ignore[arg-type]

    # ---------------------------------------------------------------- outcome

    async def set_outcome(self, staff_id: int, booking_id: int, outcome: str) -> BookingChange:
        """已办理 ('serve') or 未到 ('no_show'), from the appointment date on."""
        if outcome not in OUTCOMES:
            raise StaffRefused(texts.STALE_BUTTON)
        now = self.clock.now()
        async with self.db.write() as conn:
            booking = await self._booking(conn, booking_id)
            if now.date() < booking.date:
                raise StaffRefused(t.outcome_too_early(booking.date))
            new_state = transition(booking.state, outcome)
            if not await repo.set_booking_state(conn, booking.id, booking.state, new_state, now):
                raise StaffRefused(texts.BOOKING_NOT_ACTIVE)
            await repo.audit(
                conn, actor=_actor(staff_id), entity="booking", entity_id=booking.id, action=outcome, now=now,
                before={"state": booking.state.value}, after={"state": new_state.value},
            )
            updated = await self._booking(conn, booking.id)
            clerks = await self._clerk_ids(conn, booking.unit_id)
        return BookingChange(updated, clerks)

    async def revoke(self, staff_id: int, booking_id: int, reason: str) -> BookingChange:
        """撤销预约 with a reason: the booking ends and its minutes return to the pool."""
        reason = check_reason(reason)
        booking, _ = await self.bookings.revoke(booking_id, staff_id=staff_id, reason=reason)
        async with self.db.read() as conn:
            clerks = await self._clerk_ids(conn, booking.unit_id)
        return BookingChange(booking, clerks)

    # ---------------------------------------------------------------- capacity (SPEC §4)

    async def capacity(self, day: date) -> tuple[DaySchedule, list[Availability]]:
        """A date's sessions (used / capacity / closed) and its schedule."""
        schedule = await self.schedule(day)
        async with self.db.read() as conn:
            usage = await repo.slot_usage(conn, [day])
        return schedule, availability([day], self.bookings.sessions, usage, self.settings.bot_counters)

    def _spec(self, session: str) -> SessionSpec:
        spec = self.bookings.session(session)
        if spec is None:
            raise StaffRefused(texts.STALE_BUTTON)
        return spec

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
            await repo.audit(
                conn, actor=_actor(staff_id), entity="capacity", entity_id=f"{day.isoformat()}:{session}",
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
                conn, actor=_actor(staff_id), entity="capacity", entity_id=f"{day.isoformat()}:{session}",
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
                raise SessionHasBookings(len(active))
            old = (await repo.slot_usage(conn, [day])).get((day, session))
            await repo.set_slot_closed(conn, day, session, True)
            await repo.audit(
                conn, actor=_actor(staff_id), entity="capacity", entity_id=f"{day.isoformat()}:{session}",
                action="close_session", now=now, before={"closed": bool(old and old.closed)},
                after={"closed": True, "reason": reason} if reason is not None else {"closed": True},
            )
            for booking in active:
                cancelled.append((await self._cancel_for_closure(conn, staff_id, booking, ended_reason, now),
                                  await self._clerk_ids(conn, booking.unit_id)))
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
                conn, actor=_actor(staff_id), entity="booking", entity_id=booking.id, action="cancel", now=now,
                before={"state": booking.state.value},
                after={"state": new_state.value, "reason": ended_reason},
            )
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
                conn, actor=_actor(staff_id), entity="capacity", entity_id=day.isoformat(), action="close_date",
                now=now, before={"closed": False}, after={"closed": True, "reason": reason},
            )
            for booking in await repo.bookings_on(conn, day, ACTIVE_STATES):
                new_state = transition(booking.state, "cancel")
                if not await repo.set_booking_state(conn, booking.id, booking.state, new_state, now, ended_reason):
                    continue
                await repo.return_minutes(conn, booking.date, booking.session, booking.minutes)
                await repo.audit(
                    conn, actor=_actor(staff_id), entity="booking", entity_id=booking.id, action="cancel", now=now,
                    before={"state": booking.state.value},
                    after={"state": new_state.value, "reason": ended_reason},
                )
                updated = await self._booking(conn, booking.id)
                cancelled.append((updated, await self._clerk_ids(conn, booking.unit_id)))
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
                conn, actor=_actor(staff_id), entity="capacity", entity_id=day.isoformat(), action="reopen_date",
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
                conn, actor=_actor(user_id), entity="booking", entity_id=old.id, action="rebooked", now=now,
                before={"state": old.state.value}, after={"to": booking.code, "booking": booking.id},
            )
            await repo.audit(
                conn, actor=_actor(user_id), entity="booking", entity_id=booking.id, action="copy_applicants",
                now=now, after={"from": old.code, "items": copied},
            )
            if copied == len(new_items):
                new_state = transition(booking.state, "complete")
                if await repo.set_booking_state(conn, booking.id, booking.state, new_state, now):
                    await repo.audit(
                        conn, actor=_actor(user_id), entity="booking", entity_id=booking.id, action="complete",
                        now=now, before={"state": booking.state.value}, after={"state": new_state.value},
                    )
            updated = await self._booking(conn, booking.id)
        return Rebooked(updated, copied)

    # ---------------------------------------------------------------- calendar (SPEC §3)

    async def calendar_days(self, start: date, days: int = CALENDAR_DAYS) -> list[CalendarDay]:
        """``days`` dates from ``start`` as the bot sees them, with override notes and closures."""
        end = start + timedelta(days=days - 1)
        async with self.db.read() as conn:
            cal = await self.bookings.calendar(conn)
            notes = await repo.calendar_override_notes(conn, start, end)
            closed = await repo.closed_dates(conn, start, end)
        return [
            CalendarDay(cal.describe(d), notes[d][1] if d in notes else None, closed.get(d))
            for d in (start + timedelta(days=i) for i in range(days))
        ]

    async def bookings_held_on(self, day: date) -> int:
        """How many active bookings a date holds (warned about when its kind changes)."""
        async with self.db.read() as conn:
            return len(await repo.bookings_on(conn, day, ACTIVE_STATES))

    async def set_override(self, staff_id: int, day: date, kind: str, note: str) -> DayInfo:
        """Make ``day`` a working day / a day off / a statutory holiday (staff override)."""
        if kind not in DAY_KINDS:
            raise StaffRefused(texts.STALE_BUTTON)
        note = check_reason(note, NOTE_MAX)
        now = self.clock.now()
        async with self.db.write() as conn:
            before = (await repo.calendar_override_notes(conn, day, day)).get(day)
            await repo.set_calendar_override(conn, day, kind, note, staff_id, now)  # type: ignore[arg-type]
            await repo.audit(
                conn, actor=_actor(staff_id), entity="calendar", entity_id=day.isoformat(), action="set_override",
                now=now, before={"kind": before[0], "note": before[1]} if before else None,
                after={"kind": kind, "note": note},
            )
            cal = await self.bookings.calendar(conn)
        return cal.describe(day)

    async def delete_override(self, staff_id: int, day: date) -> DayInfo:
        """Remove a date's override: the official (or computed) calendar applies again."""
        now = self.clock.now()
        async with self.db.write() as conn:
            before = (await repo.calendar_override_notes(conn, day, day)).get(day)
            if before is None or not await repo.delete_calendar_override(conn, day):
                raise StaffRefused(t.NO_OVERRIDE)
            await repo.audit(
                conn, actor=_actor(staff_id), entity="calendar", entity_id=day.isoformat(),
                action="delete_override", now=now, before={"kind": before[0], "note": before[1]}, after=None,
            )
            cal = await self.bookings.calendar(conn)
        return cal.describe(day)

    async def confirm_year(self, admin_id: int, year: int) -> None:
        """An admin confirms an uncovered year's calendar (its 调休 overrides are entered)."""
        now = self.clock.now()
        cal = await self.bookings.calendar()
        if cal.year_covered(year):
            raise StaffRefused(t.year_covered(year))
        async with self.db.write() as conn:
            if not await repo.confirm_year(conn, year, admin_id, now):
                raise StaffRefused(t.year_already_confirmed(year))
            await repo.audit(
                conn, actor=_actor(admin_id), entity="calendar", entity_id=str(year), action="confirm_year",
                now=now, before={"confirmed": False}, after={"confirmed": True},
            )

    # ---------------------------------------------------------------- staff membership (admins)

    async def list_staff(self) -> list[tuple[int, str]]:
        """(user id, name) of the staff added by admins."""
        async with self.db.read() as conn:
            return await repo.list_staff(conn)

    async def add_staff(self, admin_id: int, user_id: int, name: str) -> None:
        """Add a staff member by Telegram user id."""
        name = " ".join(name.split())[:STAFF_NAME_MAX]
        if user_id <= 0:
            raise StaffRefused(t.STAFF_ID_BAD)
        if user_id in self.settings.bot_admin_ids:
            raise StaffRefused(t.ALREADY_ADMIN)
        now = self.clock.now()
        async with self.db.write() as conn:
            if not await repo.add_staff(conn, user_id, name, admin_id, now):
                raise StaffRefused(t.ALREADY_STAFF)
            await repo.audit(
                conn, actor=_actor(admin_id), entity="staff", entity_id=user_id, action="add_staff", now=now,
                before=None, after={"user_id": user_id, "name": name},
            )

    async def remove_staff(self, admin_id: int, user_id: int) -> None:
        """Remove a staff member (admins from the configuration cannot be removed here)."""
        if user_id in self.settings.bot_admin_ids:
            raise StaffRefused(t.CANNOT_REMOVE_ADMIN)
        now = self.clock.now()
        async with self.db.write() as conn:
            name = dict(await repo.list_staff(conn)).get(user_id)
            if not await repo.remove_staff(conn, user_id):
                raise StaffRefused(t.NOT_STAFF)
            await repo.audit(
                conn, actor=_actor(admin_id), entity="staff", entity_id=user_id, action="remove_staff", now=now,
                before={"user_id": user_id, "name": name}, after=None,
            )

    # ---------------------------------------------------------------- export and chart

    async def export_rows(self, staff_id: int, start: date, end: date) -> list[ExportRow]:
        """Every booking dated in [start, end] as export rows; the export is audited."""
        if end < start:
            start, end = end, start
        if (end - start).days + 1 > EXPORT_MAX_DAYS:
            raise StaffRefused(t.export_too_long(EXPORT_MAX_DAYS))
        rows: list[ExportRow] = []
        now = self.clock.now()
        async with self.db.write() as conn:
            for b in await repo.bookings_between(conn, start, end):
                unit = await repo.get_unit(conn, b.unit_id)
                items = await repo.items_of(conn, b.id)
                spec = self.bookings.session(b.session)
                rows.append(ExportRow(
                    b.code, b.date, spec.label if spec else b.session, unit.name if unit else "",
                    items_line(count_items(i.business for i in items)), b.minutes, b.state.label,
                    b.contact_name, mask_phone(b.contact_phone), len(items),
                ))
            await repo.audit(
                conn, actor=_actor(staff_id), entity="staff", entity_id=staff_id, action="export", now=now,
                after={"from": start.isoformat(), "to": end.isoformat(), "rows": len(rows)},
            )
        return rows

    async def chart_days(self) -> list[Availability]:
        """Booked vs capacity minutes per session of the next bookable days.

        The window is counted as the booking rule counts it (the next 5 working days
        after today), even before 09:00, so that staff can look ahead at any hour;
        closed dates are left out.
        """
        today = self.today()
        async with self.db.read() as conn:
            cal = await self.bookings.calendar(conn)
            days = _next_workdays(cal, today, CHART_DAYS)
            closed = await repo.closed_dates(conn, days[0], days[-1]) if days else {}
            days = [d for d in days if d not in closed]
            usage = await repo.slot_usage(conn, days)
        return availability(days, self.bookings.sessions, usage, self.settings.bot_counters)

    def first_window_day(self, cal: WorkCalendar) -> date:
        """The first date a booking could be for (the next working day)."""
        return cal.next_workday(self.today())


async def unconfirmed_years_ahead(deps: Deps) -> list[int]:
    """Years within the next 40 days whose calendar still needs an admin's confirmation.

    For the daily December warning (SPEC §3): from 1 December the next year enters
    this range, and it stays there until an admin confirms it.
    """
    today = deps.clock.now().date()
    cal = await deps.bookings.calendar()
    years = sorted({today.year, (today + timedelta(days=CONFIRM_LOOKAHEAD_DAYS)).year})
    return [y for y in years if cal.needs_confirmation(y)]


def _next_workdays(cal: WorkCalendar, today: date, count: int) -> list[date]:
    days: list[date] = []
    day = today
    for _ in range(count):
        day = cal.next_workday(day)
        days.append(day)
    return days


def _rebookable(booking: Booking) -> bool:
    """Cancelled because the centre closed its date or its session."""
    return booking.state is BookingState.CANCELLED and (booking.ended_reason or "").startswith(
        (CLOSURE_PREFIX, SESSION_CLOSURE_PREFIX))


def _fields(item: Item) -> dict[str, str | None]:
    return {
        "name": item.applicant_name, "id_type": item.id_type, "id_number": item.id_number, "phone": item.phone,
        "permit_number": item.permit_number, "change_description": item.change_description,
    }


def _actor(user_id: int | None) -> str:
    return f"tg:{user_id}" if user_id is not None else "system"
