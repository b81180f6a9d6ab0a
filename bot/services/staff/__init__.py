"""Staff console use cases (SPEC §3, §4, §8, §11), one module per console area, mirroring
``bot/handlers/staff/``:

    common    limits, refusals, reason checks, the shared base (db, settings, clock)
    console   schedule, look-up, review, outcome, revoke
    capacity  session capacity, closures, rebooking after a closure
    calendar  calendar overrides, year confirmation
    admin     staff membership
    export    export rows, chart figures

Every write runs in one ``Database.write()`` transaction and writes its audit line
(``actor="tg:<staff id>"``, before → after) in that same transaction. Nothing here
talks to Telegram: the results say who should be told what, and the handlers
send it after the transaction has committed. ``StaffService`` gathers the areas
into the one object the composition root builds.
"""

from __future__ import annotations

from bot.services.staff.admin import AdminUseCases
from bot.services.staff.calendar import DAY_KINDS, CalendarDay, CalendarUseCases, unconfirmed_years_ahead
from bot.services.staff.capacity import CapacityUseCases, Closure, Rebooked, RebookOption
from bot.services.staff.common import (
    CALENDAR_DAYS,
    CLOSURE_PREFIX,
    NOTE_MAX,
    REASON_MAX,
    SESSION_CLOSURE_PREFIX,
    BadInput,
    SessionHasBookings,
    StaffRefused,
    check_reason,
)
from bot.services.staff.console import (
    BookingChange,
    BookingHistory,
    DaySchedule,
    ReviewResult,
    ScheduleEntry,
    SessionSchedule,
    UnitView,
    check_reviewable,
)
from bot.services.staff.export import ExportRow, ExportUseCases

__all__ = [
    "CALENDAR_DAYS", "CLOSURE_PREFIX", "NOTE_MAX", "REASON_MAX", "DAY_KINDS", "SESSION_CLOSURE_PREFIX", "BadInput", "BookingChange", "BookingHistory", "CalendarDay", "Closure",
    "DaySchedule", "ExportRow", "RebookOption", "Rebooked", "ReviewResult", "ScheduleEntry", "SessionHasBookings",
    "SessionSchedule", "StaffRefused", "StaffService", "UnitView", "check_reason", "check_reviewable",
    "unconfirmed_years_ahead",
]


class StaffService(CapacityUseCases, CalendarUseCases, AdminUseCases, ExportUseCases):
    """The staff console's use cases over one database, with settings and clock."""
