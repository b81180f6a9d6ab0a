"""Telling clerks of a change, inside the change's transaction (SPEC §13).

Each function writes outbox rows on the caller's connection; the courier
(``bot.delivery.outbox``) delivers them after the commit. No ``telegram`` here:
buttons are plain ``(label, callback data)`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.delivery import kinds
from bot.storage import outbox, repo
from bot.texts import booking as booking_texts
from bot.texts.html import parse_mode

Buttons = Sequence[Sequence[tuple[str, str]]]


async def notice(conn: repo.Conn, chat_id: int, text: str, buttons: Buttons = (), *,
                 booking_id: int | None = None, now: datetime) -> int:
    """One message to one chat (rendered now, delivered after the commit)."""
    payload = {"text": str(text), "buttons": [list(map(list, row)) for row in buttons],
               "parse_mode": parse_mode(text)}
    return await outbox.enqueue(conn, kinds.TEXT, chat_id, booking_id=booking_id, payload=payload, now=now)


async def unit_clerks(conn: repo.Conn, unit_id: int, text: str, buttons: Buttons = (), *,
                      booking_id: int | None = None, now: datetime) -> list[int]:
    """The same message to every clerk of a unit who has not blocked the bot; returns who."""
    told = [c.user_id for c in await repo.clerks_of_unit(conn, unit_id) if c.blocked_at is None]
    for user_id in told:
        await notice(conn, user_id, text, buttons, booking_id=booking_id, now=now)
    return told


async def closure(conn: repo.Conn, booking_id: int, unit_id: int, reason: str, session: str | None, *,
                  now: datetime) -> list[int]:
    """A booking cancelled by a closure: its unit's clerks told, with the rebook options
    open when they read it (rendered at delivery); returns who."""
    told = [c.user_id for c in await repo.clerks_of_unit(conn, unit_id) if c.blocked_at is None]
    for user_id in told:
        await outbox.enqueue(conn, kinds.CLOSURE, user_id, booking_id=booking_id,
                             payload={"reason": reason, "session": session}, now=now)
    await receipt_changed(conn, booking_id, now)
    return told


async def calendar(conn: repo.Conn, booking_id: int, chat_id: int, caption: str, now: datetime) -> None:
    """The booking's calendar file as it is now (after 改约: the entry moves; ended: it goes)."""
    await outbox.enqueue(conn, kinds.CALENDAR, chat_id, booking_id=booking_id, payload={"caption": caption},
                         now=now)


async def receipt_changed(conn: repo.Conn, booking_id: int, now: datetime) -> None:
    """The booking changed: its receipt message is edited to show it as it is now."""
    booking = await repo.get_booking(conn, booking_id)
    if booking is None or booking.created_by is None and booking.receipt_chat_id is None:
        return
    chat_id = booking.receipt_chat_id or booking.created_by
    assert chat_id is not None
    await outbox.enqueue(conn, kinds.RECEIPT_EDIT, chat_id, booking_id=booking_id, now=now)


async def calendar_removed(conn: repo.Conn, booking_id: int, now: datetime) -> None:
    """The booking ended (cancelled, released, revoked, its date closed): the calendar file that
    removes its entry (METHOD:CANCEL) goes to the chat that got the receipt and its first .ics."""
    booking = await repo.get_booking(conn, booking_id)
    if booking is None:
        return
    chat_id = booking.receipt_chat_id or booking.created_by
    if chat_id is not None:
        await calendar(conn, booking_id, chat_id, booking_texts.ICS_CANCEL_CAPTION, now)
