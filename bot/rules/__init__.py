"""The booking rules: pure functions and tables, with time passed in.

Nothing in this package performs I/O, reads the clock or the environment, or imports
Telegram or the database (tests/rules/test_purity.py enforces it). The public
contract below is what outside acceptance tests import.
"""

from bot.errors import BasketError, DomainError
from bot.rules.basket import MAX_MINUTES, BusinessType, basket_minutes
from bot.rules.calendar import TZ, WorkCalendar
from bot.rules.window import bookable_dates, booking_open, change_deadline, next_opening

__all__ = [
    "MAX_MINUTES",
    "TZ",
    "BasketError",
    "BusinessType",
    "DomainError",
    "WorkCalendar",
    "basket_minutes",
    "bookable_dates",
    "booking_open",
    "change_deadline",
    "next_opening",
]
