"""Staff console use cases (SPEC §3, §4, §8, §11), one module per console area, mirroring
``bot/handlers/staff/``:

    common    limits, reason checks, the shared base (db, settings, clock)
    console   schedule, look-up, review, outcome, revoke
    capacity  session capacity, closures, rebooking after a closure
    calendar  calendar overrides, year confirmation
    admin     staff membership
    export    export rows, chart figures

Every write runs in one ``Database.write()`` transaction and writes its audit line
(``actor="tg:<staff id>"``, before → after) in that same transaction. Nothing here
talks to Telegram: the results say who should be told what, and the handlers
send it after the transaction has committed. ``StaffService`` gathers the areas
into the one object the composition root builds. What they return is in
``bot/read_models.py``; their refusals are in ``bot/errors.py``.
"""

from __future__ import annotations

from bot.services.staff.admin import AdminUseCases
from bot.services.staff.calendar import DAY_KINDS, CalendarUseCases, unconfirmed_years_ahead
from bot.services.staff.capacity import CapacityUseCases
from bot.services.staff.common import (
    CALENDAR_DAYS,
    CLOSURE_PREFIX,
    NOTE_MAX,
    REASON_MAX,
    SESSION_CLOSURE_PREFIX,
    check_reason,
)
from bot.services.staff.console import check_reviewable
from bot.services.staff.export import ExportUseCases

__all__ = [
    "CALENDAR_DAYS", "CLOSURE_PREFIX", "DAY_KINDS", "NOTE_MAX", "REASON_MAX", "SESSION_CLOSURE_PREFIX", "StaffService",
    "check_reason", "check_reviewable", "unconfirmed_years_ahead",
]


class StaffService(CapacityUseCases, CalendarUseCases, AdminUseCases, ExportUseCases):
    """The staff console's use cases over one database, with settings and clock."""
