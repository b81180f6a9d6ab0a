"""StaffService on a real migrated SQLite file: each use case's rows and audit lines."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.deps import Deps
from bot.errors import BadInput, DomainError, IllegalTransition, StaffRefused
from bot.rules.basket import BusinessType
from bot.rules.freeze import MismatchState
from bot.rules.states import BookingState
from bot.services.staff import StaffService, check_reason, unconfirmed_years_ahead
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Booking
from tests.support import at

STAFF = 900001
NEW = BusinessType.NEW


@pytest.fixture
def deps(settings: Settings, clock: ManualClock, db: Database) -> Deps:
    return Deps.build(settings, clock, db)


@pytest.fixture
def svc(deps: Deps) -> StaffService:
    return StaffService(deps.db, deps.settings, deps.clock, deps.bookings)


async def unit(deps: Deps, username: str = "acme") -> int:
    created, _ = await deps.accounts.create_unit(username, f"{username} 有限公司", password="Start-Pass-1", actor="cli")
    return created.id


async def book(deps: Deps, unit_id: int, day: date, count: int = 1, session: str = "am",
               fill: bool = True) -> Booking:
    booking = await deps.bookings.book(unit_id=unit_id, user_id=1001, day=day, session=session,
                                       counts={NEW: count}, contact_name="李四", contact_phone="13800138000")
    if fill:
        async with deps.db.write() as conn:
            for n, item in enumerate(await repo.items_of(conn, booking.id)):
                await repo.fill_item(conn, item.id, {"name": f"申请人{n}", "id_type": "居民身份证",
                                                     "id_number": f"11010519900101{n:04d}", "phone": "13912345678"},
                                     deps.clock.now())
            await repo.set_booking_state(conn, booking.id, BookingState.INCOMPLETE, BookingState.PENDING,
                                         deps.clock.now())
    return booking


async def item_ids(deps: Deps, booking_id: int) -> list[int]:
    return [i.id for i in await deps.bookings.items(booking_id)]


# ---------------------------------------------------------------- typed input


def test_check_reason() -> None:
    assert check_reason("  材料  不清晰 ") == "材料 不清晰"
    with pytest.raises(BadInput):
        check_reason("   ")
    with pytest.raises(BadInput, match="最多200个字"):
        check_reason("字" * 201)
    assert check_reason("字" * 200) == "字" * 200


# ---------------------------------------------------------------- review and freeze


async def test_mismatches_count_at_the_deadline_once_per_item_and_freeze_on_the_fourth(
    deps: Deps, svc: StaffService
) -> None:
    """SPEC §8: a 材料不符 counts only if still standing at the change deadline."""
    unit_id = await unit(deps)
    first = await book(deps, unit_id, date(2026, 12, 2), count=3)  # deadline 12-01 24:00
    second = await book(deps, unit_id, date(2026, 12, 3), count=2)  # deadline 12-02 24:00
    ids = await item_ids(deps, first.id) + await item_ids(deps, second.id)
    for missing in (None, "", "   "):  # a 材料不符 without a reason cannot be saved
        with pytest.raises(BadInput):
            await svc.review(STAFF, ids[0], "mismatch", missing)
    async with deps.db.read() as conn:
        assert (await repo.get_item(conn, ids[0])).review is None  # type: ignore[union-attr]
    result = await svc.review(STAFF, ids[0], "mismatch", "材料不符")
    assert result.mismatch.after is MismatchState.PENDING and result.freeze.count == 0 and not result.newly_frozen
    assert result.freeze.display == "本月已计0次；再有4次将冻结本月预约权限"
    # 通过 and back: still one pending mismatch for the item
    await svc.review(STAFF, ids[0], "pass")
    result = await svc.review(STAFF, ids[0], "mismatch", "材料不符")
    assert result.mismatch.before is MismatchState.WITHDRAWN and result.mismatch.after is MismatchState.PENDING
    for item_id in ids[1:3]:
        await svc.review(STAFF, item_id, "mismatch", "材料不符")
    assert await deps.mismatches.count_due() == []  # before the deadline nothing counts
    deps.clock.set(at("2026-12-02 00:00"))  # type: ignore[attr-defined]
    assert len(await deps.mismatches.count_due()) == 3
    assert await deps.mismatches.count_due() == []  # counted once
    standing = await deps.mismatches.standing(unit_id)
    assert standing.count == 3 and not standing.frozen
    assert standing.display == "本月已计3次；再有1次将冻结本月预约权限"
    await deps.bookings.check_unit_may_book(unit_id)
    deps.clock.set(at("2026-12-02 10:00"))  # type: ignore[attr-defined]
    for item_id in ids[3:]:
        await svc.review(STAFF, item_id, "mismatch", "材料不符")
    deps.clock.set(at("2026-12-03 00:05"))  # type: ignore[attr-defined]
    assert len(await deps.mismatches.count_due()) == 2
    standing = await deps.mismatches.standing(unit_id)
    assert standing.count == 5 and standing.frozen and standing.until == at("2027-01-01 00:00")
    assert standing.display == "本月已计5次，本月预约权限已冻结，次月1日起可再次预约"
    async with deps.db.read() as conn:
        assert len(await repo.mismatch_times(conn, unit_id, "2026-12")) == 5
        counted = [m.counted_at for m in (await repo.mismatches_of_booking(conn, second.id)).values()]
        unit_lines = await repo.history(conn, "unit", unit_id)
    assert counted == [at("2026-12-03 00:00")] * 2  # they count at the deadline, not when swept
    assert [e.action for e in unit_lines if e.action != "create"].count("freeze") == 1
    with pytest.raises(DomainError, match="次月1日起可再次预约"):
        await deps.bookings.check_unit_may_book(unit_id)
    deps.clock.set(at("2027-01-04 10:00"))  # type: ignore[attr-defined]
    await deps.bookings.check_unit_may_book(unit_id)


async def test_fail_needs_a_reason_and_review_of_an_ended_booking_is_refused(deps: Deps, svc: StaffService) -> None:
    unit_id = await unit(deps)
    booking = await book(deps, unit_id, date(2026, 12, 2))
    [item_id] = await item_ids(deps, booking.id)
    with pytest.raises(BadInput):
        await svc.review(STAFF, item_id, "fail", "  ")
    result = await svc.review(STAFF, item_id, "fail", "照片模糊")
    assert (result.item.review, result.item.review_reason) == ("fail", "照片模糊")
    async with deps.db.read() as conn:
        [line] = [e for e in await repo.history(conn, "booking", booking.id) if e.action == "review"]
    assert json.loads(line.before or "{}")["review"] is None
    assert json.loads(line.after or "{}") == {"item": item_id, "review": "fail", "reason": "照片模糊"}
    await svc.revoke(STAFF, booking.id, "重复")
    with pytest.raises(StaffRefused, match="已撤销"):
        await svc.review(STAFF, item_id, "pass")
    with pytest.raises(StaffRefused):
        await svc.review(STAFF, item_id, "maybe")


# ---------------------------------------------------------------- outcome


async def test_outcome_from_the_appointment_date_by_the_transition_table(deps: Deps, svc: StaffService) -> None:
    unit_id = await unit(deps)
    booking = await book(deps, unit_id, date(2026, 12, 2))
    with pytest.raises(StaffRefused, match="当天起"):
        await svc.set_outcome(STAFF, booking.id, "serve")
    deps.clock.set(at("2026-12-02 11:00"))  # type: ignore[attr-defined]
    change = await svc.set_outcome(STAFF, booking.id, "serve")
    assert change.booking.state is BookingState.SERVED and change.clerk_ids == []
    with pytest.raises(IllegalTransition):
        await svc.set_outcome(STAFF, booking.id, "no_show")
    async with deps.db.read() as conn:
        assert (await repo.history(conn, "booking", booking.id))[-1].actor == f"tg:{STAFF}"


# ---------------------------------------------------------------- capacity and closures


async def test_set_capacity_refuses_negative_and_audits_the_default(deps: Deps, svc: StaffService) -> None:
    day = date(2026, 12, 3)
    with pytest.raises(BadInput):
        await svc.set_capacity(STAFF, day, "am", -1)
    with pytest.raises(StaffRefused):
        await svc.set_capacity(STAFF, day, "night", 10)
    cell = await svc.set_capacity(STAFF, day, "pm", 0)
    assert (cell.capacity, cell.used, cell.fits(5)) == (0, 0, False)
    async with deps.db.read() as conn:
        [line] = await repo.history(conn, "capacity", "2026-12-03:pm")
    assert json.loads(line.before or "{}") == {"capacity": 630} and json.loads(line.after or "{}") == {"capacity": 0}


async def test_close_date_cancels_only_active_bookings_of_that_date(deps: Deps, svc: StaffService) -> None:
    acme, beta = await unit(deps, "acme"), await unit(deps, "beta")
    day = date(2026, 12, 2)
    kept = await book(deps, acme, date(2026, 12, 3))
    first = await book(deps, acme, day, count=2)
    second = await book(deps, beta, day, session="pm", fill=False)
    with pytest.raises(StaffRefused):
        await svc.close_date(STAFF, date(2026, 11, 30), "过去")
    closure = await svc.close_date(STAFF, day, "设备检修")
    assert [b.id for b, _, _ in closure.cancelled] == [first.id, second.id]
    for booking, _, options in closure.cancelled:
        assert booking.state is BookingState.CANCELLED
        assert booking.ended_reason == "中心因故关闭该日期：设备检修"
        assert day not in [o.day for o in options]
    # acme already holds 12-03: its options start on 12-04; beta may rebook on 12-03
    assert [o.day for o in closure.cancelled[0][2]] == [date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 8)]
    assert [(o.day, o.session.key) for o in closure.cancelled[1][2]][0] == (date(2026, 12, 3), "pm")
    async with deps.db.read() as conn:
        assert (await repo.get_booking(conn, kept.id)).state is BookingState.PENDING  # type: ignore[union-attr]
        usage = await repo.slot_usage(conn, [day])
        assert usage[(day, "am")].used == 0 and usage[(day, "pm")].used == 0
        assert await repo.closed_dates(conn, day, day) == {day: "设备检修"}
        assert [e.action for e in await repo.history(conn, "capacity", day.isoformat())] == ["close_date"]
    with pytest.raises(StaffRefused, match="已经关闭"):
        await svc.close_date(STAFF, day, "再次")
    await svc.reopen_date(STAFF, day)
    with pytest.raises(StaffRefused):
        await svc.reopen_date(STAFF, day)


async def test_rebook_options_before_opening_offer_the_coming_window(deps: Deps, svc: StaffService) -> None:
    unit_id = await unit(deps)
    booking = await book(deps, unit_id, date(2026, 12, 2))
    deps.clock.set(at("2026-12-02 07:30"))  # type: ignore[attr-defined]
    closure = await svc.close_date(STAFF, date(2026, 12, 2), "停电")
    [(_, _, options)] = closure.cancelled
    assert [o.day for o in options] == [date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7)]
    with pytest.raises(DomainError, match="9:00"):
        await svc.rebook(user_id=1001, unit_id=unit_id, old_booking_id=booking.id, day=date(2026, 12, 3),
                         session="am")
    deps.clock.set(at("2026-12-02 09:00"))  # type: ignore[attr-defined]
    other = await unit(deps, "other")
    with pytest.raises(DomainError):
        await svc.rebook(user_id=1002, unit_id=other, old_booking_id=booking.id, day=date(2026, 12, 3),
                         session="am")
    done = await svc.rebook(user_id=1001, unit_id=unit_id, old_booking_id=booking.id, day=date(2026, 12, 3),
                            session="am")
    assert done.copied == 1 and done.booking.state is BookingState.PENDING
    with pytest.raises(DomainError, match="已经改约过了"):
        await svc.rebook(user_id=1001, unit_id=unit_id, old_booking_id=booking.id, day=date(2026, 12, 4),
                         session="am")
    assert await svc.options_for_cancelled(unit_id, booking.id) == []


# ---------------------------------------------------------------- calendar, staff, export


async def test_calendar_override_and_year_confirmation(deps: Deps, svc: StaffService) -> None:
    assert await unconfirmed_years_ahead(deps.bookings, deps.clock.now().date()) == [2027]
    info = await svc.set_override(STAFF, date(2027, 2, 20), "workday", "春节调休上班")
    assert info.kind == "workday" and info.source == "override" and not info.year_confirmed
    with pytest.raises(StaffRefused):
        await svc.set_override(STAFF, date(2027, 2, 20), "party", "x")
    with pytest.raises(StaffRefused, match="官方日历"):
        await svc.confirm_year(STAFF, 2026)
    await svc.confirm_year(STAFF, 2027)
    with pytest.raises(StaffRefused, match="已经确认"):
        await svc.confirm_year(STAFF, 2027)
    assert await unconfirmed_years_ahead(deps.bookings, deps.clock.now().date()) == []
    [day] = await svc.calendar_days(date(2027, 2, 20), 1)
    assert day.override_note == "春节调休上班" and day.info.year_confirmed
    info = await svc.delete_override(STAFF, date(2027, 2, 20))
    assert info.kind == "off" and info.source == "computed"


async def test_staff_membership(deps: Deps, svc: StaffService) -> None:
    with pytest.raises(StaffRefused, match="管理员"):
        await svc.add_staff(STAFF, STAFF, "")
    await svc.add_staff(STAFF, 42, "  王   工 ")
    with pytest.raises(StaffRefused, match="已经是"):
        await svc.add_staff(STAFF, 42, "王工")
    assert await svc.list_staff() == [(42, "王 工")]
    with pytest.raises(StaffRefused):
        await svc.remove_staff(STAFF, STAFF)
    await svc.remove_staff(STAFF, 42)
    with pytest.raises(StaffRefused):
        await svc.remove_staff(STAFF, 42)
    async with deps.db.read() as conn:
        assert [e.action for e in await repo.history(conn, "staff", 42)] == ["add_staff", "remove_staff"]


async def test_export_rows_cover_every_state_and_refuse_long_ranges(deps: Deps, svc: StaffService) -> None:
    unit_id = await unit(deps)
    first = await book(deps, unit_id, date(2026, 12, 2), count=2)
    second = await book(deps, unit_id, date(2026, 12, 3), fill=False)
    await svc.revoke(STAFF, second.id, "测试")
    rows = await svc.export_rows(STAFF, date(2026, 12, 3), date(2026, 12, 1))
    assert [(r.code, r.state, r.business, r.ordinal, r.review, r.minutes, r.phone) for r in rows] == [
        (first.code, "待办理", "新办", 1, "未审核", 30, "13800138000"),
        (first.code, "待办理", "新办", 2, "未审核", 30, "13800138000"),
        (second.code, "已撤销", "新办", 1, "未填写", 15, "13800138000"),
    ]
    with pytest.raises(StaffRefused, match="62"):
        await svc.export_rows(STAFF, date(2026, 1, 1), date(2026, 12, 31))


async def test_close_session_needs_a_reason_while_it_holds_bookings(deps: Deps, svc: StaffService) -> None:
    from bot.errors import SessionHasBookings

    acme, beta = await unit(deps, "acme"), await unit(deps, "beta")
    day = date(2026, 12, 3)
    afternoon = await book(deps, acme, day, session="pm", count=2)
    morning = await book(deps, beta, day, session="am")
    with pytest.raises(SessionHasBookings) as refused:
        await svc.set_session_closed(STAFF, day, "pm", True)
    assert refused.value.active == 1
    async with deps.db.read() as conn:
        slot = (await repo.slot_usage(conn, [day]))[(day, "pm")]
        assert not slot.closed and slot.used == 30  # nothing happened
    assert await svc.active_in_session(day, "pm") == 1
    with pytest.raises(BadInput):
        await svc.close_session(STAFF, day, "pm", "  ")
    closure = await svc.close_session(STAFF, day, "pm", "电梯检修")
    assert closure.session is not None and closure.session.key == "pm" and closure.reason == "电梯检修"
    [(cancelled, clerks, options)] = closure.cancelled
    assert cancelled.id == afternoon.id and cancelled.state is BookingState.CANCELLED
    assert cancelled.ended_reason == "中心因故关闭该时段：电梯检修" and clerks == []
    assert (day, "pm") not in [(o.day, o.session.key) for o in options]
    assert await svc.options_for_cancelled(acme, afternoon.id) == options  # it may be rebooked
    async with deps.db.read() as conn:
        slot = (await repo.slot_usage(conn, [day]))[(day, "pm")]
        assert slot.closed and slot.used == 0
        assert (await repo.get_booking(conn, morning.id)).state is BookingState.PENDING  # type: ignore[union-attr]
        [line] = await repo.history(conn, "capacity", "2026-12-03:pm")
        cancel = (await repo.history(conn, "booking", afternoon.id))[-1]
    assert (line.action, line.actor) == ("close_session", f"tg:{STAFF}")
    assert json.loads(line.before or "{}") == {"closed": False}
    assert json.loads(line.after or "{}") == {"closed": True, "reason": "电梯检修"}
    assert (cancel.action, cancel.actor) == ("cancel", f"tg:{STAFF}")
    # an empty session closes without a reason; a past one that still holds bookings does not close
    await svc.set_session_closed(STAFF, date(2026, 12, 4), "am", True)
    past = await book(deps, acme, date(2026, 12, 2))
    deps.clock.set(at("2026-12-04 10:00"))  # type: ignore[attr-defined]
    with pytest.raises(StaffRefused, match="过去"):
        await svc.close_session(STAFF, past.date, "am", "补关")


async def test_a_late_mismatch_counts_at_once_and_staff_withdrawing_it_lifts_the_freeze(
    deps: Deps, svc: StaffService
) -> None:
    """Given after the change deadline it counts at once; staff putting a mis-tap right withdraw it."""
    unit_id = await unit(deps)
    first = await book(deps, unit_id, date(2026, 12, 2), count=3)
    second = await book(deps, unit_id, date(2026, 12, 3), count=1)
    ids = await item_ids(deps, first.id) + await item_ids(deps, second.id)
    deps.clock.set(at("2026-12-03 09:30"))  # type: ignore[attr-defined]  # past both deadlines
    for item_id in ids:
        result = await svc.review(STAFF, item_id, "mismatch", "材料不符")
        assert result.mismatch.before is None and result.mismatch.after is MismatchState.COUNTED
    assert result.freeze.frozen and result.newly_frozen
    with pytest.raises(DomainError, match="冻结"):
        await deps.bookings.check_unit_may_book(unit_id)
    corrected = await svc.review(STAFF, ids[3], "pass")
    assert corrected.mismatch.after is MismatchState.WITHDRAWN
    assert corrected.freeze.count == 3 and not corrected.freeze.frozen
    await deps.bookings.check_unit_may_book(unit_id)
    async with deps.db.read() as conn:
        assert len(await repo.mismatch_times(conn, unit_id, "2026-12")) == 3
        actions = [e.action for e in await repo.history(conn, "unit", unit_id)]
    assert actions.count("mismatch") == 4 and actions.count("mismatch_withdrawn") == 1


async def test_the_clerks_correction_keeps_a_mismatch_from_counting(deps: Deps, svc: StaffService) -> None:
    """「已更正，请复核」 before the deadline: not counted at the deadline; staff then pass it."""
    unit_id = await unit(deps)
    booking = await book(deps, unit_id, date(2026, 12, 2), count=2)
    ids = await item_ids(deps, booking.id)
    await svc.review(STAFF, ids[0], "mismatch", "材料不符")
    await svc.review(STAFF, ids[1], "mismatch", "材料不符")
    with pytest.raises(DomainError, match="失效"):
        await deps.mismatches.correct(2002, ids[0])  # not a clerk of the unit
    async with deps.db.write() as conn:
        await repo.touch_tg_user(conn, 1001, "小李", deps.clock.now())
        await repo.bind_user(conn, 1001, unit_id, must_set_password=False, now=deps.clock.now())
    done = await deps.mismatches.correct(1001, ids[0])
    assert done.mismatch.state is MismatchState.CORRECTED and done.staff_ids == [STAFF]
    with pytest.raises(DomainError, match="没有待更正"):
        await deps.mismatches.correct(1001, ids[0])  # pressed twice
    deps.clock.set(at("2026-12-02 00:00"))  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="截止"):
        await deps.mismatches.correct(1001, ids[1])  # too late
    assert [m.item_id for m in await deps.mismatches.count_due()] == [ids[1]]
    states = {i: m.state for i, m in (await deps.mismatches.of_booking(booking.id)).items()}
    assert states == {ids[0]: MismatchState.CORRECTED, ids[1]: MismatchState.COUNTED}
    await svc.review(STAFF, ids[0], "pass")
    states = {i: m.state for i, m in (await deps.mismatches.of_booking(booking.id)).items()}
    assert states[ids[0]] is MismatchState.WITHDRAWN
    assert (await deps.mismatches.standing(unit_id)).count == 1
