"""The scheduled reminders (SPEC §10) and the auto-release at the change deadline (§7).

One repeating job, ``reminders-tick``, runs :func:`run_due` every minute, and
``start_jobs`` runs it once more right at start. ``run_due`` plans with
``bot.rules.reminders.due_kinds`` at ``deps.clock.now()`` — which reminder kinds are
due and until when they are useful — then loads the recipients from the database
and hands each message to the ``Notifier``, which sends it exactly once per key.

Because every run plans from scratch, nothing is scheduled per booking and nothing
needs rebuilding after a restart: a reminder missed while the bot was down is sent
by the first run after it comes back, as long as it is still useful, and a claim a
crash left half-done is resumed by the next run that plans the same key
(see ``bot.delivery.notifications``).

Keys (one message per key, ever):

=====================  ===========================================  =================
kind                   key                                          recipients
=====================  ===========================================  =================
release                ``release:<date>:<user>``                    clerks with the notice on,
                                                                    logged in by the release time
deadline               ``deadline:<booking>:<deadline day>:<user>``  the booking's unit's clerks
autorelease            (the outbox, written with the release)       the booking's unit's clerks
appointment            ``appointment:<booking>:<date>:<user>``      the booking's unit's clerks
eval (immediate)       ``eval:<booking>:<user>``                    the booking's unit's clerks
evalfu (next day)      ``evalfu:<booking>:<user>``                  the booking's unit's clerks
unfreeze               ``unfreeze:<unit>:<month>:<user>``           the unit's clerks
digest                 ``digest:<date>:<user>``                     staff known to the bot by 08:30
calendar               ``calendar:<year>:<date>:<user>``            staff known to the bot by then
watch                  ``watch:<watch id>``                         (bot.jobs.watchers)
=====================  ===========================================  =================

**(our decision)** The release notice goes to clerks who were logged in by the release
time, and the staff messages to staff who had written to the bot by their time: who
arrives later is using the bot already and needs no catch-up message (Telegram would
refuse a message to someone who never wrote to the bot anyway).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final

from bot.config import Settings
from bot.delivery import kinds
from bot.delivery.notifications import Delivery, Notification, notification_key, notifier_of
from bot.delivery.outbox import courier_of
from bot.deps import BotContext, deps_of
from bot.errors import DomainError
from bot.jobs.mismatches import KIND as MISMATCH_KIND
from bot.jobs.mismatches import count_and_tell as count_mismatches
from bot.jobs.watchers import notify_watchers, on_minutes_freed
from bot.keyboards import keyboard, notice_button
from bot.rules.calendar import WorkCalendar
from bot.rules.freeze import MISMATCH_LIMIT, freeze_status, month_key
from bot.rules.reminders import (
    Due,
    Kind,
    ReminderTimes,
    deadline_dates,
    deadline_passed,
    due_kinds,
    previous_month,
)
from bot.rules.states import ACTIVE_STATES, BookingState
from bot.rules.window import booking_open, next_opening
from bot.services.roles import staff_ids
from bot.storage import outbox, repo
from bot.storage.models import Booking, TgUser
from bot.texts import reminders as t
from bot.texts.booking import NEXT_STEP_LABEL
from bot.texts.staff.digest import DIGEST_SCHEDULE_LABEL, staff_digest

log = logging.getLogger(__name__)

App = Any  # telegram.ext.Application with this bot's context types
TICK_JOB: Final = "reminders-tick"
TICK_SECONDS: Final = 60


def reminder_times(settings: Settings) -> ReminderTimes:
    """The configured reminder hours."""
    return ReminderTimes(
        release=settings.bot_release_notice_time,
        deadline=settings.bot_deadline_reminder_time,
        appointment=settings.bot_appointment_reminder_time,
        evaluation=settings.bot_evaluation_followup_time,
        unfreeze=settings.bot_unfreeze_notice_time,
        digest=settings.bot_staff_digest_time,
        calendar=settings.bot_calendar_warning_time,
    )


# ---------------------------------------------------------------- scheduling


async def start_reminders(application: App) -> None:
    """At start: mark this process's start, schedule the tick, catch up on what was missed.

    The catch-up runs in the background: polling starts only after start-up, so a
    restart at 09:05 with a thousand release notices still to send must not hold up
    the clerks' own updates. ``catch_up_done`` waits for it (tests, console).
    """
    notifier_of(application)
    schedule_tick(application)
    deps_of(application).runtime.catch_up = asyncio.create_task(run_due(application), name="reminders-catch-up")


async def catch_up_done(application: App) -> None:
    """Wait until the start-up catch-up has finished (if one was started)."""
    task = deps_of(application).runtime.catch_up
    if task is not None:
        await task


def schedule_tick(application: App) -> None:
    """(Re)schedule the one repeating ``reminders-tick`` job at the next whole minute."""
    job_queue = application.job_queue
    if job_queue is None:
        log.warning("no job queue: scheduled reminders are off")
        return
    for job in job_queue.get_jobs_by_name(TICK_JOB):
        job.schedule_removal()
    now = deps_of(application).clock.now()
    first = TICK_SECONDS - (now.second + now.microsecond / 1_000_000)
    job_queue.run_repeating(_tick, interval=TICK_SECONDS, first=first if first > 0 else TICK_SECONDS,
                            name=TICK_JOB)


async def _tick(context: BotContext) -> None:
    """The minute job: skip if the previous run is still sending."""
    if _lock(context.application).locked():
        return
    await run_due(context.application)


def _lock(application: App) -> asyncio.Lock:
    return deps_of(application).runtime.reminders_lock


async def run_due(application: App) -> dict[str, int]:
    """Plan at ``deps.clock.now()`` and send what is due; returns messages sent per kind.

    Never raises: a failing kind is logged and the others still run.
    """
    deps = deps_of(application)
    async with _lock(application):
        now = deps.clock.now()
        cal = await deps.bookings.calendar()
        sent: dict[str, int] = {}
        for due in due_kinds(now, cal, reminder_times(deps.settings)):
            try:
                sent[due.kind.value] = await _RUNNERS[due.kind](application, due, now, cal)
            except Exception:
                log.exception("reminder %s of %s failed", due.kind.value, due.day)
        try:
            sent[Kind.WATCH.value] = await notify_watchers(application)
        except Exception:
            log.exception("有号提醒 sweep failed")
        # 材料不符 still standing at a change deadline counts (SPEC §8; bot.jobs.mismatches).
        try:
            sent[MISMATCH_KIND] = await count_mismatches(application)
        except Exception:
            log.exception("材料不符 deadline sweep failed")
        return sent


# ---------------------------------------------------------------- the kinds

Runner = Callable[[App, Due, datetime, WorkCalendar], Awaitable[int]]


def _sent(outcomes: list[Delivery]) -> int:
    return sum(1 for o in outcomes if o is Delivery.SENT)


def _reachable(clerks: list[TgUser]) -> list[int]:
    return [c.user_id for c in clerks if c.blocked_at is None]


async def _release(application: App, due: Due, now: datetime, cal: WorkCalendar) -> int:
    """09:00 on open days: today's bookable dates with minutes left."""
    deps = deps_of(application)
    async with deps.db.read() as conn:
        recipients = await repo.release_notice_recipients(conn, due.starts)
    if not recipients:
        return 0
    text = t.release_notice(due.day, await deps.bookings.availability())
    markup = keyboard(notice_button(t.VIEW_AVAILABILITY_LABEL, "bk", "open"))
    return _sent(await notifier_of(application).deliver_many(
        Notification(notification_key(Kind.RELEASE, due.day, uid), Kind.RELEASE, uid, text, markup)
        for uid in recipients
    ))


