"""ApplicantService on a real SQLite file: completion, deadline, duplicates, ownership, audit."""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.errors import BookingRefused, ChangeNotAllowed, DuplicatePerson, InvalidInput
from bot.rules.applicant import Applicant, resident_id_check_digit
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.services.applicants import ApplicantService
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Booking, Item
from bot.texts import BOOKING_NOT_ACTIVE, BOOKING_NOT_FOUND, CHANGE_DEADLINE_PASSED
from tests.support import at

WED = date(2026, 12, 2)
THU = date(2026, 12, 3)
ID_A = "11010519900307123" + resident_id_check_digit("11010519900307123")
ID_B = "31011519850612456" + resident_id_check_digit("31011519850612456")


def person(id_number: str = ID_A, *, permit: str | None = None, phone: str = "13900139000") -> Applicant:
    return Applicant(name="张三", id_type="resident", id_number=id_number, phone=phone, permit_number=permit)


async def unit(db: Database, clock: ManualClock, username: str) -> int:
    async with db.write() as conn:
        return await repo.insert_unit(conn, username, f"单位{username}", "x", clock.now())


async def book(settings: Settings, db: Database, clock: ManualClock, unit_id: int, counts: dict[B, int],
               day: date = WED) -> tuple[Booking, list[Item]]:
    svc = BookingService(db, settings, clock)
    booking = await svc.book(unit_id=unit_id, user_id=1001, day=day, session="am", counts=counts,
                             contact_name="李雷", contact_phone="13800138000")
    return booking, await svc.items(booking.id)


async def current(db: Database, booking_id: int) -> tuple[Booking, list[Item]]:
    async with db.read() as conn:
        booking = await repo.get_booking(conn, booking_id)
        items = await repo.items_of(conn, booking_id)
    assert booking is not None
    return booking, items


async def test_pending_only_when_every_item_is_filled(db, settings, clock) -> None:
    u = await unit(db, clock, "acme")
    booking, [new, renew] = await book(settings, db, clock, u, {B.NEW: 1, B.RENEW: 1})
    svc = ApplicantService(db, clock)
    after, completed = await svc.save_item(booking.id, new.id, unit_id=u, user_id=1001, applicant=person())
    assert not completed and after.state is BookingState.INCOMPLETE
    after, completed = await svc.save_item(booking.id, renew.id, unit_id=u, user_id=1001,
                                           applicant=person(ID_B, permit="BJ2020123456"))
    assert completed and after.state is BookingState.PENDING
    stored, items = await current(db, booking.id)
    assert stored.state is BookingState.PENDING
    assert [(i.id_number, i.permit_number) for i in items] == [(ID_A, None), (ID_B, "BJ2020123456")]
    # a correction of a pending booking keeps it pending and is not a second completion
    after, completed = await svc.save_item(booking.id, new.id, unit_id=u, user_id=1001,
                                           applicant=person(phone="13700137000"))
    assert not completed and after.state is BookingState.PENDING
    async with db.read() as conn:
        audit = await repo.history(conn, "booking", booking.id)
    assert [a.action for a in audit] == ["book", "applicant", "applicant", "complete", "applicant"]
    for entry in audit:
        text = (entry.before or "") + (entry.after or "")
        for raw in (ID_A, ID_B, "13900139000", "13700137000", "张三"):
            assert raw not in text
    assert "139****9000" in audit[4].before and "137****7000" in audit[4].after


async def test_panel_and_open_item_read_the_units_booking(db, settings, clock) -> None:
    u = await unit(db, clock, "acme")
    booking, [first, second] = await book(settings, db, clock, u, {B.RENEW: 2})
    svc = ApplicantService(db, clock)
    panel = await svc.panel(booking.id, unit_id=u)
    assert panel.changeable and panel.filled == 0 and panel.count_of(second) == 2
    assert panel.deadline == at("2026-12-02 00:00")
    view = await svc.open_item(second.id, unit_id=u)
    assert (view.item.ordinal, view.count) == (2, 2)


async def test_deadline_refuses_and_stores_nothing(db, settings, clock) -> None:
    u = await unit(db, clock, "acme")
    booking, [item] = await book(settings, db, clock, u, {B.NEW: 1})
    svc = ApplicantService(db, clock)
    clock.set(at("2026-12-01 23:59"))
    await svc.open_item(item.id, unit_id=u)
    clock.set(at("2026-12-02 00:00"))
    with pytest.raises(ChangeNotAllowed) as err:
        await svc.save_item(booking.id, item.id, unit_id=u, user_id=1001, applicant=person())
    assert err.value.message == CHANGE_DEADLINE_PASSED
    with pytest.raises(ChangeNotAllowed):
        await svc.open_item(item.id, unit_id=u)
    panel = await svc.panel(booking.id, unit_id=u)
    assert panel.problem == CHANGE_DEADLINE_PASSED and not panel.changeable
    _, [stored] = await current(db, booking.id)
    assert not stored.filled


