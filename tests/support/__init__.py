"""Helpers the tests share (not fixtures: those are in the root ``conftest.py``).

    applicants  applicant values and a booking made for filling them in
    booking     driving the booking flow through the fake Bot API
    checkin     a booked clerk with a receipt QR code, and check-in links
    clerks      units and logged-in clerks, filled bookings
    e2e         the e2e workspace (bot process against the tgemu emulator) and its steps
    fuzz        callback patterns expanded, database snapshots
    logs        a recorder of every log line
    personal    the personal values that must never reach a log
    reminders   reminder and notification helpers
    stats       a seeded statistics period

This package itself: instants in Asia/Shanghai and the test token.
"""

from __future__ import annotations

from datetime import datetime

from bot.rules.tz import TZ

TEST_TOKEN = "123456:TEST-TOKEN"


def at(text: str) -> datetime:
    """An Asia/Shanghai instant from '2026-12-01 09:30'."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)
