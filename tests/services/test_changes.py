"""我的预约 changes on a real SQLite file: counts within 60 minutes and capacity, contact, races."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.errors import BasketError, BookingRefused, ChangeNotAllowed, InvalidInput, SessionClosed, SessionFull
from bot.read_models import Freed, MoveStatus
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.services.booking import BookingService
from bot.services.changes import ChangeService, counts_of, items_to_remove
from bot.storage import repo
from bot.storage.db import Database
from tests.support import at

WED = date(2026, 12, 2)
THU = date(2026, 12, 3)
MON = date(2026, 12, 7)
APPLICANT = {"name": "张三", "id_type": "passport", "id_number": "E12345678", "phone": "13900139000"}


async def make_units(db: Database, clock: ManualClock, n: int) -> list[int]:
    async with db.write() as conn:
        return [await repo.insert_unit(conn, f"unit{i}", f"单位{i}", "x", clock.now()) for i in range(n)]


async def book(svc: BookingService, unit: int, counts: dict[B, int], day: date = WED, session: str = "am"):
    return await svc.book(unit_id=unit, user_id=unit + 1000, day=day, session=session, counts=counts,
                          contact_name="李雷", contact_phone="13800138000")


async def fill(db: Database, clock: ManualClock, booking_id: int, *, skip_last: int = 0) -> None:
    """Fill the booking's items (all but the last ``skip_last``); pending when all are filled."""
    async with db.write() as conn:
        items = await repo.items_of(conn, booking_id)
        for item in items[: len(items) - skip_last]:
            await repo.fill_item(conn, item.id, APPLICANT, clock.now())
        if not skip_last:
            await repo.set_booking_state(conn, booking_id, BookingState.INCOMPLETE, BookingState.PENDING, clock.now())


async def used(db: Database, day: date = WED, session: str = "am") -> int:
    """slots.used, asserted equal to the minutes of the bookings that hold it."""
    async with db.read() as conn:
        slot = (await repo.slot_usage(conn, [day])).get((day, session))
        value = slot.used if slot else 0
        assert value == await repo.used_minutes_by_bookings(conn, day, session)
    return value


async def state_of(db: Database, booking_id: int):
    async with db.read() as conn:
        booking = await repo.get_booking(conn, booking_id)
        items = await repo.items_of(conn, booking_id)
    assert booking is not None
    return booking, [(i.business, i.ordinal, i.filled) for i in items]


@pytest.fixture
def bookings(db: Database, settings: Settings, clock: ManualClock) -> BookingService:
    return BookingService(db, settings, clock)


@pytest.fixture
def changes(db: Database, settings: Settings, clock: ManualClock) -> ChangeService:
    return ChangeService(db, settings, clock)


async def test_counts_up_adds_empty_items_takes_minutes_and_reopens(db, clock, bookings, changes) -> None:
    [unit] = await make_units(db, clock, 1)
    b = await book(bookings, unit, {B.NEW: 1})
    await fill(db, clock, b.id)
    result = await changes.change_counts(b.id, unit_id=unit, user_id=7, counts={B.NEW: 1, B.RENEW: 2})
    assert result.freed is None and result.removed == []
    assert result.before == {B.NEW: 1} and result.after == {B.NEW: 1, B.RENEW: 2}
    booking, items = await state_of(db, b.id)
    assert booking.minutes == 35 and booking.state is BookingState.INCOMPLETE
    assert items == [(B.NEW, 1, True), (B.RENEW, 1, False), (B.RENEW, 2, False)]
    assert await used(db) == 35
    async with db.read() as conn:
        hist = await repo.history(conn, "booking", b.id)
    assert [h.action for h in hist] == ["book", "change_counts"]
    after = json.loads(hist[-1].after or "{}")
    assert after == {"items": {"new": 1, "renew": 2}, "minutes": 35, "state": "incomplete", "removed_filled": 0}
    assert hist[-1].actor == "tg:7"


async def test_counts_down_removes_highest_ordinals_returns_minutes_and_completes(db, clock, bookings,
                                                                                  changes) -> None:
    [unit] = await make_units(db, clock, 1)
    b = await book(bookings, unit, {B.NEW: 1, B.RENEW: 2, B.PERSON_CHANGE: 1})
    await fill(db, clock, b.id, skip_last=2)  # RENEW 2 and PERSON_CHANGE 1 still empty
    async with db.read() as conn:
        items = await repo.items_of(conn, b.id)
    assert [(i.business, i.ordinal) for i in items_to_remove(items, {B.NEW: 1, B.RENEW: 1})] == [
        (B.RENEW, 2), (B.PERSON_CHANGE, 1)]
    result = await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={B.NEW: 1, B.RENEW: 1})
    assert result.freed == Freed(WED, "am", 15)
    booking, items = await state_of(db, b.id)
    assert booking.minutes == 25 and booking.state is BookingState.PENDING
    assert items == [(B.NEW, 1, True), (B.RENEW, 1, True)]
    assert await used(db) == 25


