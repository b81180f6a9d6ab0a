"""Scheduled work (SPEC §10): jobs are rebuilt from the database at start."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Schedule every recurring job and catch up on what was missed while the bot was down.

    Jobs take ids only and reload their state from the database when they run.
    """
    from bot.jobs.reminders import start_reminders  # late: the jobs import the handlers

    await start_reminders(application)
    from bot.services.broadcast import resume_broadcasts  # broadcasts a stop left unfinished
    await resume_broadcasts(application)
