"""Applicant data of a booking's items (SPEC §5 step 6, §6): read for the panels, save one.

A booking is held as 待完善信息 until every item names its applicant. Saving an
item is one write transaction that re-checks everything against the database:

* the booking belongs to the clerk's unit (a forged or foreign id reveals nothing),
  is still active, and its change deadline (SPEC §7) has not passed;
* the item belongs to that booking, and the applicant has exactly the fields the
  item's business needs (``bot.rules.applicant``);
* the same person (证件号码) does not hold the same business type twice among
  the unit's active bookings;
* when this save fills the last empty item of an incomplete booking, the booking
  moves to 待办理 (``complete`` in the state table) in the same transaction.

The audit line carries the identity and phone numbers masked, and the name
masked too: the audit log is read by staff, and SPEC §12 keeps identity data out
of every log. Nothing here talks to Telegram or logs personal data.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot import texts
from bot.clock import Clock
from bot.errors import BookingRefused, ChangeNotAllowed, DuplicatePerson
from bot.read_models import ApplicantPanel, ItemView
from bot.rules.applicant import Applicant, mask_id_number, mask_phone
from bot.rules.calendar import WorkCalendar
from bot.rules.states import ACTIVE_STATES, BookingState, transition
from bot.rules.window import change_deadline
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Booking, Item, actor_of

log = logging.getLogger(__name__)


def _mask_name(name: str) -> str:
    """张三 → 张*: enough for staff to tell corrections apart, not to identify a person."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def _audit_view(fields: dict[str, Any]) -> dict[str, Any]:
    """The applicant fields with every identifying value masked, for the audit log."""
    shown: dict[str, Any] = {
        "name": _mask_name(fields["name"]),
        "id_type": fields["id_type"],
        "id_number": mask_id_number(fields["id_number"]),
        "phone": mask_phone(fields["phone"]),
    }
    if fields.get("permit_number"):
        shown["permit_number"] = mask_id_number(fields["permit_number"])
    if fields.get("change_description"):
        shown["change_description"] = f"（{len(fields['change_description'])}字）"
    return shown


def _item_fields(item: Item) -> dict[str, Any] | None:
    if not item.filled or item.applicant_name is None or item.id_number is None or item.phone is None:
        return None
    return {
        "name": item.applicant_name, "id_type": item.id_type, "id_number": item.id_number,
        "phone": item.phone, "permit_number": item.permit_number,
        "change_description": item.change_description,
    }


