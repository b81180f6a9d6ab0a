"""Broadcasts to clerks (群发通知, SPEC §11): composing and storing them.

``create_broadcast`` stores the text and a snapshot of its recipients (all pending) in
one write transaction, status ``queued``; nothing is sent here. Sending — at the
broadcast rate, at most once per recipient, resumable — is
``bot.delivery.broadcasts``. Text limits are counted as Telegram counts them (UTF-16
code units, an emoji is two).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from bot.clock import Clock
from bot.errors import BroadcastError
from bot.rules.window import WINDOW_WORKDAYS
from bot.services.booking import BookingService
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import actor_of
from bot.texts import broadcast as t
from bot.texts import utf16_len

log = logging.getLogger(__name__)

MAX_TEXT = t.MAX_TEXT


class Audience(StrEnum):
    """Who receives a broadcast."""

    ALL = "all"  # every bound clerk who has not blocked the bot
    DATE = "date"  # the clerks of the units holding an active booking on a date


class RecipientStatus(StrEnum):
    """How sending to one recipient ended (the broadcast_recipients status)."""

    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNCERTAIN = "uncertain"  # maybe delivered (timeout, 5xx): never resent


@dataclass(frozen=True)
class Tally:
    """How far a broadcast has come."""

    total: int
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    uncertain: int = 0

    @property
    def done(self) -> int:
        """Recipients no longer pending."""
        return self.sent + self.failed + self.blocked + self.uncertain

    def add(self, outcome: RecipientStatus) -> Tally:
        """The tally after one more outcome."""
        return replace(self, **{outcome.value: getattr(self, outcome.value) + 1})

    @classmethod
    def of(cls, counts: dict[str, int]) -> Tally:
        """From recipient counts per status."""
        return cls(
            total=sum(counts.values()), sent=counts.get("sent", 0),
            failed=counts.get("failed", 0), blocked=counts.get("blocked", 0),
            uncertain=counts.get("uncertain", 0),
        )


# ---------------------------------------------------------------- composing


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be broadcast, or None."""
    if not text.strip():
        return t.TEXT_EMPTY
    if utf16_len(text) > MAX_TEXT:
        return t.text_too_long(utf16_len(text))
    return None


async def _recipients(conn: repo.Conn, audience: Audience, day: date | None) -> list[int]:
    if audience is Audience.DATE:
        if day is None:
            raise ValueError("audience 'date' needs a date")
        return await repo.clerk_ids_with_bookings_on(conn, day)
    return await repo.all_clerk_ids(conn)


async def recipient_count(db: Database, audience: Audience, day: date | None = None) -> int:
    """How many clerks the audience has right now (for the preview)."""
    async with db.read() as conn:
        return len(await _recipients(conn, audience, day))


async def audience_dates(db: Database, bookings: BookingService, today: date) -> list[tuple[date, int]]:
    """Today (if a working day) and the next working days of the booking window, with their audience sizes."""
    cal = await bookings.calendar()
    days = [today] if cal.is_workday(today) else []
    day = today
    for _ in range(WINDOW_WORKDAYS):
        day = cal.next_workday(day)
        days.append(day)
    async with db.read() as conn:
        return [(d, len(await repo.clerk_ids_with_bookings_on(conn, d))) for d in days]


async def create_broadcast(
    db: Database,
    clock: Clock,
    *,
    created_by: int,
    text: str,
    audience: Audience,
    day: date | None,
    progress_chat_id: int | None,
    progress_message_id: int | None,
) -> tuple[int, int]:
    """Store a broadcast and all its recipients (pending); returns (id, recipients).

    Raises BroadcastError when the text is not acceptable or nobody would receive it.
    """
    problem = text_problem(text)
    if problem is not None:
        raise BroadcastError(problem)
    now = clock.now()
    async with db.write() as conn:
        user_ids = await _recipients(conn, audience, day)
        if not user_ids:
            raise BroadcastError(t.NO_RECIPIENTS)
        broadcast_id = await repo.insert_broadcast(
            conn, created_by=created_by, text=text, audience=audience.value,
            audience_date=day if audience is Audience.DATE else None,
            progress_chat_id=progress_chat_id, progress_message_id=progress_message_id, now=now,
        )
        await repo.insert_broadcast_recipients(conn, broadcast_id, user_ids)
        await repo.audit(
            conn, actor=actor_of(created_by), entity="broadcast", entity_id=broadcast_id, action="create", now=now,
            after={"audience": audience.value, "date": day.isoformat() if day else None,
                   "recipients": len(user_ids), "chars": utf16_len(text)},
        )
    log.info("broadcast %s stored by %s for %d recipient(s)", broadcast_id, created_by, len(user_ids))
    return broadcast_id, len(user_ids)
