"""Every exception the bot raises, in one place.

    Exception
    ├── SettingsError                 a setting is missing or malformed (named, never its value)
    ├── CliError                      a subcommand refuses: ``error: …`` on stderr, exit ``code``
    ├── FontMissing (RuntimeError)    no CJK font for the staff charts (scripts/setup-system.sh)
    ├── SheetUnreadable (ValueError)  an uploaded .xlsx that is not a readable workbook
    ├── FakeBadRequest                the in-process fake Bot API answering 400 (tests, console)
    └── DomainError                   any refusal of a rule or a use case; ``message`` is the
        │                             Chinese text the user sees
        ├── BasketError               business counts: empty, negative, over 60 minutes
        ├── IllegalTransition         a booking state change the table does not allow
        ├── MismatchError             a 材料不符 event its state does not allow (rules.freeze)
        ├── InvalidInput              a typed applicant answer that fails validation
        ├── BookingRefused            a booking, change or cancellation cannot be made now
        │   ├── SessionFull           the session's minutes ran out
        │   ├── AlreadyBookedThatDay  the unit already holds an active booking that date
        │   ├── SessionClosed         staff closed the session or the date
        │   ├── UnratedEvaluation     a served booking must be rated before booking again
        │   ├── ChangeNotAllowed      the change deadline passed, or the booking ended
        │   └── DuplicatePerson       the person already holds this business in the unit
        ├── AccountError              an account operation is refused
        │   ├── WrongPassword         wrong password or unknown username (``remaining``)
        │   ├── LoginLocked           too many wrong passwords (``until``)
        │   └── CsvImportError        a units CSV has bad rows (``problems``)
        ├── EvaluationRefused         a booking cannot be rated
        ├── WatchNotNeeded            有号提醒 refused: the date still has room
        ├── BroadcastError            a broadcast cannot be stored
        ├── CheckInRefused            a check-in at the counter cannot happen (unknown code, wrong
        │   │                         day, booking not active) or a 未到 list changed since shown
        │   └── AlreadyCheckedIn      the booking was checked in before: the code is spent
        ├── DateInputError            a typed staff date or range that cannot be read (rules.staff_dates)
        ├── InvalidName               a unit or staff name with control characters, or too long
        └── StaffRefused              a staff action the rules do not allow
            ├── BadInput              a typed staff answer that fails validation
            └── SessionHasBookings    closing a session with bookings needs a reason (``active``)

Handlers catch ``DomainError`` and reply with ``err.message``; nothing else in a
handler decides what a refusal says. The raiser composes the message (from
``bot.texts``, or a rule's own text): this module imports nothing of the bot, so
every layer, the pure rules included, may raise from it.
"""

from __future__ import annotations

from datetime import datetime


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says what to set."""


class CliError(Exception):
    """A refusal to report on stderr as ``error: …`` with exit code ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class FontMissing(RuntimeError):
    """No CJK font is installed: run scripts/setup-system.sh (fonts-noto-cjk)."""


class SheetUnreadable(ValueError):
    """An uploaded file that is not a readable XLSX workbook."""


class FakeBadRequest(Exception):
    """Raised inside the fake Bot API (``bot.fake_telegram``) to answer 400 Bad Request."""


class DomainError(Exception):
    """Base of every rule violation; ``message`` is the Chinese text the user sees."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BasketError(DomainError):
    """The chosen business counts cannot form a booking."""


class IllegalTransition(DomainError):
    """A booking state change that the transition table does not allow."""


class MismatchError(DomainError):
    """A 材料不符 event its state does not allow (see ``bot.rules.freeze``)."""


class InvalidInput(DomainError):
    """A typed answer that fails validation; ``message`` says what to type instead."""


class BookingRefused(DomainError):
    """A booking, change or cancellation is refused by a rule."""


class SessionFull(BookingRefused):
    """The session has fewer minutes left than the booking needs."""


class AlreadyBookedThatDay(BookingRefused):
    """The unit already holds an active booking on that date (one per unit per date)."""


class SessionClosed(BookingRefused):
    """Staff closed the session, or the whole date."""


class UnratedEvaluation(BookingRefused):
    """A served booking must be rated before the unit books again."""

    def __init__(self, message: str, booking_id: int) -> None:
        super().__init__(message)
        self.booking_id = booking_id


class ChangeNotAllowed(BookingRefused):
    """The change deadline has passed, or the booking is no longer active."""


class DuplicatePerson(BookingRefused):
    """The person already holds this business type in an active booking of the unit."""


class AccountError(DomainError):
    """An account operation is refused; ``message`` is the Chinese text shown."""


class WrongPassword(AccountError):
    """Wrong password or unknown username; ``remaining`` attempts before the lock."""

    def __init__(self, message: str, remaining: int) -> None:
        super().__init__(message)
        self.remaining = remaining


class LoginLocked(AccountError):
    """Too many wrong passwords: the user or the username is locked until ``until``."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class CsvImportError(AccountError):
    """A CSV import was refused; ``problems`` are (line number, Chinese reason)."""

    def __init__(self, message: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.problems = problems


class EvaluationRefused(DomainError):
    """The booking cannot be rated (not served, already rated, bad rating or comment)."""


class WatchNotNeeded(DomainError):
    """The date still has a session where the basket fits: book it instead."""


class BroadcastError(DomainError):
    """A broadcast cannot be stored; ``message`` is the Chinese text shown."""


class CheckInRefused(DomainError):
    """A check-in that cannot happen: unknown code, wrong day, booking not active.

    ``booking_id`` names the booking when the code was a real one (staff see its card).
    """

    def __init__(self, message: str, booking_id: int | None = None) -> None:
        super().__init__(message)
        self.booking_id = booking_id


class AlreadyCheckedIn(CheckInRefused):
    """The booking was checked in before (at ``at``): the code is spent."""

    def __init__(self, message: str, booking_id: int, at: datetime) -> None:
        super().__init__(message, booking_id)
        self.at = at


class DateInputError(DomainError):
    """A typed staff date or range that cannot be read; ``message`` says what to type."""


class InvalidName(DomainError):
    """A typed unit or staff name that cannot be used; ``message`` says why."""


class StaffRefused(DomainError):
    """A staff action the rules do not allow; ``message`` says why."""


class BadInput(StaffRefused):
    """A typed answer that fails validation: the same question is asked again."""


class SessionHasBookings(StaffRefused):
    """Closing a session that holds active bookings needs a reason (told to their clerks)."""

    def __init__(self, message: str, active: int) -> None:
        super().__init__(message)
        self.active = active
