"""有号提醒 delivery: tell each waiting clerk once when minutes free up on their date.

A clerk whose basket fits nowhere in the window may ask to be told about one date
(``bot.services.watch``). Whoever frees minutes — a cancellation, an auto-release, a
改约 away from a date, staff raising a capacity — calls :func:`on_minutes_freed`
after its transaction; the reminders tick also sweeps every date of the window once
a minute (:func:`notify_watchers`), so a request is served even if that call was
missed (a crash right after the change, minutes freed before 09:00, …).

For each open request of a date in the bookable window whose minutes now fit in
some session of it, the clerk gets ONE message with a 「立即预约」 button, and the
request is consumed. Exactly once: the message goes out under the notification key
``watch:<watch id>``, and the request is consumed after Telegram accepted it — in
the same transaction that moves the key aside, so that a request the clerk makes
again later (same row, re-armed) is told again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from bot.delivery.notifications import Delivery, Guard, notification_key, notifier_of
from bot.deps import deps_of
from bot.keyboards import keyboard, notice_button
from bot.read_models import Freed
from bot.rules.capacity import Availability
from bot.rules.reminders import Kind
from bot.storage import repo
from bot.texts import reminders as t

log = logging.getLogger(__name__)

App = Any  # telegram.ext.Application with this bot's context types


async def on_minutes_freed(application: App, freed: Freed) -> int:
    """Minutes went back to ``freed.day``: tell the clerks waiting on it; returns how many were told."""
    return await notify_watchers(application, [freed.day])


async def notify_watchers(application: App, days: Iterable[date] | None = None) -> int:
    """Serve the open 有号提醒 requests of ``days`` (default: the whole window) that now fit."""
    deps = deps_of(application)
    async with deps.db.read() as conn:
        waiting_days = set(await repo.waiting_watch_dates(conn, deps.clock.now().date()))
    if days is not None:
        waiting_days &= set(days)
    if not waiting_days:
        return 0
    cells_by_day: dict[date, list[Availability]] = {}
    for cell in await deps.bookings.availability():  # empty while booking is closed
        cells_by_day.setdefault(cell.day, []).append(cell)
    wanted = sorted(waiting_days & cells_by_day.keys())
    if not wanted:
        return 0
    async with deps.db.read() as conn:
        waiting = [(day, await repo.open_watches(conn, day)) for day in wanted]
    notifier = notifier_of(application)
    markup = keyboard(notice_button(t.BOOK_NOW_LABEL, "m", "book"))
    told = 0
    for day, watches in waiting:
        cells = cells_by_day[day]
        for watch_id, user_id, minutes in watches:
            if not any(cell.fits(minutes) for cell in cells):
                continue
            key = notification_key(Kind.WATCH, watch_id)
            outcome = await notifier.deliver(key, Kind.WATCH, user_id, t.watch_available(day, cells), markup,
                                             guard=_still_waiting(watch_id))
            if not outcome.finished:
                continue
            now = deps.clock.now()
            async with deps.db.write() as conn:
                await repo.mark_watch_notified(conn, watch_id, now)
                await repo.archive_notification(conn, key, f"{key}:{now.isoformat()}")
            told += outcome is Delivery.SENT
    if told:
        log.info("有号提醒: told %s waiting clerk(s)", told)
    return told


def _still_waiting(watch_id: int) -> Guard:
    """Checked inside the claim: another process may have served the request meanwhile."""

    async def guard(conn: repo.Conn) -> bool:
        return await repo.watch_is_open(conn, watch_id)

    return guard
