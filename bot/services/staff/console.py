"""Staff console use cases (SPEC §8, §11): schedule, look-up, review, outcome, revoke."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from bot import texts
from bot.callbacks import pack
from bot.errors import StaffRefused
from bot.read_models import (
    REVIEWS,
    VISIT_OUTCOMES,
    BookingChange,
    BookingHistory,
    DaySchedule,
    ReviewResult,
    ScheduleEntry,
    SessionSchedule,
    UnitView,
)
from bot.rules.arrival import day_mark
from bot.rules.capacity import availability
from bot.rules.freeze import MismatchState, freeze_status, month_key
from bot.rules.states import ACTIVE_STATES, CAPACITY_STATES, BookingState, transition
from bot.rules.window import change_deadline
from bot.services import tell
from bot.services.mismatches import apply_review
from bot.services.staff.common import RECENT_BOOKINGS, StaffBase, check_reason
from bot.storage import repo
from bot.storage.models import AuditEntry, Booking, Item, Unit, actor_of
from bot.texts import mismatch as mismatch_texts
from bot.texts import staff as t

log = logging.getLogger(__name__)

REASONED = ("fail", "mismatch")  # the review results that need a reason (SPEC §8)


def check_reviewable(booking: Booking, item: Item) -> None:
    """Raise StaffRefused unless the item can be reviewed (filled, booking not ended unserved)."""
    if booking.state not in CAPACITY_STATES:
        raise StaffRefused(t.review_not_possible(booking.state.label))
    if not item.filled:
        raise StaffRefused(t.ITEM_NOT_FILLED)


def _people_in(entries: Iterable[AuditEntry]) -> set[int]:
    """The Telegram user ids that act in audit lines."""
    ids: set[int] = set()
    for e in entries:
        head, _, raw = e.actor.partition(":")
        if head == "tg" and raw.isdigit():
            ids.add(int(raw))
    return ids


class ConsoleUseCases(StaffBase):
    """Schedule, look-up, review, outcome and revoke."""

    # ---------------------------------------------------------------- schedule

    async def schedule(self, day: date) -> DaySchedule:
        """The bookings of ``day`` that hold minutes, by session, with used/capacity."""
        async with self.db.read() as conn:
            cal = await self.bookings.calendar(conn)
            usage = await repo.slot_usage(conn, [day])
            closed = await repo.closed_dates(conn, day, day)
            bookings = await repo.bookings_on(conn, day)
            facts = await repo.arrivals_of(conn, [b.id for b in bookings])
            entries: dict[str, list[ScheduleEntry]] = {}
            ended = 0
            now = self.clock.now()
            # In arrival order: the order in which the bookings entered their session (SPEC §4).
            for b in sorted(bookings, key=lambda b: facts[b.id].queue_seq if b.id in facts else b.id):
                if b.state not in CAPACITY_STATES:
                    ended += 1
                    continue
                unit = await repo.get_unit(conn, b.unit_id)
                a = facts.get(b.id)
                at, checked = (a.promised, a.checked_in_at) if a else (None, None)
                # Marks from the day itself on; before it a schedule shows the times only.
                mark = day_mark(b.state, day, at, checked, now) if day <= now.date() else None
                entries.setdefault(b.session, []).append(
                    ScheduleEntry(b, unit.name if unit else "", await repo.items_of(conn, b.id), at, mark, checked)
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

    async def history(self, booking_id: int) -> BookingHistory:
        """A booking's audit lines, oldest first, with its items and everyone named in them."""
        async with self.db.read() as conn:
            booking = await self._booking(conn, booking_id)
            entries = await repo.history(conn, "booking", booking.id)
            items = await repo.items_of(conn, booking.id)
            people = await self.people(conn, _people_in(entries))
        return BookingHistory(booking, entries, items, people)

    async def mismatch_states(self, booking_id: int) -> dict[int, MismatchState]:
        """Where each item's 材料不符 stands (待更正 / 已更正，待复核 / 已计入), by item id."""
        async with self.db.read() as conn:
            found = await repo.mismatches_of_booking(conn, booking_id)
        return {item_id: m.state for item_id, m in found.items()}

    async def reveal_id(self, staff_id: int, item_id: int) -> tuple[Booking, Item]:
        """An applicant with the identity number shown in full: the reveal is audited first
        (who saw whose number, when — SPEC §6), in its own transaction."""
        now = self.clock.now()
        async with self.db.write() as conn:
            item = await repo.get_item(conn, item_id)
            if item is None:
                raise StaffRefused(t.BOOKING_NOT_FOUND)
            booking = await self._booking(conn, item.booking_id)
            if not item.filled:
                raise StaffRefused(t.ITEM_NOT_FILLED_REVEAL)
            name = (await self.people(conn, [staff_id]))[staff_id]
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="booking", entity_id=booking.id, action="reveal_id", now=now,
                after={"item": item.id, "staff": name},
            )
        log.info("identity number of item %s shown to staff %s", item.id, staff_id)
        return booking, item

    async def item(self, item_id: int) -> tuple[Booking, Item]:
        """One item and its booking."""
        async with self.db.read() as conn:
            item = await repo.get_item(conn, item_id)
            if item is None:
                raise StaffRefused(texts.BOOKING_NOT_FOUND)
            return await self._booking(conn, item.booking_id), item

    # ---------------------------------------------------------------- review (SPEC §8)

    async def review(self, staff_id: int, item_id: int, review: str, reason: str | None = None) -> ReviewResult:
        """Record an item's review and its 材料不符 state (``bot.services.mismatches.apply_review``).

        A 材料不符 given before the change deadline is pending (it counts only if still
        standing at the deadline); one given after it counts at once; any other result
        withdraws the item's mismatch. All in the same transaction as the review.
        """
        if review not in REVIEWS:
            raise StaffRefused(texts.STALE_BUTTON)
        # 不通过 and 材料不符 are never saved without a reason; 通过 keeps none
        reason = check_reason(reason or "") if review in REASONED else None
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
                conn, actor=actor_of(staff_id), entity="booking", entity_id=booking.id, action="review", now=now,
                before={"item": item.id, "review": item.review, "reason": item.review_reason},
                after={"item": item.id, "review": review, "reason": reason},
            )
            cal = await self.bookings.calendar(conn)
            change = await apply_review(conn, booking, item, review, staff_id, now,
                                        change_deadline(booking.date, cal))
            updated = await repo.get_item(conn, item.id)
            assert updated is not None
            # The clerks are told with the review itself (SPEC §13): the outbox delivers it.
            see_results = [(mismatch_texts.SEE_RESULTS_LABEL, pack("ap", "list", booking.id, notice=True))]
            clerks = await tell.unit_clerks(conn, booking.unit_id, t.review_notice(booking, updated, reason, change),
                                            [see_results], booking_id=booking.id, now=now)
            await tell.receipt_changed(conn, booking.id, now)
        log.info("item %s of booking %s reviewed: %s", item_id, booking.id, review)
        return ReviewResult(booking, updated, review, reason, clerks, change)

    # ---------------------------------------------------------------- outcome

    async def set_outcome(self, staff_id: int, booking_id: int, outcome: str) -> BookingChange:
        """已办理 ('serve') or 未到 ('no_show'), from the appointment date on."""
        if outcome not in VISIT_OUTCOMES:
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
                conn, actor=actor_of(staff_id), entity="booking", entity_id=booking.id, action=outcome, now=now,
                before={"state": booking.state.value}, after={"state": new_state.value},
            )
            updated = await self._booking(conn, booking.id)
            clerks = []
            if outcome == "no_show":  # 已办理 asks for an evaluation instead (the reminders' log)
                clerks = await tell.unit_clerks(conn, booking.unit_id,
                                                t.no_show_notice(updated, self.settings.bot_centre_phone),
                                                booking_id=booking.id, now=now)
            await tell.receipt_changed(conn, booking.id, now)
        return BookingChange(updated, clerks)

    async def revoke(self, staff_id: int, booking_id: int, reason: str) -> BookingChange:
        """撤销预约 with a reason: the booking ends and its minutes return to the pool."""
        reason = check_reason(reason)

        async def tell_clerks(conn: repo.Conn, revoked: Booking) -> list[int]:
            spec = self.bookings.session(revoked.session)
            text = t.revoke_notice(revoked, spec.label if spec else revoked.session, revoked.ended_reason or "",
                                   self.settings.bot_centre_phone)
            return await tell.unit_clerks(conn, revoked.unit_id, text, booking_id=revoked.id, now=self.clock.now())

        booking, clerks = await self.bookings.revoke(booking_id, staff_id=staff_id, reason=reason, told=tell_clerks)
        return BookingChange(booking, clerks)

