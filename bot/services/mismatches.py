"""材料不符 that counts only when not corrected in time (SPEC §8): the use cases.

The rule and its state table are in ``bot.rules.freeze``; the SQL in
``bot.storage.mismatches``. This module is the API the rest of the bot uses:

``apply_review(conn, booking, item, review, staff_id, now, deadline)``
    Called by the staff review *inside its own write transaction*, after the item's
    result is stored. 材料不符 gives (or re-opens) the item's mismatch: pending before
    the booking's change deadline, counted at once after it. Any other result
    withdraws a pending, corrected or counted mismatch. Writes the audit lines
    (``mismatch_given``, ``mismatch`` = counted, ``mismatch_withdrawn``, ``freeze``) and
    returns a :class:`MismatchChange` (state before/after, the unit's standing before
    and after) for the notice.

``MismatchService.correct(user_id, item_id)``
    The clerk's 「已更正，请复核」: the clerk must be bound to the booking's unit, the
    booking active, the mismatch pending and the deadline not passed. Every staff member
    is told in the same transaction (the outbox, ``bot.services.tell``), with a button to
    the booking (``st:bk:<booking id>``); returns a :class:`Correction` naming them.

``MismatchService.count_due()``
    The deadline sweep (run by the reminders tick, ``bot.jobs.mismatches``): every
    pending mismatch whose booking's change deadline has passed becomes counted, in
    the month of that deadline, and the unit's clerks are told in the same transaction
    (「本月已计N次；再有M次将冻结本月预约权限」); a pending or corrected one on a booking the
    clerk cancelled is withdrawn. Idempotent; each mismatch is moved by a conditional
    UPDATE, so two instances never count one twice.

``MismatchService.standing(unit_id)`` / ``of_booking(booking_id)``
    The unit's :class:`~bot.rules.freeze.FreezeStatus` now (「本月已计N次；再有M次将冻结本月
    预约权限」), and a booking's mismatches by item id, for the clerk's and staff's screens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.callbacks import pack
from bot.clock import Clock
from bot.config import Settings
from bot.errors import DomainError, MismatchError
from bot.rules.calendar import WorkCalendar
from bot.rules.freeze import (
    FreezeStatus,
    MismatchChange,
    MismatchState,
    correct,
    counted_at,
    due_for_count,
    freeze_status,
    give_event,
    month_key,
    transition,
)
from bot.rules.states import ACTIVE_STATES, BookingState
from bot.rules.window import change_deadline
from bot.services import tell
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import SYSTEM, Actor, Booking, Item, Mismatch, actor_of
from bot.texts import mismatch as t
from bot.texts import reminders as reminder_texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Correction:
    """A clerk's 「已更正，请复核」, recorded; whom to tell."""

    booking: Booking
    item: Item
    mismatch: Mismatch
    unit_name: str
    staff_ids: list[int]


async def _standing(conn: repo.Conn, unit_id: int, now: datetime) -> FreezeStatus:
    return freeze_status(await repo.mismatch_times(conn, unit_id, month_key(now)), now)


async def _count(conn: repo.Conn, m: Mismatch, at: datetime, now: datetime, actor: Actor, booking_code: str) -> bool:
    """Move ``m`` to counted at instant ``at``; audit the count and a freeze it causes."""
    before = await _standing(conn, m.unit_id, at)
    if not await repo.set_mismatch_state(conn, m.id, m.state, MismatchState.COUNTED, now, counted_at=at):
        return False
    after = await _standing(conn, m.unit_id, at)
    await repo.audit(
        conn, actor=actor, entity="unit", entity_id=m.unit_id, action="mismatch", now=now,
        before={"month": month_key(at), "count": before.count},
        after={"month": month_key(at), "count": after.count, "item": m.item_id, "booking": booking_code},
    )
    if after.frozen and not before.frozen:
        await repo.audit(
            conn, actor=actor, entity="unit", entity_id=m.unit_id, action="freeze", now=now,
            before={"frozen": False}, after={"frozen": True, "until": after.until.isoformat() if after.until else None},
        )
    return True


async def apply_review(conn: repo.Conn, booking: Booking, item: Item, review: str, staff_id: int | None,
                       now: datetime, deadline: datetime) -> MismatchChange:
    """The mismatch side of a staff review, inside the review's transaction (see module docstring)."""
    existing = await repo.mismatch_of_item(conn, item.id)
    before_state = existing.state if existing else None
    unit_before = await _standing(conn, booking.unit_id, now)
    actor = actor_of(staff_id)
    after_state = before_state
    if review == "mismatch":
        event = give_event(now, deadline)
        after_state = transition(before_state, event)
        if before_state is not MismatchState.COUNTED:
            await repo.give_mismatch(conn, booking.unit_id, booking.id, item.id, staff_id, now)
            await repo.audit(
                conn, actor=actor, entity="booking", entity_id=booking.id, action="mismatch_given", now=now,
                before={"item": item.id, "mismatch": before_state.value if before_state else None},
                after={"item": item.id, "mismatch": MismatchState.PENDING.value, "deadline": deadline.isoformat()},
            )
            if after_state is MismatchState.COUNTED:  # given at or after the deadline: counts at once
                given = await repo.mismatch_of_item(conn, item.id)
                assert given is not None
                await _count(conn, given, counted_at(now, deadline), now, actor, booking.code)
    elif existing is not None and (existing.state, "clear") in _CLEARABLE:
        after_state = transition(existing.state, "clear")
        await repo.set_mismatch_state(conn, existing.id, existing.state, after_state, now)
        await repo.audit(
            conn, actor=actor, entity="unit", entity_id=booking.unit_id, action="mismatch_withdrawn", now=now,
            before={"state": existing.state.value, "month": existing.month},
            after={"state": after_state.value, "item": item.id, "booking": booking.code},
        )
    unit_after = await _standing(conn, booking.unit_id, now)
    return MismatchChange(before_state, after_state, unit_after, unit_after.frozen and not unit_before.frozen,
                          deadline)