async def test_counts_down_may_drop_filled_items_and_a_type_entirely(db, clock, bookings, changes) -> None:
    [unit] = await make_units(db, clock, 1)
    b = await book(bookings, unit, {B.NEW: 2, B.RENEW: 1})
    await fill(db, clock, b.id)
    result = await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={B.RENEW: 1})
    assert [(i.business, i.ordinal, i.filled) for i in result.removed] == [(B.NEW, 1, True), (B.NEW, 2, True)]
    booking, items = await state_of(db, b.id)
    assert booking.state is BookingState.PENDING and booking.minutes == 10
    assert items == [(B.RENEW, 1, True)]
    assert counts_of(await bookings.items(b.id)) == {B.RENEW: 1}


async def test_counts_refused_over_60_empty_or_unchanged(db, clock, bookings, changes) -> None:
    [unit] = await make_units(db, clock, 1)
    b = await book(bookings, unit, {B.NEW: 2})
    with pytest.raises(BasketError, match="不超过60分钟"):
        await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={B.NEW: 5})
    with pytest.raises(BasketError, match="至少选择一项"):
        await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={})
    with pytest.raises(BookingRefused, match="没有变化"):
        await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={B.NEW: 2})
    booking, items = await state_of(db, b.id)
    assert booking.minutes == 30 and len(items) == 2
    assert await used(db) == 30


async def test_counts_up_beyond_capacity_changes_nothing(db, clock, bookings, changes) -> None:
    [unit] = await make_units(db, clock, 1)
    async with db.write() as conn:
        await repo.set_slot_capacity(conn, WED, "am", 20)
    b = await book(bookings, unit, {B.NEW: 1})
    with pytest.raises(SessionFull, match="剩余号源不足"):
        await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={B.NEW: 1, B.RENEW: 1})
    # 5 more minutes still fit exactly
    await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={B.NEW: 1, B.PERSON_CHANGE: 1})
    assert await used(db) == 20
    async with db.write() as conn:
        await repo.set_slot_closed(conn, WED, "am", True)
    with pytest.raises(SessionClosed):
        await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={B.NEW: 1, B.PERSON_CHANGE: 2})


async def test_concurrent_increases_with_room_for_one(db, settings, clock, bookings) -> None:
    """Two clerks of two units add minutes at the same instant: exactly one gets the last 10."""
    a, b = await make_units(db, clock, 2)
    async with db.write() as conn:
        await repo.set_slot_capacity(conn, WED, "am", 40)
    first, second = await book(bookings, a, {B.NEW: 1}), await book(bookings, b, {B.NEW: 1})
    other = Database(settings.bot_db_path)  # a second connection, as a second bot process would have
    await other.open()
    try:
        svcs = [ChangeService(db, settings, clock), ChangeService(other, settings, clock)]
        results = await asyncio.gather(
            svcs[0].change_counts(first.id, unit_id=a, user_id=None, counts={B.NEW: 1, B.RENEW: 1}),
            svcs[1].change_counts(second.id, unit_id=b, user_id=None, counts={B.NEW: 1, B.RENEW: 1}),
            return_exceptions=True,
        )
    finally:
        await other.close()
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(lost) == 1 and isinstance(lost[0], SessionFull), results
    assert await used(db) == 40
    minutes = sorted([(await state_of(db, first.id))[0].minutes, (await state_of(db, second.id))[0].minutes])
    assert minutes == [15, 25]


