"""Arrival times kept by every write that changes a session, on a real SQLite file (SPEC §4)."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date, time
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Settings
from bot.rules.basket import BusinessType as B
from bot.services.arrival import ArrivalService, reflow_session
from bot.services.booking import BookingService
from bot.services.changes import ChangeService
from bot.services.staff import StaffService
from bot.storage import repo
from bot.storage.db import MIGRATIONS_DIR, Database
from tests.support import at

WED = date(2026, 12, 2)
THU = date(2026, 12, 3)


async def make_units(db: Database, clock: ManualClock, n: int, first: int = 0) -> list[int]:
    async with db.write() as conn:
        return [await repo.insert_unit(conn, f"unit{i}", f"单位{i}", "x", clock.now()) for i in range(first, first + n)]


async def book(svc: BookingService, unit: int, counts: dict[B, int], day: date = WED, session: str = "am") -> int:
    booking = await svc.book(unit_id=unit, user_id=unit + 1000, day=day, session=session, counts=counts,
                             contact_name="李雷", contact_phone="13800138000")
    return booking.id


async def promised(db: Database, *booking_ids: int) -> list[str]:
    async with db.read() as conn:
        rows = await repo.arrivals_of(conn, booking_ids)
    return [f"{rows[i].promised:%H:%M}" if rows[i].promised else "-" for i in booking_ids]


async def stale(db: Database) -> list[int]:
    """Bookings whose receipt edit waits in the outbox (written by the change's transaction)."""
    async with db.read() as conn, conn.execute(
        "SELECT DISTINCT booking_id FROM outbox WHERE render = 'receipt_edit' AND status = 'pending'"
        " ORDER BY booking_id"
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def test_a_move_in_joins_the_end_and_the_session_it_left_moves_up(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    svc = BookingService(db, settings, clock)
    units = await make_units(db, clock, 5)
    wed = [await book(svc, u, {B.NEW: 4}) for u in units[:3]]  # 60 minutes each
    thu = [await book(svc, u, {B.NEW: 4}, THU) for u in units[3:]]
    assert await promised(db, *wed) == ["09:00", "09:15", "09:30"]
    assert await promised(db, *thu) == ["09:00", "09:15"]
    # The first Wednesday booking moves (改约) to Thursday: it joins Thursday's queue at the end.
    await svc.reschedule(wed[0], unit_id=units[0], user_id=None, day=THU, session="am")
    assert await promised(db, *thu, wed[0]) == ["09:00", "09:15", "09:30"]
    assert await promised(db, *wed[1:]) == ["09:00", "09:15"]
    # Their receipts show the later times: edited (the moved booking's own receipt too).
    assert await stale(db) == sorted(wed)


async def test_growing_counts_or_less_capacity_never_move_anyone_later(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    svc = BookingService(db, settings, clock)
    changes = ChangeService(db, settings, clock, svc)
    staff = StaffService(db, settings, clock, svc)
    units = await make_units(db, clock, 4)
    ids = [await book(svc, u, {B.RENEW: 1}) for u in units]  # 10 minutes each
    told = await promised(db, *ids)
    assert told == ["09:00", "09:00", "09:00", "09:00"]
    await changes.change_counts(ids[0], unit_id=units[0], user_id=None, counts={B.NEW: 4})
    await staff.set_capacity(1, WED, "am", 180)  # one counter
    assert await promised(db, *ids) == told
    assert not set(await stale(db)) & set(ids[1:])  # nobody else's receipt changes
    # A new booking after the cuts gets the time the queue really gives it (1 counter, 90 minutes ahead).
    late = await book(svc, (await make_units(db, clock, 1, first=10))[0], {B.NEW: 1})
    assert await promised(db, late) == ["10:30"]


async def test_a_new_booking_gets_the_time_a_full_reflow_gives_it_and_nobody_else_moves(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    """Booking computes only the newcomer's time (the rush books hundreds into one session),
    from the minutes the session has taken: after cancellations, a move in and out, a basket
    grown in place and a capacity change it is still what recomputing the session gives."""
    svc = BookingService(db, settings, clock)
    staff = StaffService(db, settings, clock, svc)
    changes = ChangeService(db, settings, clock, svc)
    units = await make_units(db, clock, 11)
    sizes = [{B.NEW: 4}, {B.RENEW: 1}, {B.NEW: 2, B.RENEW: 1}, {B.NEW: 3}]
    ids = [await book(svc, u, sizes[i % len(sizes)]) for i, u in enumerate(units[:6])]
    await svc.cancel(ids[1], unit_id=units[1], user_id=None)
    moved_in = await book(svc, units[9], {B.NEW: 1}, THU)
    await svc.reschedule(moved_in, unit_id=units[9], user_id=None, day=WED, session="am")
    moved_out = await book(svc, units[10], {B.NEW: 2})
    await svc.reschedule(moved_out, unit_id=units[10], user_id=None, day=THU, session="am")
    await changes.change_counts(ids[2], unit_id=units[2], user_id=None, counts={B.NEW: 3, B.RENEW: 1})
    await staff.set_capacity(1, WED, "am", 360)  # two counters
    ids.append(moved_in)
    before = await promised(db, *ids)
    ids += [await book(svc, u, sizes[i % len(sizes)]) for i, u in enumerate(units[6:9])]
    assert await promised(db, *ids[:len(before)]) == before  # joining at the end moves nobody ahead
    told = await promised(db, *ids)
    async with db.write() as conn:
        moved = await reflow_session(conn, settings, WED, "am", clock.now())
    assert moved == []
    assert await promised(db, *ids) == told


async def test_on_the_appointment_day_nobody_moves_earlier(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    svc = BookingService(db, settings, clock)
    units = await make_units(db, clock, 3)
    ids = [await book(svc, u, {B.NEW: 4}) for u in units]
    clock.set(at("2026-12-02 08:00"))  # the appointment-day reminder has told the times
    await svc.revoke(ids[0], staff_id=1, reason="重复预约")
    assert await promised(db, *ids[1:]) == ["09:15", "09:30"]
    assert not set(await stale(db)) & set(ids[1:])  # only the revoked one's receipt changes


async def test_a_release_at_midnight_still_moves_the_later_ones_before_the_reminder(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    svc = BookingService(db, settings, clock)
    units = await make_units(db, clock, 3)
    ids = [await book(svc, u, {B.NEW: 4}) for u in units]
    clock.set(at("2026-12-02 00:00"))  # 24:00 of the deadline day: the incomplete first one is released
    await svc.release(ids[0])
    assert await promised(db, *ids[1:]) == ["09:00", "09:15"]
    assert set(ids[1:]) <= set(await stale(db))


async def test_tokens_are_random_and_distinct(db: Database, settings: Settings, clock: ManualClock) -> None:
    svc = BookingService(db, settings, clock)
    units = await make_units(db, clock, 30)
    ids = await asyncio.gather(*(book(svc, u, {B.NEW: 1}, WED if u % 2 else THU) for u in units))
    async with db.read() as conn:
        rows = await repo.arrivals_of(conn, ids)
    tokens = [r.token for r in rows.values()]
    assert len(set(tokens)) == 30
    assert all(len(t) == 32 and int(t, 16) >= 0 for t in tokens)
    seqs = sorted(r.queue_seq for r in rows.values())
    assert len(set(seqs)) == 30


async def test_bookings_made_before_the_migration_get_a_row_and_a_promise_at_start(
    tmp_path: Path, settings: Settings, clock: ManualClock
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "0007":
            shutil.copy(path, folder)
    path = tmp_path / "old.sqlite3"
    async with Database(path, migrations_dir=folder) as old:
        await old.migrate()
        svc = BookingService(old, settings, clock)
        units = await make_units(old, clock, 2)
        async with old.write() as conn:
            ids = [await repo.insert_booking(
                conn, code=f"CY20261202-00{n}", code_date=WED, code_seq=n, unit_id=u, day=WED, session="am",
                minutes=60, contact_name="李雷", contact_phone="13800138000", created_by=None, now=clock.now(),
            ) for n, u in enumerate(units, 1)]
            await repo.take_minutes(conn, WED, "am", 120, svc.default_capacity("am"))
    async with Database(path) as db:
        assert 7 in await db.migrate()
        assert await promised(db, *ids) == ["-", "-"]
        await ArrivalService(db, settings, clock).reflow_upcoming()
        assert await promised(db, *ids) == ["09:00", "09:15"]
        async with db.read() as conn:
            rows = await repo.arrivals_of(conn, ids)
        assert rows[ids[0]].token != rows[ids[1]].token
        assert rows[ids[0]].promised == time(9, 0)


async def test_two_staff_scanning_at_once_check_in_exactly_once(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    from bot.errors import AlreadyCheckedIn

    svc = BookingService(db, settings, clock)
    (unit,) = await make_units(db, clock, 1)
    booking_id = await book(svc, unit, {B.NEW: 1})
    async with db.read() as conn:
        row = await repo.arrival_of(conn, booking_id)
    assert row is not None
    clock.set(at("2026-12-02 09:40"))
    arrivals = ArrivalService(db, settings, clock)
    results = await asyncio.gather(*(arrivals.check_in_token(staff, row.token) for staff in (1, 2, 3)),
                                   return_exceptions=True)
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 1
    assert sum(1 for r in results if isinstance(r, AlreadyCheckedIn)) == 2
    async with db.read() as conn:
        actions = [e.action for e in await repo.history(conn, "booking", booking_id)]
    assert actions.count("check_in") == 1
