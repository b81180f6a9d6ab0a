"""Scheduled work (SPEC §10): jobs are rebuilt from the database at start."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.deps import deps_of


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Schedule every recurring job and catch up on what was missed while the bot was down.

    Jobs take ids only and reload their state from the database when they run.
    """
    # Imported here: the handlers (imported by the composition root first) use the jobs.
    from bot.delivery.broadcasts import resume_broadcasts
    from bot.delivery.outbox import courier_of
    from bot.jobs.ephemeral import reschedule_password_deletions
    from bot.jobs.reminders import start_reminders

    courier_of(application).start()  # the outbox left undelivered by a stop or a crash goes out now
    reschedule_password_deletions(application)
    await deps_of(application).arrivals.reflow_upcoming()  # bookings made before arrival times existed
    await start_reminders(application)
    await resume_broadcasts(application)  # broadcasts a stop left unfinished
