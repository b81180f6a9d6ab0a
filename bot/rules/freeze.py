"""Mismatch counting and the monthly freeze (SPEC §8; 须知 §九).

Each 材料不符 review result counts as one mismatch for the unit, in the calendar
month (Asia/Shanghai) it was recorded. Up to 3 in a month are tolerated; the 4th
("累计达到3次（不含）以上") freezes new bookings for the rest of that month. The unit
unfreezes by itself at 00:00 on the 1st of the next month. Existing bookings stand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.rules.tz import TZ

MISMATCH_LIMIT = 3


@dataclass(frozen=True)
class FreezeStatus:
    """A unit's mismatch standing at one instant."""

    count: int  # mismatches in the current calendar month
    limit: int
    frozen: bool
    until: datetime | None  # when the freeze lifts (tz-aware), if frozen

    @property
    def display(self) -> str:
        """The month's count as shown in 我的账户, e.g. 2/3."""
        return f"{self.count}/{self.limit}"


def month_start(now: datetime) -> datetime:
    """00:00 on the 1st of ``now``'s month, Asia/Shanghai."""
    local = now.astimezone(TZ)
    return datetime(local.year, local.month, 1, tzinfo=TZ)


def next_month_start(now: datetime) -> datetime:
    """00:00 on the 1st of the month after ``now``'s, Asia/Shanghai."""
    local = now.astimezone(TZ)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=TZ)


def freeze_status(mismatches: Iterable[datetime], now: datetime) -> FreezeStatus:
    """The unit's standing at ``now`` given the instants its mismatches were recorded."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    start, end = month_start(now), next_month_start(now)
    count = sum(1 for at in mismatches if start <= at.astimezone(TZ) < end)
    frozen = count > MISMATCH_LIMIT
    return FreezeStatus(count, MISMATCH_LIMIT, frozen, end if frozen else None)


def month_key(day: date | datetime) -> str:
    """The calendar month a date or instant falls in, as 'YYYY-MM' (Asia/Shanghai)."""
    if isinstance(day, datetime):
        day = day.astimezone(TZ).date()
    return f"{day.year:04d}-{day.month:02d}"
