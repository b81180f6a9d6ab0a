"""A statistics period seeded with bookings of every state and ratings."""

from __future__ import annotations

from datetime import date, datetime

from bot.rules.states import BookingState as S
from bot.storage import repo
from bot.storage.db import Database

BOOKINGS = [
    (date(2026, 12, 1), "u1", "am", 30, S.SERVED, 5),
    (date(2026, 12, 1), "u2", "am", 15, S.NO_SHOW, None),
    (date(2026, 12, 2), "u1", "pm", 60, S.SERVED, 3),
    (date(2026, 12, 2), "u2", "am", 10, S.CANCELLED, None),
    (date(2026, 12, 3), "u1", "am", 20, S.PENDING, None),
    (date(2026, 12, 3), "u2", "am", 25, S.INCOMPLETE, None),
    (date(2026, 12, 5), "u2", "am", 15, S.REVOKED, None),
    (date(2026, 12, 7), "u1", "pm", 5, S.RELEASED, None),
    (date(2026, 12, 7), "u2", "pm", 45, S.SERVED, 4),
    (date(2026, 11, 30), "u1", "am", 15, S.SERVED, 1),
    (date(2026, 12, 8), "u1", "am", 15, S.PENDING, None),
]


async def seed(db: Database, now: datetime) -> None:
    """Units, bookings, ratings, capacity overrides, a closed date and a working Saturday."""
    async with db.write() as conn:
        units = {name: await repo.insert_unit(conn, name, f"单位{name}", "x", now) for name in ("u1", "u2")}
        seq: dict[date, int] = {}
        for day, unit, session, minutes, state, rating in BOOKINGS:
            seq[day] = seq.get(day, 0) + 1
            booking_id = await repo.insert_booking(
                conn, code=f"CY{day:%Y%m%d}-{seq[day]:03d}", code_date=day, code_seq=seq[day],
                unit_id=units[unit], day=day, session=session, minutes=minutes, contact_name="张三",
                contact_phone="13800000000", created_by=None, now=now,
            )
            if state is not S.INCOMPLETE:
                assert await repo.set_booking_state(conn, booking_id, S.INCOMPLETE, state, now)
            if rating is not None:
                assert await repo.add_evaluation(conn, booking_id, rating, "", None, now)
        await repo.set_slot_capacity(conn, date(2026, 12, 2), "am", 100)
        await repo.set_slot_closed(conn, date(2026, 12, 3), "pm", True)
        await repo.close_date(conn, date(2026, 12, 4), "内部活动", None, now)
        await repo.set_calendar_override(conn, date(2026, 12, 5), "workday", "调休上班", None, now)