class ApplicantService:
    """Reading and saving the applicants of a unit's bookings."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _calendar(self, conn: repo.Conn) -> WorkCalendar:
        return WorkCalendar(
            overrides=await repo.calendar_overrides(conn), confirmed_years=await repo.confirmed_years(conn)
        )

    async def _owned(self, conn: repo.Conn, booking_id: int, unit_id: int) -> Booking:
        booking = await repo.get_booking(conn, booking_id)
        if booking is None or booking.unit_id != unit_id:
            raise BookingRefused(texts.BOOKING_NOT_FOUND)
        return booking

    async def _problem(self, conn: repo.Conn, booking: Booking) -> tuple[datetime, str | None]:
        """The change deadline, and why the applicants can no longer change (or None)."""
        deadline = change_deadline(booking.date, await self._calendar(conn))
        if booking.state not in ACTIVE_STATES:
            return deadline, texts.BOOKING_NOT_ACTIVE
        if self.clock.now() >= deadline:
            return deadline, texts.CHANGE_DEADLINE_PASSED
        return deadline, None

    # ---------------------------------------------------------------- reads

    async def panel(self, booking_id: int, *, unit_id: int) -> ApplicantPanel:
        """The unit's booking with its items, or BookingRefused for a foreign or unknown id."""
        async with self.db.read() as conn:
            booking = await self._owned(conn, booking_id, unit_id)
            items = await repo.items_of(conn, booking.id)
            deadline, problem = await self._problem(conn, booking)
            mismatches = await repo.mismatches_of_booking(conn, booking.id)
        return ApplicantPanel(booking, items, deadline, problem, mismatches)

    async def open_item(self, item_id: int, *, unit_id: int) -> ItemView:
        """An item of the unit's booking that may still be edited.

        BookingRefused for an unknown item or another unit's; ChangeNotAllowed when
        the booking has ended or its change deadline has passed.
        """
        async with self.db.read() as conn:
            item = await repo.get_item(conn, item_id)
            if item is None:
                raise BookingRefused(texts.BOOKING_NOT_FOUND)
            booking = await self._owned(conn, item.booking_id, unit_id)
            _, problem = await self._problem(conn, booking)
            if problem is not None:
                raise ChangeNotAllowed(problem)
            items = await repo.items_of(conn, booking.id)
            mismatch = await repo.mismatch_of_item(conn, item.id)
        count = sum(1 for i in items if i.business is item.business)
        return ItemView(booking, item, count, mismatch)

    async def check_person(self, item_id: int, *, unit_id: int, id_number: str) -> None:
        """Raise DuplicatePerson right after the number is typed if the person already holds
        this item's business in an active booking of the unit (SPEC §6); saving checks again."""
        async with self.db.read() as conn:
            item = await repo.get_item(conn, item_id)
            if item is None:
                raise BookingRefused(texts.BOOKING_NOT_FOUND)
            await self._owned(conn, item.booking_id, unit_id)
            if await repo.person_has_active_item(conn, unit_id, id_number, item.business, except_item=item.id):
                raise DuplicatePerson(texts.DUPLICATE_PERSON)

    # ---------------------------------------------------------------- writes

    async def save_item(
        self, booking_id: int, item_id: int, *, unit_id: int, user_id: int | None, applicant: Applicant
    ) -> tuple[Booking, bool]:
        """Store one item's applicant; returns the booking and whether it just became 待办理.

        Refusals (nothing stored): BookingRefused (unknown or foreign booking or
        item), ChangeNotAllowed (ended, deadline passed), DuplicatePerson,
        InvalidInput (a field the item's business needs is missing).
        """
        now = self.clock.now()
        async with self.db.write() as conn:
            booking = await self._owned(conn, booking_id, unit_id)
            _, problem = await self._problem(conn, booking)
            if problem is not None:
                raise ChangeNotAllowed(problem)
            item = await repo.get_item(conn, item_id)
            if item is None or item.booking_id != booking.id:
                raise BookingRefused(texts.BOOKING_NOT_FOUND)
            # Re-validated for the item's business: exactly its fields, each well-formed.
            fitted = Applicant.for_business(
                item.business, today=now.date(), **applicant.model_dump(mode="json")
            )
            if await repo.person_has_active_item(
                conn, unit_id, fitted.id_number, item.business, except_item=item.id
            ):
                raise DuplicatePerson(texts.DUPLICATE_PERSON)
            fields = fitted.model_dump(mode="json")
            previous = _item_fields(item)
            await repo.fill_item(conn, item.id, fields, now)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking", entity_id=booking.id, action="applicant", now=now,
                before={"item": item.id, **_audit_view(previous)} if previous else None,
                after={"item": item.id, "business": item.business.value, "ordinal": item.ordinal,
                       **_audit_view(fields)},
            )
            completed = False
            items = await repo.items_of(conn, booking.id)
            if booking.state is BookingState.INCOMPLETE and all(i.filled for i in items):
                new_state = transition(booking.state, "complete")
                if not await repo.set_booking_state(conn, booking.id, booking.state, new_state, now):
                    raise BookingRefused(texts.BOOKING_NOT_ACTIVE)
                await repo.audit(
                    conn, actor=actor_of(user_id), entity="booking", entity_id=booking.id, action="complete",
                    now=now, before={"state": booking.state.value}, after={"state": new_state.value},
                )
                completed = True
            updated = await repo.get_booking(conn, booking.id)
        assert updated is not None
        log.info("applicant of item %s of booking %s saved (completed=%s)", item_id, booking_id, completed)
        return updated, completed