async def test_ended_booking_cannot_change(db, settings, clock) -> None:
    u = await unit(db, clock, "acme")
    booking, [item] = await book(settings, db, clock, u, {B.NEW: 1})
    await BookingService(db, settings, clock).cancel(booking.id, unit_id=u, user_id=1001)
    svc = ApplicantService(db, clock)
    with pytest.raises(ChangeNotAllowed) as err:
        await svc.save_item(booking.id, item.id, unit_id=u, user_id=1001, applicant=person())
    assert err.value.message == BOOKING_NOT_ACTIVE


async def test_duplicate_person_among_active_bookings(db, settings, clock) -> None:
    u = await unit(db, clock, "acme")
    first, [a_new] = await book(settings, db, clock, u, {B.NEW: 1})
    second, [b_new, b_renew] = await book(settings, db, clock, u, {B.NEW: 1, B.RENEW: 1}, day=THU)
    svc = ApplicantService(db, clock)
    await svc.save_item(first.id, a_new.id, unit_id=u, user_id=1001, applicant=person())
    # the same item saved again is not a duplicate of itself
    await svc.save_item(first.id, a_new.id, unit_id=u, user_id=1001, applicant=person())
    with pytest.raises(DuplicatePerson):
        await svc.save_item(second.id, b_new.id, unit_id=u, user_id=1001, applicant=person())
    _, items = await current(db, second.id)
    assert not any(i.filled for i in items)
    # another business type is fine for the same person
    await svc.save_item(second.id, b_renew.id, unit_id=u, user_id=1001, applicant=person(permit="BJ2020123456"))
    # a cancelled booking no longer holds the person
    await BookingService(db, settings, clock).cancel(first.id, unit_id=u, user_id=1001)
    _, completed = await svc.save_item(second.id, b_new.id, unit_id=u, user_id=1001, applicant=person())
    assert completed


async def test_another_unit_may_name_the_same_person(db, settings, clock) -> None:
    a, b = await unit(db, clock, "acme"), await unit(db, clock, "other")
    first, [x] = await book(settings, db, clock, a, {B.NEW: 1})
    second, [y] = await book(settings, db, clock, b, {B.NEW: 1})
    svc = ApplicantService(db, clock)
    await svc.save_item(first.id, x.id, unit_id=a, user_id=1001, applicant=person())
    _, completed = await svc.save_item(second.id, y.id, unit_id=b, user_id=1002, applicant=person())
    assert completed


async def test_ownership_and_item_membership(db, settings, clock) -> None:
    a, b = await unit(db, clock, "acme"), await unit(db, clock, "other")
    mine, [my_item] = await book(settings, db, clock, a, {B.NEW: 1})
    theirs, [their_item] = await book(settings, db, clock, b, {B.NEW: 1})
    svc = ApplicantService(db, clock)
    for booking_id, item_id in ((theirs.id, their_item.id), (mine.id, their_item.id), (mine.id, 99999),
                                (99999, my_item.id)):
        with pytest.raises(BookingRefused) as err:
            await svc.save_item(booking_id, item_id, unit_id=a, user_id=1001, applicant=person())
        assert err.value.message == BOOKING_NOT_FOUND
    for call in (svc.panel(theirs.id, unit_id=a), svc.open_item(their_item.id, unit_id=a),
                 svc.open_item(99999, unit_id=a)):
        with pytest.raises(BookingRefused) as err:
            await call
        assert err.value.message == BOOKING_NOT_FOUND
    _, [stored] = await current(db, theirs.id)
    assert not stored.filled


async def test_fields_must_fit_the_business(db, settings, clock) -> None:
    u = await unit(db, clock, "acme")
    booking, [renew] = await book(settings, db, clock, u, {B.RENEW: 1})
    svc = ApplicantService(db, clock)
    with pytest.raises(InvalidInput) as err:
        await svc.save_item(booking.id, renew.id, unit_id=u, user_id=1001, applicant=person())
    assert "工作居住证编号" in err.value.message
    _, [stored] = await current(db, booking.id)
    assert not stored.filled