async def _deadline(application: App, due: Due, now: datetime, cal: WorkCalendar) -> int:
    """15:00 on the deadline day: change/cancel closes at 24:00; incomplete ones will be released."""
    deps = deps_of(application)
    batch: list[Notification] = []
    async with deps.db.read() as conn:
        for day in deadline_dates(due.day, cal):
            for b in await repo.bookings_on(conn, day, ACTIVE_STATES):
                items = await repo.items_of(conn, b.id)
                text = t.deadline_reminder(b, deps.bookings.session(b.session),
                                           sum(1 for i in items if i.filled), len(items), t.unfilled_items(items))
                rows = [notice_button(NEXT_STEP_LABEL, "ap", "list", b.id)] if b.state is BookingState.INCOMPLETE else []
                markup = keyboard(*rows, notice_button(t.MY_BOOKINGS_LABEL, "m", "my"))
                batch += [Notification(notification_key(Kind.DEADLINE, b.id, due.day, uid), Kind.DEADLINE, uid,
                                       text, markup)
                          for uid in _reachable(await repo.clerks_of_unit(conn, b.unit_id))]
    return _sent(await notifier_of(application).deliver_many(batch))


async def _autorelease(application: App, due: Due, now: datetime, cal: WorkCalendar) -> int:
    """At the deadline: release incomplete bookings, give the minutes back, tell the clerks.

    The release writes the clerks' messages (and the receipt's edit) to the outbox in its
    own transaction; they go out here, or from the courier if this fails or the process
    dies first. Returns how many clerks were told now.
    """
    deps = deps_of(application)
    async with deps.db.read() as conn:
        candidates = [b for b in await repo.incomplete_bookings(conn) if deadline_passed(now, b.date, cal)]
    told = 0
    for booking in candidates:
        try:
            _, freed = await deps.bookings.release(booking.id)
        except DomainError:
            continue  # completed, cancelled or released meanwhile
        log.info("booking %s auto-released at its change deadline", booking.id)
        courier = courier_of(application)
        await courier.deliver_booking(booking.id)
        async with deps.db.read() as conn:
            told += sum(1 for r in await outbox.of_booking(conn, booking.id)
                        if r.render == kinds.TEXT and r.status == "sent")
        await on_minutes_freed(application, freed)
    return told