_CLEARABLE = {(s, "clear") for s in (MismatchState.PENDING, MismatchState.CORRECTED, MismatchState.COUNTED)}


class MismatchService:
    """The clerk's correction, the deadline sweep and the reads (see the module docstring)."""

    def __init__(self, db: Database, settings: Settings, clock: Clock, bookings: BookingService) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.bookings = bookings

    async def standing(self, unit_id: int) -> FreezeStatus:
        """The unit's mismatch standing now."""
        now = self.clock.now()
        async with self.db.read() as conn:
            return await _standing(conn, unit_id, now)

    async def of_booking(self, booking_id: int) -> dict[int, Mismatch]:
        """A booking's mismatches by item id (withdrawn ones included)."""
        async with self.db.read() as conn:
            return await repo.mismatches_of_booking(conn, booking_id)

    async def deadline(self, booking: Booking, cal: WorkCalendar | None = None) -> datetime:
        """The booking's change deadline (when a pending mismatch counts)."""
        return change_deadline(booking.date, cal or await self.bookings.calendar())

    async def correct(self, user_id: int, item_id: int) -> Correction:
        """The clerk's 「已更正，请复核」 on one item; raises DomainError with the reason if refused."""
        now = self.clock.now()
        async with self.db.write() as conn:
            item = await repo.get_item(conn, item_id)
            booking = await repo.get_booking(conn, item.booking_id) if item else None
            clerk = await repo.get_tg_user(conn, user_id)
            if item is None or booking is None or clerk is None or clerk.unit_id != booking.unit_id:
                raise DomainError(_STALE)
            if booking.state not in ACTIVE_STATES:
                raise DomainError(_NOT_ACTIVE)
            mismatch = await repo.mismatch_of_item(conn, item.id)
            if mismatch is None:
                raise MismatchError(_NOTHING_TO_CORRECT)
            cal = await self.bookings.calendar(conn)
            new_state = correct(mismatch.state, now, change_deadline(booking.date, cal))
            if not await repo.set_mismatch_state(conn, mismatch.id, mismatch.state, new_state, now, by=user_id):
                raise DomainError(_STALE)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking", entity_id=booking.id, action="mismatch_corrected",
                now=now, before={"item": item.id, "mismatch": mismatch.state.value},
                after={"item": item.id, "mismatch": new_state.value},
            )
            updated = await repo.mismatch_of_item(conn, item.id)
            unit = await repo.get_unit(conn, booking.unit_id)
            told = sorted(await self._staff(conn))
            # Staff are told with the correction itself (the outbox), with a button to the booking.
            text = t.staff_corrected(booking, item, unit.name if unit else "")
            open_booking = [(t.OPEN_BOOKING_LABEL, pack("st", "bk", booking.id, notice=True))]
            for staff_id in told:
                await tell.notice(conn, staff_id, text, [open_booking], booking_id=booking.id, now=now)
        assert updated is not None
        log.info("mismatch %s of booking %s marked corrected by its clerk", mismatch.id, booking.id)
        return Correction(booking, item, updated, unit.name if unit else "", told)

    async def _staff(self, conn: repo.Conn) -> set[int]:
        return {user_id for user_id, _ in await repo.list_staff(conn)} | set(self.settings.bot_admin_ids)

    async def count_due(self) -> list[Mismatch]:
        """Count every pending mismatch whose deadline passed; returns those counted now."""
        now = self.clock.now()
        async with self.db.read() as conn:
            candidates = await repo.open_mismatches(conn)
        if not candidates:
            return []
        counted: list[Mismatch] = []
        async with self.db.write() as conn:
            cal = await self.bookings.calendar(conn)
            for m in candidates:
                booking = await repo.get_booking(conn, m.booking_id) if m.booking_id else None
                if booking is None:
                    continue
                deadline = change_deadline(booking.date, cal)
                if now < deadline:
                    continue
                if booking.state is BookingState.CANCELLED:
                    new_state = transition(m.state, "void")
                    if await repo.set_mismatch_state(conn, m.id, m.state, new_state, now):
                        await repo.audit(
                            conn, actor=SYSTEM, entity="unit", entity_id=m.unit_id, action="mismatch_withdrawn",
                            now=now, before={"state": m.state.value},
                            after={"state": new_state.value, "item": m.item_id, "booking": booking.code},
                        )
                    continue
                if due_for_count(m.state, now, deadline) and await _count(
                    conn, m, counted_at(m.given_at, deadline), now, SYSTEM, booking.code
                ):
                    counted.append(m)
                    # The clerks are told with the count itself (the outbox): nothing lost in a crash.
                    item = await repo.get_item(conn, m.item_id) if m.item_id else None
                    if item is not None:
                        text = t.counted_notice(booking, item, await _standing(conn, m.unit_id, now))
                        my = [(reminder_texts.MY_BOOKINGS_LABEL, pack("m", "my", notice=True))]
                        await tell.unit_clerks(conn, m.unit_id, text, [my], booking_id=booking.id, now=now)
        if counted:
            log.info("%d mismatch(es) counted at their change deadline", len(counted))
        return counted


_STALE = "该按钮已失效，请重新打开预约。"
_NOT_ACTIVE = "该预约已不在有效状态，无需更正。"
_NOTHING_TO_CORRECT = "该项目当前没有待更正的“材料不符”结果。"
