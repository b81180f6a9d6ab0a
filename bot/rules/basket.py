"""Business types and the basket of items one booking holds (SPEC §2).

Each business type takes a fixed number of service minutes per item. A booking holds
at least one item and at most 60 minutes in total (「预约总时长不超过60分钟」). Counts
are whole numbers ≥ 0; a type with count 0 is simply absent.

工作居住证开户 and 单位跨区信息变更 are not bookable at all: they are filed directly in
the city permit system, so they have no member here (texts explain that to users).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from bot.errors import BasketError

MAX_MINUTES = 60


class BusinessType(StrEnum):
    """A bookable business type; the value is the stable key stored in the database."""

    NEW = "new"
    RENEW = "renew"
    PERSON_CHANGE = "person_change"
    EMPLOYER_CHANGE = "employer_change"

    @property
    def label(self) -> str:
        """The Chinese name shown to users (业务种类)."""
        return _LABELS[self]

    @property
    def minutes(self) -> int:
        """Service minutes one item of this type takes."""
        return _MINUTES[self]

    @property
    def covers(self) -> str:
        """What the type covers, in the notice's words (须知 §三)."""
        return _COVERS[self]


_LABELS = {
    BusinessType.NEW: "新办",
    BusinessType.RENEW: "续办",
    BusinessType.PERSON_CHANGE: "个人信息变更",
    BusinessType.EMPLOYER_CHANGE: "单位信息变更",
}
_MINUTES = {
    BusinessType.NEW: 15,
    BusinessType.RENEW: 10,
    BusinessType.PERSON_CHANGE: 5,
    BusinessType.EMPLOYER_CHANGE: 5,
}
_COVERS = {
    BusinessType.NEW: "申请工作居住证",
    BusinessType.RENEW: "申请证件续签",
    BusinessType.PERSON_CHANGE: "证件基础信息变更、证件业务信息变更",
    BusinessType.EMPLOYER_CHANGE: "聘用单位变更",
}


def _checked_counts(counts: Mapping[BusinessType, int]) -> dict[BusinessType, int]:
    """Normalise counts to known types with whole counts ≥ 0, or raise BasketError."""
    clean: dict[BusinessType, int] = {}
    for key, count in counts.items():
        try:
            business = BusinessType(key)
        except ValueError:
            raise BasketError("不支持的业务种类。") from None
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise BasketError("办理数量须为不小于0的整数。")
        if count:
            clean[business] = clean.get(business, 0) + count
    return clean


def raw_minutes(counts: Mapping[BusinessType, int]) -> int:
    """Total minutes of the counts without enforcing the cap (for live totals)."""
    return sum(b.minutes * n for b, n in _checked_counts(counts).items())


def basket_minutes(counts: Mapping[BusinessType, int]) -> int:
    """Total service minutes of a bookable basket.

    Raises BasketError when the basket is empty, holds a bad count, or exceeds 60 minutes.
    """
    clean = _checked_counts(counts)
    if not clean:
        raise BasketError("请至少选择一项业务。")
    total = sum(b.minutes * n for b, n in clean.items())
    if total > MAX_MINUTES:
        raise BasketError(f"预约总时长不超过{MAX_MINUTES}分钟，当前为{total}分钟，请减少办理数量。")
    return total


def can_add(counts: Mapping[BusinessType, int], business: BusinessType) -> bool:
    """Whether one more item of ``business`` still fits within the 60-minute cap."""
    return raw_minutes(counts) + business.minutes <= MAX_MINUTES


def item_slots(counts: Mapping[BusinessType, int]) -> list[tuple[BusinessType, int, int]]:
    """The basket's items in display order as (type, ordinal, count of that type).

    E.g. {NEW: 1, RENEW: 2} → [(NEW, 1, 1), (RENEW, 1, 2), (RENEW, 2, 2)], which the
    applicant step shows as 新办 1/1, 续办 1/2, 续办 2/2.
    """
    clean = _checked_counts(counts)
    return [(b, i, clean[b]) for b in BusinessType if b in clean for i in range(1, clean[b] + 1)]
