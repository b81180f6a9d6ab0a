"""The idle sweep: conversations idle past the timeout end with a message (SPEC §5).

The check itself lives with the flows (``bot.handlers.flow.sweep_idle``); this job
only runs it every minute against the app's clock, so a clerk who walked away is
told even if they never come back.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.deps import BotContext
from bot.handlers.flow import sweep_idle

SWEEP_JOB = "idle-sweep"
SWEEP_SECONDS = 60


def schedule_idle_sweep(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """(Re)schedule the one repeating ``idle-sweep`` job."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(SWEEP_JOB):
        job.schedule_removal()
    job_queue.run_repeating(_sweep, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name=SWEEP_JOB)


async def _sweep(context: BotContext) -> None:
    await sweep_idle(context.application)
