"""Calendar overrides and year confirmation (SPEC §3, §11)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import get_args

from bot import texts
from bot.errors import StaffRefused
from bot.read_models import CalendarDay
from bot.rules.calendar import DayInfo, DayKind
from bot.rules.states import ACTIVE_STATES
from bot.services.booking import BookingService
from bot.services.staff.common import CALENDAR_DAYS, CONFIRM_LOOKAHEAD_DAYS, NOTE_MAX, StaffBase, check_reason
from bot.storage import repo
from bot.storage.models import actor_of
from bot.texts import staff as t

DAY_KINDS: tuple[DayKind, ...] = get_args(DayKind)


class CalendarUseCases(StaffBase):
    """The staff calendar view, overrides and year confirmation."""

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
            await repo.set_calendar_override(conn, day, kind, note, staff_id, now)
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="calendar", entity_id=day.isoformat(), action="set_override",
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
                conn, actor=actor_of(staff_id), entity="calendar", entity_id=day.isoformat(),
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
                conn, actor=actor_of(admin_id), entity="calendar", entity_id=str(year), action="confirm_year",
                now=now, before={"confirmed": False}, after={"confirmed": True},
            )


async def unconfirmed_years_ahead(bookings: BookingService, today: date) -> list[int]:
    """Years within the next 40 days whose calendar still needs an admin's confirmation.

    For the daily December warning (SPEC §3): from 1 December the next year enters
    this range, and it stays there until an admin confirms it.
    """
    cal = await bookings.calendar()
    years = sorted({today.year, (today + timedelta(days=CONFIRM_LOOKAHEAD_DAYS)).year})
    return [y for y in years if cal.needs_confirmation(y)]