async def _appointment(application: App, due: Due, now: datetime, cal: WorkCalendar) -> int:
    """08:00 on the appointment day, until the session starts: date, session, address, items."""
    deps = deps_of(application)
    settings = deps.settings
    batch: list[Notification] = []
    async with deps.db.read() as conn:
        due_bookings = await repo.bookings_on(conn, due.day, ACTIVE_STATES)
        times = await repo.arrivals_of(conn, [b.id for b in due_bookings])
        for b in due_bookings:
            spec = deps.bookings.session(b.session)
            if spec is not None and now >= spec.starts_at(b.date):
                continue  # no longer useful
            items = await repo.items_of(conn, b.id)
            arrival = times[b.id].promised if b.id in times else None
            text = t.appointment_reminder(b, spec, settings.bot_centre_address, (i.business for i in items),
                                          settings.bot_centre_phone, arrival)
            markup = keyboard(notice_button(t.MY_BOOKINGS_LABEL, "m", "my"))
            batch += [Notification(notification_key(Kind.APPOINTMENT, b.id, b.date, uid), Kind.APPOINTMENT, uid,
                                   text, markup)
                      for uid in _reachable(await repo.clerks_of_unit(conn, b.unit_id))]
    return _sent(await notifier_of(application).deliver_many(batch))


def _rate_markup(booking: Booking) -> Any:
    return keyboard(notice_button(t.RATE_LABEL, "hs", "rate", booking.id))


async def _evaluation_followup(application: App, due: Due, now: datetime, cal: WorkCalendar) -> int:
    """10:00 the day after 已办理, once, while the booking is still unrated."""
    deps = deps_of(application)
    batch: list[Notification] = []
    async with deps.db.read() as conn:
        for b in await repo.served_unrated_on(conn, due.day):
            batch += [Notification(notification_key(Kind.EVALUATION_FOLLOWUP, b.id, uid), Kind.EVALUATION_FOLLOWUP,
                                   uid, t.evaluation_followup(b), _rate_markup(b))
                      for uid in _reachable(await repo.clerks_of_unit(conn, b.unit_id))]
    return _sent(await notifier_of(application).deliver_many(batch))


