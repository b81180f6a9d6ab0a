"""Booking use cases on a real SQLite file: capacity, one-per-date, moves, the audit log."""

from __future__ import annotations

import asyncio
import random
from datetime import date

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.errors import (
    AlreadyBookedThatDay,
    BookingRefused,
    ChangeNotAllowed,
    DomainError,
    SessionClosed,
    SessionFull,
    UnratedEvaluation,
)
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.db import Database
from tests.support import at

WED = date(2026, 12, 2)
THU = date(2026, 12, 3)


async def make_units(db: Database, clock: ManualClock, n: int) -> list[int]:
    ids = []
    async with db.write() as conn:
        for i in range(n):
            ids.append(await repo.insert_unit(conn, f"unit{i:03d}", f"单位{i}", "x", clock.now()))
    return ids


async def set_capacity(db: Database, day: date, session: str, minutes: int) -> None:
    async with db.write() as conn:
        await repo.set_slot_capacity(conn, day, session, minutes)


def service(db: Database, settings: Settings, clock: ManualClock) -> BookingService:
    return BookingService(db, settings, clock)


async def book(svc: BookingService, unit: int, counts: dict[B, int], day: date = WED, session: str = "am"):
    return await svc.book(unit_id=unit, user_id=unit + 1000, day=day, session=session, counts=counts,
                          contact_name="李雷", contact_phone="13800138000")


async def assert_consistent(db: Database, day: date, session: str) -> int:
    """slots.used must equal the minutes of the bookings holding capacity there."""
    async with db.read() as conn:
        slot = (await repo.slot_usage(conn, [day])).get((day, session))
        used = slot.used if slot else 0
        assert used == await repo.used_minutes_by_bookings(conn, day, session)
    return used


async def test_book_creates_code_items_and_audit(db, settings, clock) -> None:
    [unit] = await make_units(db, clock, 1)
    svc = service(db, settings, clock)
    booking = await book(svc, unit, {B.NEW: 1, B.RENEW: 2})
    assert booking.code == "CY20261202-001"
    assert booking.state is BookingState.INCOMPLETE
    assert booking.minutes == 35
    items = await svc.items(booking.id)
    assert [(i.business, i.ordinal) for i in items] == [(B.NEW, 1), (B.RENEW, 1), (B.RENEW, 2)]
    async with db.read() as conn:
        hist = await repo.history(conn, "booking", booking.id)
    assert [h.action for h in hist] == ["book"]
    assert await assert_consistent(db, WED, "am") == 35


async def test_a_dialogue_that_has_booked_books_nothing_more(db, settings, clock) -> None:
    """A 「确定」 whose answer was lost, pressed again from a draft the clerk still holds."""
    [unit] = await make_units(db, clock, 1)
    svc = service(db, settings, clock)

    async def confirm():
        return await svc.book(unit_id=unit, user_id=unit + 1000, day=WED, session="am", counts={B.NEW: 1},
                              contact_name="李雷", contact_phone="13800138000", dialogue="d1")

    first, again = await confirm(), await confirm()
    assert again == first
    assert await assert_consistent(db, WED, "am") == first.minutes
    async with db.read() as conn:
        receipts = await conn.execute_fetchall("SELECT COUNT(*) FROM outbox WHERE booking_id = ?", (first.id,))
    assert list(receipts)[0][0] == 1


async def test_codes_number_per_date(db, settings, clock) -> None:
    a, b, c = await make_units(db, clock, 3)
    svc = service(db, settings, clock)
    assert (await book(svc, a, {B.NEW: 1})).code == "CY20261202-001"
    assert (await book(svc, b, {B.NEW: 1}, session="pm")).code == "CY20261202-002"
    assert (await book(svc, c, {B.NEW: 1}, day=THU)).code == "CY20261203-001"


async def test_fifty_concurrent_takers_sell_exactly_the_capacity(db, settings, clock) -> None:
    """Five connections (as five processes would) × ten takers race for 60 minutes."""
    units = await make_units(db, clock, 50)
    await set_capacity(db, WED, "am", 60)
    others = [Database(settings.bot_db_path) for _ in range(4)]
    for other in others:
        await other.open()
    try:
        services = [service(d, settings, clock) for d in [db, *others]]
        results = await asyncio.gather(
            *(book(services[i % 5], u, {B.NEW: 1}) for i, u in enumerate(units)), return_exceptions=True
        )
    finally:
        for other in others:
            await other.close()
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 4
    assert all(isinstance(e, SessionFull) for e in lost), {type(e) for e in lost}
    assert await assert_consistent(db, WED, "am") == 60
    assert len({b.code for b in won}) == 4


