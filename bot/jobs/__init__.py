"""Scheduled work (SPEC §10): jobs are rebuilt from the database at start."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Schedule every recurring job; the reminders arrive with the reminders capability."""
