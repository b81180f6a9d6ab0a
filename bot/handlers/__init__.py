"""Telegram handlers: one module per conversation or console area.

``register_all`` adds them in the order that matters: the private-chat guard and
activity tracking first, then every flow, and the fallbacks (stale buttons,
unexpected messages) last.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.handlers import (
    account,
    applicants,
    booking,
    checkin_link,
    flow,
    history,
    login,
    my_bookings,
    start,
)
from bot.handlers.staff import (
    admin,
    broadcast,
    calendar,
    capacity,
    checkin,
    console,
    export,
    stats,
    units,
)

CLERK_FLOWS = (login, applicants, booking, my_bookings, history, account)
STAFF_AREAS = (units, broadcast, stats, console, checkin, capacity, calendar, admin, export)


def register_all(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler of the bot to ``application``."""
    checkin_link.register(application)  # before /start: it must see ci_ codes first
    start.register(application)
    flow.register(application)
    for module in (*CLERK_FLOWS, *STAFF_AREAS):
        module.register(application)
    start.register_fallbacks(application)
