"""材料不符 mismatches, when they count, and the monthly freeze (SPEC §8; 须知 §九).

The seed freezes a unit whose 「线上提交材料与预约信息不符，且未及时修改预约信息情形累计达到3次
（不含）以上」. A 材料不符 review result is therefore not counted when it is given; it
is a per-item *mismatch* with a state of its own:

==========  ===============================================================
state       meaning
==========  ===============================================================
pending     given by staff, not corrected yet; counts if still so at the
            booking's change deadline (SPEC §7)
corrected   the clerk corrected the item and pressed 「已更正，请复核」 before the
            deadline; awaits staff's re-review; never counts by itself
counted     stood at the deadline (or was given after it): one of the
            month's mismatches
withdrawn   staff changed the item's result to something else (通过 after a
            correction, 不通过, or a mis-tap put right); counts for nothing
==========  ===============================================================

Events and the transition table (:data:`TRANSITIONS`; ``None`` is "no mismatch yet"):

* ``give`` — staff mark the item 材料不符 before the change deadline;
* ``give_late`` — the same at or after the deadline: nothing can be corrected any more,
  so it counts at once;
* ``correct`` — the clerk presses 「已更正，请复核」 (before the deadline only);
* ``clear`` — staff give the item any other result;
* ``deadline`` — the change deadline of the booking passes;
* ``void`` — the deadline passes on a booking the clerk cancelled before it: no
  appointment is left for the mismatched materials to be brought to **(our decision)**.

A counted mismatch is counted once per item: giving 材料不符 again changes nothing. An
illegal event raises :class:`MismatchError` and the state stays as it was.

**Which month.** A counted mismatch belongs to the month of the instant it counted:
the change deadline (00:00 after the last working day before the appointment) for one
that stood until then, the instant it was given for a late one (:func:`counted_at`).
Up to :data:`MISMATCH_LIMIT` counted mismatches in a calendar month (Asia/Shanghai) are
tolerated; the next one freezes new bookings for the rest of that month, and the unit
may book again from 00:00 on the 1st of the next month. Existing bookings stand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final, Literal

from bot.errors import MismatchError
from bot.rules.tz import TZ

MISMATCH_LIMIT: Final = 3


class MismatchState(StrEnum):
    """Where one item's 材料不符 stands (stable ASCII keys, stored in ``mismatches.state``)."""

    PENDING = "pending"
    CORRECTED = "corrected"
    COUNTED = "counted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The state in Chinese, as staff and clerks read it."""
        return _LABELS[self]


_LABELS: Final = {
    MismatchState.PENDING: "待更正",
    MismatchState.CORRECTED: "已更正，待复核",
    MismatchState.COUNTED: "已计入本月次数",
    MismatchState.WITHDRAWN: "已撤销，不计入",
}

MismatchEvent = Literal["give", "give_late", "correct", "clear", "deadline", "void"]

P, C, N, W = MismatchState.PENDING, MismatchState.CORRECTED, MismatchState.COUNTED, MismatchState.WITHDRAWN

TRANSITIONS: Final[dict[tuple[MismatchState | None, MismatchEvent], MismatchState]] = {
    (None, "give"): P,
    (None, "give_late"): N,
    (P, "give"): P,
    (P, "give_late"): N,
    (C, "give"): P,
    (C, "give_late"): N,
    (N, "give"): N,
    (N, "give_late"): N,
    (W, "give"): P,
    (W, "give_late"): N,
    (P, "correct"): C,
    (P, "clear"): W,
    (C, "clear"): W,
    (N, "clear"): W,
    (P, "deadline"): N,
    (C, "deadline"): C,
    (P, "void"): W,
    (C, "void"): W,
}


_REFUSALS: Final = {
    "correct": "该项目当前没有待更正的“材料不符”结果。",
}


def transition(state: MismatchState | None, event: MismatchEvent) -> MismatchState:
    """The state after ``event``; raises MismatchError (state unchanged) if not allowed."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise MismatchError(_REFUSALS.get(event, "该操作已失效。")) from None


def give_event(now: datetime, deadline: datetime) -> MismatchEvent:
    """``give`` before the booking's change deadline, ``give_late`` at or after it."""
    return "give" if _aware(now) < deadline else "give_late"


def correct(state: MismatchState | None, now: datetime, deadline: datetime) -> MismatchState:
    """The clerk's 「已更正，请复核」: only a pending mismatch, only before the deadline."""
    if _aware(now) >= deadline:
        raise MismatchError("已过修改截止时间，无法再更正；如有特殊情况请联系中心。")
    return transition(state, "correct")


def counted_at(given_at: datetime, deadline: datetime) -> datetime:
    """The instant a mismatch counts: its deadline, or when it was given if that was later."""
    return max(given_at, deadline)


def due_for_count(state: MismatchState, now: datetime, deadline: datetime) -> bool:
    """Whether the deadline event is due: a pending mismatch whose deadline has passed."""
    return state is MismatchState.PENDING and _aware(now) >= deadline


@dataclass(frozen=True)
class FreezeStatus:
    """A unit's mismatch standing at one instant."""

    count: int  # counted mismatches in the current calendar month
    limit: int
    frozen: bool
    until: datetime | None  # when the freeze lifts (tz-aware), if frozen: the 1st of next month

    @property
    def remaining(self) -> int:
        """How many more counted mismatches this month freeze the unit (0 once frozen)."""
        return max(self.limit + 1 - self.count, 0)

    @property
    def display(self) -> str:
        """Where the unit stands, as 我的账户 and every mismatch message say it."""
        if self.frozen:
            return f"本月已计{self.count}次，本月预约权限已冻结，次月1日起可再次预约"
        return f"本月已计{self.count}次；再有{self.remaining}次将冻结本月预约权限"


@dataclass(frozen=True)
class MismatchChange:
    """What one review did to an item's mismatch, and where the unit stands after it."""

    before: MismatchState | None
    after: MismatchState | None
    freeze: FreezeStatus  # the unit's standing after the review
    newly_frozen: bool
    deadline: datetime  # the booking's change deadline

    @property
    def changed(self) -> bool:
        """Whether the mismatch state moved."""
        return self.before != self.after


def month_start(now: datetime) -> datetime:
    """00:00 on the 1st of ``now``'s month, Asia/Shanghai."""
    local = now.astimezone(TZ)
    return datetime(local.year, local.month, 1, tzinfo=TZ)


def next_month_start(now: datetime) -> datetime:
    """00:00 on the 1st of the month after ``now``'s, Asia/Shanghai."""
    local = now.astimezone(TZ)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=TZ)


def freeze_status(counted: Iterable[datetime], now: datetime) -> FreezeStatus:
    """The unit's standing at ``now`` given the instants its mismatches counted."""
    _aware(now)
    start, end = month_start(now), next_month_start(now)
    count = sum(1 for at in counted if start <= at.astimezone(TZ) < end)
    frozen = count > MISMATCH_LIMIT
    return FreezeStatus(count, MISMATCH_LIMIT, frozen, end if frozen else None)


def month_key(day: date | datetime) -> str:
    """The calendar month a date or instant falls in, as 'YYYY-MM' (Asia/Shanghai)."""
    if isinstance(day, datetime):
        day = day.astimezone(TZ).date()
    return f"{day.year:04d}-{day.month:02d}"


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now
