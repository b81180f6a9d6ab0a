"""Booking states and their legal transitions, as a table.

A booking is *held* from the moment it is confirmed. While the applicant data of its
items is incomplete it is 待完善信息 (INCOMPLETE); once every item is filled it is
待办理 (PENDING). Editing counts upward can send it back to INCOMPLETE. On the day
staff mark it 已办理 (SERVED) or 未到 (NO_SHOW). Before that it may end as 已取消
(CANCELLED: by the clerk, or because the centre closed the date), 已释放 (RELEASED:
still incomplete at the change deadline) or 已撤销 (REVOKED: by staff, with a reason).

Every terminal state is final. ``transition`` refuses anything not in the table by
raising IllegalTransition and leaves the caller's state as it was.
"""

from __future__ import annotations

from enum import StrEnum

from bot.errors import IllegalTransition


class BookingState(StrEnum):
    """A booking's state; the value is the stable key stored in the database."""

    INCOMPLETE = "incomplete"
    PENDING = "pending"
    SERVED = "served"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    RELEASED = "released"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        """The Chinese name users see."""
        return _LABELS[self]

    @property
    def is_active(self) -> bool:
        """Held and not yet finished: it counts as the unit's booking of that date."""
        return self in ACTIVE_STATES


_LABELS = {
    BookingState.INCOMPLETE: "待完善信息",
    BookingState.PENDING: "待办理",
    BookingState.SERVED: "已办理",
    BookingState.NO_SHOW: "未到",
    BookingState.CANCELLED: "已取消",
    BookingState.RELEASED: "已释放",
    BookingState.REVOKED: "已撤销",
}

ACTIVE_STATES = frozenset({BookingState.INCOMPLETE, BookingState.PENDING})
# Served and no-show bookings keep their minutes: the time was really given out.
CAPACITY_STATES = ACTIVE_STATES | {BookingState.SERVED, BookingState.NO_SHOW}

S = BookingState
TRANSITIONS: dict[tuple[BookingState, str], BookingState] = {
    (S.INCOMPLETE, "complete"): S.PENDING,
    (S.PENDING, "reopen"): S.INCOMPLETE,
    (S.INCOMPLETE, "cancel"): S.CANCELLED,
    (S.PENDING, "cancel"): S.CANCELLED,
    (S.INCOMPLETE, "release"): S.RELEASED,
    (S.INCOMPLETE, "revoke"): S.REVOKED,
    (S.PENDING, "revoke"): S.REVOKED,
    (S.PENDING, "serve"): S.SERVED,
    (S.PENDING, "no_show"): S.NO_SHOW,
    (S.INCOMPLETE, "no_show"): S.NO_SHOW,
}
del S

EVENTS = frozenset(event for _, event in TRANSITIONS)


def transition(state: BookingState, event: str) -> BookingState:
    """Return the state after ``event``, or raise IllegalTransition."""
    try:
        return TRANSITIONS[(BookingState(state), event)]
    except (KeyError, ValueError):
        raise IllegalTransition(f"预约当前状态为「{BookingState(state).label}」，不能执行此操作。") from None


def allowed_events(state: BookingState) -> frozenset[str]:
    """The events the table allows from ``state``."""
    return frozenset(e for (s, e) in TRANSITIONS if s == state)
