"""已办理预约 and 满意度评价 (SPEC §5.8, §8).

A unit sees its finished bookings — 已办理 (served) and 未到 (no-show) — newest
first, with each item's review result and the rating if one was given. Only the
unit's own *served* bookings can be rated, once each, with a rating of 1..5
(非常不满意 … 非常满意) and an optional comment of at most 200 characters. An
unrated served booking blocks the unit's next booking (BookingService checks that);
rating it lifts the block.
"""

from __future__ import annotations

from bot import texts
from bot.clock import Clock
from bot.errors import BookingRefused, EvaluationRefused
from bot.read_models import HistoryEntry, HistoryPage
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Booking, actor_of
from bot.texts import history as t

RATING_MIN, RATING_MAX = 1, 5
COMMENT_MAX = 200
PAGE_SIZE = 5


def parse_comment(text: str) -> str:
    """The comment trimmed to single spaces, or EvaluationRefused if over 200 characters."""
    comment = " ".join(text.split())
    if len(comment) > COMMENT_MAX:
        raise EvaluationRefused(t.comment_too_long(len(comment), COMMENT_MAX))
    return comment


class EvaluationService:
    """Finished bookings of a unit and their satisfaction ratings."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def history(self, unit_id: int, page: int = 0, per_page: int = PAGE_SIZE) -> HistoryPage:
        """A page of the unit's served and no-show bookings, newest first.

        The page, its items and ratings and the count are one range of ``finished_bookings``
        (migration 0019): a unit with years of history costs what a new one does.
        """
        page = max(page, 0)
        async with self.db.read() as conn:
            shown, total = await repo.finished_page(conn, unit_id, offset=page * per_page, limit=per_page)
            if not shown and page > 0:  # past the last page (an old 下一页): the last one
                total = await repo.count_finished(conn, unit_id)
                page = max(1, -(-total // per_page)) - 1
                shown, total = await repo.finished_page(conn, unit_id, offset=page * per_page, limit=per_page)
        pages = max(1, -(-total // per_page))
        return HistoryPage([HistoryEntry(*finished) for finished in shown], page, pages, total, per_page)

    async def _ratable(self, conn: repo.Conn, booking_id: int, unit_id: int) -> Booking:
        booking = await repo.get_booking(conn, booking_id)
        if booking is None or booking.unit_id != unit_id:
            raise BookingRefused(texts.BOOKING_NOT_FOUND)
        if booking.state is not BookingState.SERVED:
            raise EvaluationRefused(t.NOT_SERVED)
        if await repo.get_evaluation(conn, booking.id) is not None:
            raise EvaluationRefused(t.ALREADY_RATED)
        return booking

    async def ratable(self, booking_id: int, unit_id: int) -> Booking:
        """The unit's served, unrated booking; or a refusal saying why it cannot be rated."""
        async with self.db.read() as conn:
            return await self._ratable(conn, booking_id, unit_id)

    async def rate(self, booking_id: int, *, unit_id: int, user_id: int | None, rating: int,
                   comment: str = "") -> int:
        """Store the rating once (with an audit line); returns how many served bookings stay unrated."""
        if not RATING_MIN <= rating <= RATING_MAX:
            raise EvaluationRefused(t.BAD_RATING)
        comment = parse_comment(comment)
        now = self.clock.now()
        async with self.db.write() as conn:
            booking = await self._ratable(conn, booking_id, unit_id)
            if not await repo.add_evaluation(conn, booking.id, rating, comment, user_id, now):
                raise EvaluationRefused(t.ALREADY_RATED)
            await repo.audit(
                conn, actor=actor_of(user_id), entity="booking",
                entity_id=booking.id, action="evaluate", now=now,
                after={"rating": rating, "comment_chars": len(comment)},
            )
            return len(await repo.unrated_served(conn, unit_id))