async def test_many_concurrent_changes_in_one_process_never_oversell(db, settings, clock, bookings,
                                                                     changes) -> None:
    units = await make_units(db, clock, 6)
    async with db.write() as conn:
        await repo.set_slot_capacity(conn, WED, "am", 120)
    held = [await book(bookings, u, {B.PERSON_CHANGE: 1}) for u in units]  # 30 minutes
    results = await asyncio.gather(
        *(changes.change_counts(h.id, unit_id=u, user_id=None, counts={B.PERSON_CHANGE: 1, B.NEW: 2})
          for h, u in zip(held, units)),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    assert len(won) == 3  # 30 + 3 × 30 = 120
    assert all(isinstance(r, SessionFull) for r in results if isinstance(r, BaseException))
    assert await used(db) == 120


async def test_reviewed_item_cannot_be_removed(db, clock, bookings, changes) -> None:
    [unit] = await make_units(db, clock, 1)
    b = await book(bookings, unit, {B.NEW: 2})
    async with db.write() as conn:
        items = await repo.items_of(conn, b.id)
        await repo.set_item_review(conn, items[1].id, "mismatch", None, 1, clock.now())
    with pytest.raises(BookingRefused, match="已经中心审核"):
        await changes.change_counts(b.id, unit_id=unit, user_id=None, counts={B.NEW: 1})
    assert (await state_of(db, b.id))[0].minutes == 30


async def test_changes_refused_for_foreign_ended_or_late_bookings(db, clock, bookings, changes) -> None:
    mine, theirs = await make_units(db, clock, 2)
    b = await book(bookings, mine, {B.NEW: 1}, day=MON)
    with pytest.raises(BookingRefused, match="不属于本单位"):
        await changes.change_counts(b.id, unit_id=theirs, user_id=None, counts={B.NEW: 2})
    with pytest.raises(BookingRefused, match="不属于本单位"):
        await changes.change_contact(b.id, unit_id=theirs, user_id=None, name="王芳", phone="13912345678")
    clock.set(at("2026-12-04 23:59"))
    await changes.change_contact(b.id, unit_id=mine, user_id=None, name="王芳", phone="13912345678")
    clock.set(at("2026-12-05 00:00"))  # Friday 24:00 for a Monday appointment
    with pytest.raises(ChangeNotAllowed, match="已超过修改/取消截止时间"):
        await changes.change_counts(b.id, unit_id=mine, user_id=None, counts={B.NEW: 2})
    with pytest.raises(ChangeNotAllowed, match="已超过修改/取消截止时间"):
        await changes.changeable(b.id, mine)
    clock.set(at("2026-12-01 10:00"))
    c = await book(bookings, mine, {B.NEW: 1})
    await bookings.cancel(c.id, unit_id=mine, user_id=None)
    with pytest.raises(ChangeNotAllowed, match="已结束"):
        await changes.change_counts(c.id, unit_id=mine, user_id=None, counts={B.NEW: 2})


async def test_change_contact_validates_and_masks_the_audit(db, clock, bookings, changes) -> None:
    [unit] = await make_units(db, clock, 1)
    b = await book(bookings, unit, {B.NEW: 1})
    with pytest.raises(InvalidInput, match="11位"):
        await changes.change_contact(b.id, unit_id=unit, user_id=5, name="王芳", phone="1391234")
    with pytest.raises(InvalidInput):
        await changes.change_contact(b.id, unit_id=unit, user_id=5, name="王1", phone="13912345678")
    updated = await changes.change_contact(b.id, unit_id=unit, user_id=5, name=" 王芳 ", phone="139 1234 5678")
    assert (updated.contact_name, updated.contact_phone) == ("王芳", "13912345678")
    async with db.read() as conn:
        hist = await repo.history(conn, "booking", b.id)
    assert hist[-1].action == "change_contact"
    assert "13912345678" not in (hist[-1].after or "") and "139****5678" in (hist[-1].after or "")
    assert "13800138000" not in (hist[-1].before or "")


async def test_move_options_mark_current_full_and_held_dates(db, clock, bookings, changes) -> None:
    mine, other = await make_units(db, clock, 2)
    async with db.write() as conn:
        await repo.set_slot_capacity(conn, THU, "pm", 10)
    b = await book(bookings, mine, {B.NEW: 1})
    later = await book(bookings, mine, {B.RENEW: 1}, day=MON)
    details, options = await changes.move_options(b.id, mine)
    status = {(o.cell.day, o.cell.session.key): o.status for o in options}
    assert details.booking.id == b.id
    assert status[(WED, "am")] is MoveStatus.CURRENT
    assert status[(WED, "pm")] is MoveStatus.FREE
    assert status[(THU, "pm")] is MoveStatus.FULL
    assert status[(MON, "am")] is MoveStatus.HELD
    clock.set(at("2026-12-02 08:00"))
    with pytest.raises(BookingRefused, match="9:00开放"):
        await changes.move_options(later.id, mine)  # before 09:00: the window is closed
