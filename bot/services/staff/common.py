"""What the staff use cases share: limits, refusals, reason checks, the base class."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from bot import texts
from bot.clock import Clock
from bot.config import Settings
from bot.errors import BadInput, StaffRefused
from bot.rules.capacity import SessionSpec
from bot.rules.states import CAPACITY_STATES
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Booking, Item
from bot.texts import staff as t

log = logging.getLogger(__name__)

REASON_MAX = 200
NOTE_MAX = 100
CAPACITY_MAX = 10_000
STAFF_NAME_MAX = 40
EXPORT_MAX_DAYS = 62
CALENDAR_DAYS = 30
CONFIRM_LOOKAHEAD_DAYS = 40
CHART_DAYS = 5
REBOOK_OPTIONS = 3
RECENT_BOOKINGS = 5
CLOSURE_PREFIX = "中心因故关闭该日期："
SESSION_CLOSURE_PREFIX = "中心因故关闭该时段："


# ---------------------------------------------------------------- parsing (typed input)


def check_reason(text: str, limit: int = REASON_MAX) -> str:
    """A typed reason or note: non-empty, at most ``limit`` characters; raises BadInput."""
    reason = " ".join(text.split())
    if not reason:
        raise BadInput(t.REASON_EMPTY)
    if len(reason) > limit:
        raise BadInput(t.reason_too_long(limit, len(reason)))
    return reason


def check_reviewable(booking: Booking, item: Item) -> None:
    """Raise StaffRefused unless the item can be reviewed (filled, booking not ended unserved)."""
    if booking.state not in CAPACITY_STATES:
        raise StaffRefused(t.review_not_possible(booking.state.label))
    if not item.filled:
        raise StaffRefused(t.ITEM_NOT_FILLED)


class StaffBase:
    """What every staff use case shares: the database, settings, clock and bookings."""

    def __init__(self, db: Database, settings: Settings, clock: Clock,
                 bookings: BookingService | None = None) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.bookings = bookings or BookingService(db, settings, clock)

    def today(self) -> date:
        """Today in Asia/Shanghai (the clock is tz-aware)."""
        return self.clock.now().date()

    async def _booking(self, conn: repo.Conn, booking_id: int) -> Booking:
        booking = await repo.get_booking(conn, booking_id)
        if booking is None:
            raise StaffRefused(t.BOOKING_NOT_FOUND)
        return booking

    async def _clerk_ids(self, conn: repo.Conn, unit_id: int) -> list[int]:
        return [c.user_id for c in await repo.clerks_of_unit(conn, unit_id)]

    async def people(self, conn: repo.Conn, user_ids: Iterable[int]) -> dict[int, str]:
        """How staff screens name each user: the staff member's name, else their Telegram
        name; a clerk as 「经办人 <name>」; an admin never named anywhere as 「管理员」."""
        ids = set(user_ids)
        known = await repo.people_names(conn, ids)
        names: dict[int, str] = {}
        for user_id in ids:
            staff_name, first_name, clerk = known.get(user_id, ("", "", False))
            if staff_name:
                names[user_id] = staff_name
            elif user_id in self.settings.bot_admin_ids:
                names[user_id] = f"管理员 {first_name}".strip()
            elif clerk:
                names[user_id] = first_name if first_name.startswith("经办人") else f"经办人 {first_name}".strip()
            else:
                names[user_id] = first_name or "用户"
        return names

    async def name_of(self, user_id: int) -> str:
        """One person's name as staff screens show it."""
        async with self.db.read() as conn:
            return (await self.people(conn, [user_id]))[user_id]

    def _spec(self, session: str) -> SessionSpec:
        spec = self.bookings.session(session)
        if spec is None:
            raise StaffRefused(texts.STALE_BUTTON)
        return spec


