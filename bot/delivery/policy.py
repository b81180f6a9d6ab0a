"""The delivery policy as code: what a Telegram error means, and how long to wait (see ``bot.delivery``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

# httpx's names for failures that happen before the request reached the server.
_NOT_SENT_CAUSES = ("ConnectError", "ConnectTimeout", "PoolTimeout")


class Verdict(StrEnum):
    """What a failed call tells us about delivery."""

    NOT_SENT = "not_sent"  # certainly not delivered: safe to try again
    UNCERTAIN = "uncertain"  # may have been delivered: at-most-once senders stop here
    BLOCKED = "blocked"  # the user blocked the bot (403)
    REFUSED = "refused"  # Telegram refuses it for good (400)


def classify(err: BaseException) -> Verdict:
    """The row of the policy table an exception of a Bot API call belongs to."""
    if isinstance(err, RetryAfter):
        return Verdict.NOT_SENT
    if isinstance(err, Forbidden):
        return Verdict.BLOCKED
    if isinstance(err, BadRequest):
        return Verdict.REFUSED
    if isinstance(err, NetworkError) and not_sent(err):
        return Verdict.NOT_SENT
    return Verdict.UNCERTAIN


def not_sent(err: BaseException) -> bool:
    """Whether a network error happened before the request left (connection refused, pool full)."""
    if not isinstance(err, NetworkError):
        return False
    cause = err.__cause__
    names = {type(cause).__name__} if cause is not None else set()
    if isinstance(err, TimedOut) and not names:
        return False
    message = str(err)
    return any(n in names or f"httpx.{n}" in message for n in _NOT_SENT_CAUSES)


def retry_seconds(err: RetryAfter) -> float:
    """How long Telegram asked us to wait (int or timedelta, depending on PTB's setting)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_not_modified(err: TelegramError) -> bool:
    """An edit that changes nothing: the message already shows what we wanted."""
    return isinstance(err, BadRequest) and "not modified" in err.message.lower()


@dataclass(frozen=True)
class DeliveryPolicy:
    """The numbers of the policy (module docstring of ``bot.delivery``).

    ``max_retries``: how often the limiter repeats a call known undelivered (429,
    connection refused). ``backoff_*``: the outbox's wait before its n-th new attempt,
    ``first * 2**(n-1)`` capped at ``max``; the limiter's pause after a connection
    failure is ``first``. ``max_retry_after``: a longer 429 wait is not waited out
    inside the call (the caller's retry-later applies).
    """

    max_retries: int = 3
    backoff_first: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 60.0
    poll_seconds: float = 5.0  # how often the courier looks for rows nobody delivered yet

    def backoff(self, attempts: int) -> float:
        """Seconds before the next outbox attempt after ``attempts`` failed ones."""
        return float(min(self.backoff_first * 2 ** max(attempts - 1, 0), self.backoff_max))
