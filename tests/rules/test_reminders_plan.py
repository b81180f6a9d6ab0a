"""The reminder plan: which kinds are due when, over real holidays, 调休 weekends and year ends."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.rules.calendar import WorkCalendar
from bot.rules.reminders import (
    Kind,
    ReminderTimes,
    deadline_dates,
    deadline_passed,
    due_kinds,
    previous_month,
)
from tests.support import at

CAL = WorkCalendar()
TIMES = ReminderTimes()
K = Kind


def kinds(text: str, cal: WorkCalendar = CAL, times: ReminderTimes = TIMES) -> set[Kind]:
    return {d.kind for d in due_kinds(at(text), cal, times)} - {Kind.AUTORELEASE}


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # Tue 2026-09-29, an ordinary working day
        ("2026-09-29 07:59", set()),
        ("2026-09-29 08:00", {K.APPOINTMENT}),
        ("2026-09-29 08:30", {K.APPOINTMENT, K.DIGEST}),
        ("2026-09-29 09:00", {K.APPOINTMENT, K.DIGEST, K.RELEASE}),
        ("2026-09-29 10:00", {K.APPOINTMENT, K.DIGEST, K.RELEASE, K.EVALUATION_FOLLOWUP}),
        ("2026-09-29 11:59", {K.APPOINTMENT, K.DIGEST, K.RELEASE, K.EVALUATION_FOLLOWUP}),
        ("2026-09-29 12:00", {K.APPOINTMENT, K.EVALUATION_FOLLOWUP}),
        ("2026-09-29 15:00", {K.APPOINTMENT, K.EVALUATION_FOLLOWUP, K.DEADLINE}),
        ("2026-09-29 23:59", {K.APPOINTMENT, K.EVALUATION_FOLLOWUP, K.DEADLINE}),
        # 国庆 (statutory holiday, and the 1st of a month): no release, no digest, no deadline
        ("2026-10-01 09:00", {K.APPOINTMENT, K.UNFREEZE}),
        ("2026-10-03 10:00", {K.APPOINTMENT, K.EVALUATION_FOLLOWUP}),
        # 中秋 on a Sunday: a statutory holiday
        ("2026-09-27 09:30", {K.APPOINTMENT}),
        # Sat 2026-10-10, 调休 working day: everything of a working day
        ("2026-10-10 09:00", {K.APPOINTMENT, K.DIGEST, K.RELEASE}),
        ("2026-10-10 15:00", {K.APPOINTMENT, K.EVALUATION_FOLLOWUP, K.DEADLINE}),
        # Sun 2026-10-11, ordinary weekend: open for booking, but no working-day reminders
        ("2026-10-11 09:00", {K.APPOINTMENT, K.RELEASE}),
        ("2026-10-11 15:00", {K.APPOINTMENT, K.EVALUATION_FOLLOWUP}),
        # December: next year (2027, not covered by chinese-calendar) is unconfirmed
        ("2026-12-01 09:00", {K.APPOINTMENT, K.DIGEST, K.RELEASE, K.UNFREEZE, K.CALENDAR}),
        ("2026-12-31 23:00", {K.APPOINTMENT, K.EVALUATION_FOLLOWUP, K.DEADLINE, K.CALENDAR}),
        ("2026-11-30 09:00", {K.APPOINTMENT, K.DIGEST, K.RELEASE}),
        # 2027-01-01 (元旦, computed for an uncovered year): the unfreeze still goes out
        ("2027-01-01 09:00", {K.APPOINTMENT, K.UNFREEZE}),
    ],
)
def test_due_kinds(instant: str, expected: set[Kind]) -> None:
    assert kinds(instant) == expected


def test_autorelease_is_always_planned_without_a_useful_until() -> None:
    for instant in ("2026-10-01 00:00", "2026-09-29 13:17", "2026-10-11 03:00"):
        [auto] = [d for d in due_kinds(at(instant), CAL, TIMES) if d.kind is Kind.AUTORELEASE]
        assert auto.useful_until is None


def test_due_days_and_windows() -> None:
    due = {d.kind: d for d in due_kinds(at("2026-10-08 15:30"), CAL, TIMES)}
    assert due[Kind.DEADLINE].day == date(2026, 10, 8)
    assert due[Kind.DEADLINE].starts == at("2026-10-08 15:00")
    assert due[Kind.DEADLINE].useful_until == at("2026-10-09 00:00")
    assert due[Kind.EVALUATION_FOLLOWUP].day == date(2026, 10, 7)
    release = {d.kind: d for d in due_kinds(at("2026-10-08 09:00"), CAL, TIMES)}[Kind.RELEASE]
    assert (release.starts, release.useful_until) == (at("2026-10-08 09:00"), at("2026-10-08 12:00"))


def test_calendar_warning_stops_once_next_year_is_confirmed() -> None:
    assert Kind.CALENDAR in kinds("2026-12-15 09:00")
    assert Kind.CALENDAR not in kinds("2026-12-15 09:00", WorkCalendar(confirmed_years=[2027]))


def test_configured_times_are_used() -> None:
    times = ReminderTimes(release=time(9, 30), digest=time(7, 45))
    assert Kind.RELEASE not in kinds("2026-09-29 09:15", times=times)
    assert Kind.RELEASE in kinds("2026-09-29 09:30", times=times)
    assert Kind.DIGEST in kinds("2026-09-29 07:45", times=times)


def test_overrides_decide_the_working_days() -> None:
    # staff declare Mon 2026-09-28 a day off and Sun 2026-10-11 a working day
    cal = WorkCalendar(overrides={date(2026, 9, 28): "off", date(2026, 10, 11): "workday"})
    assert Kind.DIGEST not in kinds("2026-09-28 09:00", cal)
    assert Kind.RELEASE in kinds("2026-09-28 09:00", cal)  # a day off is not a statutory holiday
    assert Kind.DIGEST in kinds("2026-10-11 09:00", cal)


@pytest.mark.parametrize(
    ("deadline_day", "appointments"),
    [
        (date(2026, 9, 29), [date(2026, 9, 30)]),
        # before 国庆: the whole holiday and the first working day after it
        (date(2026, 9, 30), [date(2026, 10, d) for d in range(1, 9)]),
        # Fri before the 调休 Saturday
        (date(2026, 10, 9), [date(2026, 10, 10)]),
        # 调休 Saturday: Sunday and Monday
        (date(2026, 10, 10), [date(2026, 10, 11), date(2026, 10, 12)]),
        # not a working day: nobody's deadline
        (date(2026, 10, 11), []),
        (date(2026, 10, 3), []),
    ],
)
def test_deadline_dates(deadline_day: date, appointments: list[date]) -> None:
    assert deadline_dates(deadline_day, CAL) == appointments


def test_deadline_passed_at_midnight_of_the_deadline_day() -> None:
    assert not deadline_passed(at("2026-09-30 23:59"), date(2026, 10, 8), CAL)
    assert deadline_passed(at("2026-10-01 00:00"), date(2026, 10, 8), CAL)


def test_previous_month_across_a_year() -> None:
    assert previous_month(date(2027, 1, 1)) == "2026-12"
    assert previous_month(date(2026, 10, 1)) == "2026-09"


def test_naive_now_is_refused() -> None:
    from datetime import datetime

    with pytest.raises(ValueError):
        due_kinds(datetime(2026, 9, 29, 9, 0), CAL, TIMES)


def test_autorelease_is_planned_first() -> None:
    """After downtime over a deadline, what it releases must not be reminded of or listed first."""
    for instant in ("2026-12-03 08:45", "2026-12-03 10:30", "2026-09-29 23:00"):
        assert due_kinds(at(instant), CAL, TIMES)[0].kind is Kind.AUTORELEASE


def test_release_notice_never_before_booking_opens() -> None:
    early = ReminderTimes(release=time(8, 30))
    assert Kind.RELEASE not in kinds("2026-09-29 08:45", times=early)
    [release] = [d for d in due_kinds(at("2026-09-29 09:00"), CAL, early) if d.kind is Kind.RELEASE]
    assert release.starts == at("2026-09-29 09:00")


def test_release_and_digest_hours_after_noon_are_still_useful_for_a_while() -> None:
    late = ReminderTimes(release=time(12, 30), digest=time(13, 0))
    assert {Kind.RELEASE, Kind.DIGEST} <= kinds("2026-09-29 13:00", times=late)
    due = {d.kind: d for d in due_kinds(at("2026-09-29 13:00"), CAL, late)}
    assert due[Kind.RELEASE].useful_until == at("2026-09-29 15:30")
    assert due[Kind.DIGEST].useful_until == at("2026-09-29 16:00")
    assert not {Kind.RELEASE, Kind.DIGEST} & kinds("2026-09-29 16:00", times=late)
    # near midnight the usefulness ends with the day
    night = ReminderTimes(release=time(23, 0))
    [release] = [d for d in due_kinds(at("2026-09-29 23:30"), CAL, night) if d.kind is Kind.RELEASE]
    assert release.useful_until == at("2026-09-30 00:00")
