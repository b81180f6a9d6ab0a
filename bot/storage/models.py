"""Typed rows the repository returns. Plain frozen dataclasses: cheap, immutable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, NewType

from bot.rules.basket import BusinessType
from bot.rules.freeze import MismatchState
from bot.rules.states import BookingState

Actor = NewType("Actor", str)
"""Who did something, as the audit log records it: ``tg:<Telegram user id>``, ``system`` or ``cli``."""

SYSTEM = Actor("system")
CLI = Actor("cli")


def actor_of(user_id: int | None) -> Actor:
    """The actor of a Telegram user's action; ``system`` when no user acted (a job)."""
    return Actor(f"tg:{user_id}") if user_id is not None else SYSTEM


def _t(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Unit:
    """An employer's booking account (预约账户)."""

    id: int
    username: str
    name: str
    password_hash: str
    password_temporary: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Unit:
        """Build from a ``units`` row."""
        return cls(
            row["id"], row["username"], row["name"], row["password_hash"],
            bool(row["password_temporary"]), datetime.fromisoformat(row["created_at"]),
        )


@dataclass(frozen=True)
class TgUser:
    """A Telegram user known to the bot, and the unit it is bound to, if any."""

    user_id: int
    first_name: str
    unit_id: int | None
    must_set_password: bool
    notice_version: str | None
    release_notice: bool
    blocked_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> TgUser:
        """Build from a ``tg_users`` row."""
        return cls(
            row["user_id"], row["first_name"], row["unit_id"], bool(row["must_set_password"]),
            row["notice_version"], bool(row["release_notice"]), _dt(row["blocked_at"]),
        )

    def needs_notice(self, version: str) -> bool:
        """Whether this user has yet to accept ``version`` of the booking notice (SPEC §5.1)."""
        return self.notice_version != version


@dataclass(frozen=True)
class Booking:
    """An appointment held by a unit in one session of one date."""

    id: int
    code: str
    unit_id: int
    date: date
    session: str
    minutes: int
    state: BookingState
    contact_name: str
    contact_phone: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    ended_reason: str | None
    receipt_chat_id: int | None
    receipt_message_id: int | None

    @classmethod
    def from_row(cls, row: Any) -> Booking:
        """Build from a ``bookings`` row."""
        return cls(
            row["id"], row["code"], row["unit_id"], date.fromisoformat(row["date"]),
            row["session"], row["minutes"], BookingState(row["state"]), row["contact_name"],
            row["contact_phone"], row["created_by"], datetime.fromisoformat(row["created_at"]),
            datetime.fromisoformat(row["updated_at"]), row["ended_reason"],
            row["receipt_chat_id"], row["receipt_message_id"],
        )


@dataclass(frozen=True)
class Item:
    """One item (applicant) of a booking."""

    id: int
    booking_id: int
    business: BusinessType
    ordinal: int
    applicant_name: str | None
    id_type: str | None
    id_number: str | None
    phone: str | None
    permit_number: str | None
    change_description: str | None
    filled_at: datetime | None
    review: str | None
    review_reason: str | None
    reviewed_at: datetime | None

    @property
    def filled(self) -> bool:
        """Whether the applicant data has been saved."""
        return self.filled_at is not None

    @classmethod
    def from_row(cls, row: Any) -> Item:
        """Build from a ``booking_items`` row."""
        return cls(
            row["id"], row["booking_id"], BusinessType(row["business"]), row["ordinal"],
            row["applicant_name"], row["id_type"], row["id_number"], row["phone"],
            row["permit_number"], row["change_description"], _dt(row["filled_at"]),
            row["review"], row["review_reason"], _dt(row["reviewed_at"]),
        )


@dataclass(frozen=True)
class ReviewedItem:
    """An item of a finished booking as 已办理预约 shows it: its applicant and review result."""

    business: BusinessType
    ordinal: int
    applicant_name: str | None
    review: str | None
    review_reason: str | None


@dataclass(frozen=True)
class FinishedBooking:
    """A served or no-show booking as 已办理预约 lists it (``finished_bookings``, migration 0019)."""

    id: int
    code: str
    date: date
    session: str
    state: BookingState


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor: Actor
    entity: str
    entity_id: str
    action: str
    before: str | None
    after: str | None

    @classmethod
    def from_row(cls, row: Any) -> AuditEntry:
        """Build from an ``audit_log`` row."""
        return cls(
            row["id"], datetime.fromisoformat(row["at"]), row["actor"], row["entity"],
            row["entity_id"], row["action"], row["before"], row["after"],
        )


@dataclass(frozen=True)
class BroadcastRow:
    """One stored broadcast (SPEC §11)."""

    id: int
    created_by: int
    text: str
    audience: str  # 'all' or 'date'
    audience_date: date | None
    status: str  # 'queued', 'sending', 'done'
    created_at: datetime
    finished_at: datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclass(frozen=True)
class ArrivalRow:
    """A booking's arrival facts."""

    booking_id: int
    queue_seq: int
    promised: time | None
    token: str
    checked_in_at: datetime | None
    checked_in_by: int | None
    served_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> ArrivalRow:
        """Build from a ``booking_arrivals`` row."""
        return cls(
            row["booking_id"], row["queue_seq"], _t(row["promised_at"]), row["checkin_token"],
            _dt(row["checked_in_at"]), row["checked_in_by"], _dt(row["served_at"]),
        )


@dataclass(frozen=True)
class BookingCard:
    """A booking with what its card shows beside it, read in one statement (``booking_card``)."""

    booking: Booking
    unit_name: str
    evaluation: tuple[int, str] | None  # (rating, comment) once rated
    revision: int  # its audit lines: grows with every change
    arrival: ArrivalRow | None


@dataclass(frozen=True)
class Mismatch:
    """One item's 材料不符 and where it stands (SPEC §8, ``bot.rules.freeze``)."""

    id: int
    unit_id: int
    booking_id: int | None
    item_id: int | None  # None only for counts kept from before per-item states
    state: MismatchState
    given_at: datetime
    given_by: int | None
    corrected_at: datetime | None
    counted_at: datetime | None
    month: str | None  # 'YYYY-MM' while counted
    withdrawn_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Mismatch:
        """Build from a ``mismatches`` row."""
        return cls(
            row["id"], row["unit_id"], row["booking_id"], row["item_id"], MismatchState(row["state"]),
            datetime.fromisoformat(row["given_at"]), row["given_by"], _dt(row["corrected_at"]),
            _dt(row["counted_at"]), row["month"], _dt(row["withdrawn_at"]),
        )