async def _unfreeze(application: App, due: Due, now: datetime, cal: WorkCalendar) -> int:
    """09:00 on the 1st: units frozen last month may book again."""
    deps = deps_of(application)
    month = previous_month(due.day)
    opens = None if booking_open(now, cal) else next_opening(now, cal)
    batch: list[Notification] = []
    async with deps.db.read() as conn:
        for unit_id in await repo.units_over_mismatch_limit(conn, month, MISMATCH_LIMIT):
            if freeze_status(await repo.mismatch_times(conn, unit_id, month_key(now)), now).frozen:
                continue  # frozen again already this month
            batch += [Notification(notification_key(Kind.UNFREEZE, unit_id, month, uid), Kind.UNFREEZE, uid,
                                   t.unfrozen(opens), keyboard(notice_button(t.BOOK_LABEL, "m", "book")))
                      for uid in _reachable(await repo.clerks_of_unit(conn, unit_id))]
    return _sent(await notifier_of(application).deliver_many(batch))


async def _staff_recipients(application: App, known_by: datetime) -> list[int]:
    deps = deps_of(application)
    staff = await staff_ids(deps.db, deps.settings)
    async with deps.db.read() as conn:
        return await repo.users_known_by(conn, staff, known_by)


async def _digest(application: App, due: Due, now: datetime, cal: WorkCalendar) -> int:
    """08:30 on working days: today's schedule by session, to every staff member.

    The schedule is every booking that holds minutes today: a digest caught up late in
    the morning still lists the ones already marked 已办理 or 未到.
    """
    deps = deps_of(application)
    recipients = await _staff_recipients(application, due.starts)
    if not recipients:
        return 0
    text = staff_digest(await deps.staff.schedule(due.day))
    markup = keyboard(notice_button(DIGEST_SCHEDULE_LABEL, "st", "day", due.day))
    return _sent(await notifier_of(application).deliver_many(
        Notification(notification_key(Kind.DIGEST, due.day, uid), Kind.DIGEST, uid, text, markup)
        for uid in recipients
    ))


async def _calendar(application: App, due: Due, now: datetime, cal: WorkCalendar) -> int:
    """Daily in December while next year's calendar is unconfirmed: warn staff."""
    recipients = await _staff_recipients(application, due.starts)
    year = due.day.year + 1
    return _sent(await notifier_of(application).deliver_many(
        Notification(notification_key(Kind.CALENDAR, year, due.day, uid), Kind.CALENDAR, uid,
                     t.calendar_warning(year))
        for uid in recipients
    ))


_RUNNERS: dict[Kind, Runner] = {
    Kind.RELEASE: _release,
    Kind.DEADLINE: _deadline,
    Kind.AUTORELEASE: _autorelease,
    Kind.APPOINTMENT: _appointment,
    Kind.EVALUATION_FOLLOWUP: _evaluation_followup,
    Kind.UNFREEZE: _unfreeze,
    Kind.DIGEST: _digest,
    Kind.CALENDAR: _calendar,
}


# ---------------------------------------------------------------- called by other areas


async def send_evaluation_request(application: App, booking_id: int) -> int:
    """Ask the clerks to rate a booking just marked 已办理 (once per clerk); returns how many were asked.

    Staff code calls this after the 已办理 transaction; nothing happens if the booking
    is not served or is already rated.
    """
    deps = deps_of(application)
    async with deps.db.read() as conn:
        booking = await repo.get_booking(conn, booking_id)
        if booking is None or booking.state is not BookingState.SERVED:
            return 0
        if await repo.get_evaluation(conn, booking_id) is not None:
            return 0
        recipients = _reachable(await repo.clerks_of_unit(conn, booking.unit_id))
    return _sent(await notifier_of(application).deliver_many(
        Notification(notification_key(Kind.EVALUATION, booking.id, uid), Kind.EVALUATION, uid,
                     t.evaluation_request(booking), _rate_markup(booking))
        for uid in recipients
    ))