async def test_mixed_baskets_never_oversell(db, settings, clock) -> None:
    rng = random.Random(7)
    units = await make_units(db, clock, 50)
    await set_capacity(db, WED, "pm", 200)
    svc = service(db, settings, clock)
    baskets = [{B.NEW: rng.randint(0, 2), B.RENEW: rng.randint(0, 2), B.PERSON_CHANGE: 1} for _ in units]
    results = await asyncio.gather(*(book(svc, u, k, session="pm") for u, k in zip(units, baskets)),
                                   return_exceptions=True)
    sold = sum(r.minutes for r in results if not isinstance(r, BaseException))
    assert sold <= 200
    assert await assert_consistent(db, WED, "pm") == sold
    # every refusal was a real one: at the end, none of the refused baskets would fit
    refused = [15 * k[B.NEW] + 10 * k[B.RENEW] + 5 for k, r in zip(baskets, results) if isinstance(r, SessionFull)]
    assert refused and all(size > 200 - sold for size in refused)


async def test_one_active_booking_per_unit_per_date(db, settings, clock) -> None:
    [unit] = await make_units(db, clock, 1)
    svc = service(db, settings, clock)
    first = await book(svc, unit, {B.NEW: 1})
    with pytest.raises(AlreadyBookedThatDay) as err:
        await book(svc, unit, {B.RENEW: 1}, session="pm")
    assert first.code in err.value.message
    assert await assert_consistent(db, WED, "pm") == 0
    await svc.cancel(first.id, unit_id=unit, user_id=None)
    again = await book(svc, unit, {B.RENEW: 1}, session="pm")
    assert again.state is BookingState.INCOMPLETE


