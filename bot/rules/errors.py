"""Domain exceptions: every rule violation carries the Chinese text the user sees.

    DomainError                     any refusal a rule makes
    ├── BasketError                 business counts: empty, negative, over 60 minutes
    ├── IllegalTransition           a booking state change the table does not allow
    ├── BookingRefused              a booking cannot be made now (closed, frozen, ...)
    │   ├── SessionFull             the session's minutes ran out
    │   ├── AlreadyBookedThatDay    the unit already holds an active booking that date
    │   └── SessionClosed           staff closed the session or the date
    ├── MismatchError               a 材料不符 event its state does not allow (rules.freeze)
    └── (applicant.InvalidInput)    a free-text answer that fails validation

Handlers catch ``DomainError`` and reply with ``err.message``; nothing else in a
handler decides what a refusal says.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation; ``message`` is the Chinese text the user sees."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BasketError(DomainError):
    """The chosen business counts cannot form a booking."""


class IllegalTransition(DomainError):
    """A booking state change that the transition table does not allow."""


class BookingRefused(DomainError):
    """A booking, change or cancellation is refused by a rule."""


class SessionFull(BookingRefused):
    """The session has fewer minutes left than the booking needs."""


class AlreadyBookedThatDay(BookingRefused):
    """The unit already holds an active booking on that date (one per unit per date)."""


class SessionClosed(BookingRefused):
    """Staff closed the session, or the whole date."""


class MismatchError(DomainError):
    """A 材料不符 event its state does not allow (see ``bot.rules.freeze``)."""
