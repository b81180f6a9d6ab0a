"""The schedule export and the utilisation chart's figures (SPEC §11)."""

from __future__ import annotations

from datetime import date

from bot.errors import StaffRefused
from bot.read_models import ExportRow
from bot.rules.calendar import WorkCalendar
from bot.rules.capacity import Availability, availability
from bot.services.staff.common import CHART_DAYS, EXPORT_MAX_DAYS, StaffBase
from bot.storage import repo
from bot.storage.models import actor_of
from bot.texts import staff as t


class ExportUseCases(StaffBase):
    """Export rows and chart figures."""

    # ---------------------------------------------------------------- export and chart

    async def export_rows(self, staff_id: int, start: date, end: date) -> list[ExportRow]:
        """One row per applicant of every booking dated in [start, end]; the export is audited."""
        if end < start:
            start, end = end, start
        if (end - start).days + 1 > EXPORT_MAX_DAYS:
            raise StaffRefused(t.export_too_long(EXPORT_MAX_DAYS))
        rows: list[ExportRow] = []
        now = self.clock.now()
        units: dict[int, str] = {}
        # Read in a snapshot, then audit in a short write: a long range never holds the write lock.
        async with self.db.read() as conn:
            for b in await repo.bookings_between(conn, start, end):
                if b.unit_id not in units:
                    unit = await repo.get_unit(conn, b.unit_id)
                    units[b.unit_id] = unit.name if unit else ""
                spec = self.bookings.session(b.session)
                for item in await repo.items_of(conn, b.id):
                    rows.append(ExportRow(
                        b.code, b.date, spec.label if spec else "", units[b.unit_id], item.business.label,
                        item.ordinal, item.applicant_name or t.EXPORT_UNFILLED, t.review_label(item),
                        item.review_reason or "", b.state.label, b.contact_name, b.contact_phone, b.minutes,
                    ))
        async with self.db.write() as conn:
            await repo.audit(
                conn, actor=actor_of(staff_id), entity="staff", entity_id=staff_id, action="export", now=now,
                after={"from": start.isoformat(), "to": end.isoformat(), "rows": len(rows)},
            )
        return rows

    async def chart_days(self) -> list[Availability]:
        """Booked vs capacity minutes per session of the next bookable days.

        The window is counted as the booking rule counts it (the next 5 working days
        after today), even before 09:00, so that staff can look ahead at any hour;
        closed dates are left out.
        """
        today = self.today()
        async with self.db.read() as conn:
            cal = await self.bookings.calendar(conn)
            days = _next_workdays(cal, today, CHART_DAYS)
            closed = await repo.closed_dates(conn, days[0], days[-1]) if days else {}
            days = [d for d in days if d not in closed]
            usage = await repo.slot_usage(conn, days)
        return availability(days, self.bookings.sessions, usage, self.settings.bot_counters)

    def first_window_day(self, cal: WorkCalendar) -> date:
        """The first date a booking could be for (the next working day)."""
        return cal.next_workday(self.today())


def _next_workdays(cal: WorkCalendar, today: date, count: int) -> list[date]:
    days: list[date] = []
    day = today
    for _ in range(count):
        day = cal.next_workday(day)
        days.append(day)
    return days