async def test_concurrent_same_unit_same_date_only_one(db, settings, clock) -> None:
    [unit] = await make_units(db, clock, 1)
    svc = service(db, settings, clock)
    results = await asyncio.gather(*(book(svc, unit, {B.NEW: 1}, session=s) for s in ["am", "pm"] * 5),
                                   return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    used = await assert_consistent(db, WED, "am") + await assert_consistent(db, WED, "pm")
    assert used == 15


@pytest.mark.parametrize(
    ("now", "day", "message"),
    [
        ("2026-12-01 08:59", WED, "9:00"),
        ("2026-12-01 10:00", date(2026, 12, 1), "可预约范围"),  # same day
        ("2026-12-01 10:00", date(2026, 12, 9), "可预约范围"),  # sixth working day
        ("2026-12-01 10:00", date(2026, 12, 5), "可预约范围"),  # Saturday
        ("2026-10-01 10:00", date(2026, 10, 8), "9:00"),        # National Day: closed all day
    ],
)
async def test_refusals_by_window(db, settings, clock, now, day, message) -> None:
    [unit] = await make_units(db, clock, 1)
    clock.set(at(now))
    with pytest.raises(BookingRefused) as err:
        await book(service(db, settings, clock), unit, {B.NEW: 1}, day=day)
    assert message in err.value.message


async def test_centre_closure_and_closed_session(db, settings, clock) -> None:
    a, b = await make_units(db, clock, 2)
    svc = service(db, settings, clock)
    async with db.write() as conn:
        await repo.close_date(conn, THU, "内部活动", None, clock.now())
        await repo.set_slot_closed(conn, WED, "pm", True)
    with pytest.raises(BookingRefused):
        await book(svc, a, {B.NEW: 1}, day=THU)
    with pytest.raises(SessionClosed):
        await book(svc, b, {B.NEW: 1}, session="pm")
    cells = await svc.availability()
    assert THU not in {c.day for c in cells}
    assert [c.left for c in cells if c.day == WED] == [540, 0]


async def test_frozen_unit_is_refused_until_next_month(db, settings, clock) -> None:
    [unit] = await make_units(db, clock, 1)
    async with db.write() as conn:
        for _ in range(4):
            await repo.add_mismatch(conn, unit, None, "2026-12", None, clock.now())
    svc = service(db, settings, clock)
    with pytest.raises(BookingRefused) as err:
        await book(svc, unit, {B.NEW: 1})
    assert "2027年1月1日" not in err.value.message  # midnight is shown as 24:00 of the day before
    assert "次月1日起可再次预约" in err.value.message
    clock.set(at("2027-01-04 10:00"))
    booking = await book(svc, unit, {B.NEW: 1}, day=date(2027, 1, 5))
    assert booking.state is BookingState.INCOMPLETE


async def test_unrated_served_booking_blocks_next(db, settings, clock) -> None:
    [unit] = await make_units(db, clock, 1)
    svc = service(db, settings, clock)
    first = await book(svc, unit, {B.NEW: 1})
    async with db.write() as conn:
        await repo.set_booking_state(conn, first.id, BookingState.INCOMPLETE, BookingState.PENDING, clock.now())
        await repo.set_booking_state(conn, first.id, BookingState.PENDING, BookingState.SERVED, clock.now())
    with pytest.raises(UnratedEvaluation) as err:
        await book(svc, unit, {B.NEW: 1}, day=THU)
    assert err.value.booking_id == first.id
    async with db.write() as conn:
        await repo.add_evaluation(conn, first.id, 5, "", None, clock.now())
    assert (await book(svc, unit, {B.NEW: 1}, day=THU)).date == THU


async def test_reschedule_takes_new_before_releasing_old(db, settings, clock) -> None:
    a, b = await make_units(db, clock, 2)
    svc = service(db, settings, clock)
    await set_capacity(db, THU, "am", 15)
    booking = await book(svc, a, {B.NEW: 1})
    moved, freed = await svc.reschedule(booking.id, unit_id=a, user_id=None, day=THU, session="am")
    assert (moved.date, moved.session, moved.code) == (THU, "am", booking.code)
    assert (freed.day, freed.session, freed.minutes) == (WED, "am", 15)
    assert await assert_consistent(db, WED, "am") == 0
    assert await assert_consistent(db, THU, "am") == 15
    # THU am is now full: moving b's booking there fails and leaves it untouched
    other = await book(svc, b, {B.RENEW: 1})
    with pytest.raises(SessionFull):
        await svc.reschedule(other.id, unit_id=b, user_id=None, day=THU, session="am")
    async with db.read() as conn:
        still = await repo.get_booking(conn, other.id)
    assert (still.date, still.session) == (WED, "am")
    assert await assert_consistent(db, WED, "am") == 10


async def test_foreign_booking_is_refused(db, settings, clock) -> None:
    a, b = await make_units(db, clock, 2)
    svc = service(db, settings, clock)
    booking = await book(svc, a, {B.NEW: 1})
    with pytest.raises(BookingRefused) as err:
        await svc.cancel(booking.id, unit_id=b, user_id=None)
    assert "不属于本单位" in err.value.message
    with pytest.raises(BookingRefused):
        await svc.cancel(999999, unit_id=b, user_id=None)


async def test_cancel_after_deadline_is_refused(db, settings, clock) -> None:
    [unit] = await make_units(db, clock, 1)
    svc = service(db, settings, clock)
    booking = await book(svc, unit, {B.NEW: 1}, day=date(2026, 12, 7))  # Monday
    clock.set(at("2026-12-04 23:59"))  # Friday before 24:00: still allowed to change
    clock.set(at("2026-12-05 00:00"))  # Friday 24:00 passed
    with pytest.raises(ChangeNotAllowed):
        await svc.cancel(booking.id, unit_id=unit, user_id=None)


async def test_cancel_release_return_minutes_and_are_final(db, settings, clock) -> None:
    a, b = await make_units(db, clock, 2)
    svc = service(db, settings, clock)
    one = await book(svc, a, {B.NEW: 2})
    two = await book(svc, b, {B.RENEW: 1})
    cancelled, _ = await svc.cancel(one.id, unit_id=a, user_id=5)
    released, freed = await svc.release(two.id)
    assert cancelled.state is BookingState.CANCELLED
    assert released.state is BookingState.RELEASED and freed.minutes == 10
    assert await assert_consistent(db, WED, "am") == 0
    with pytest.raises(BookingRefused):
        await svc.cancel(one.id, unit_id=a, user_id=5)
    with pytest.raises(DomainError):
        await svc.release(one.id)
    assert await assert_consistent(db, WED, "am") == 0
