"""The business-count control shared by the booking basket and 改数量 (issue 10 item 4).

Names and counts are in the message text, one line per type; the buttons only say
「－ 新办」 / 「＋ 新办」, two to a row, so every label fits a phone (``bot.texts.width``).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.rules.basket import BusinessType


def plus_label(business: BusinessType) -> str:
    """The + button of one business type."""
    return f"＋ {business.label}"


def minus_label(business: BusinessType) -> str:
    """The − button of one business type."""
    return f"－ {business.label}"


def count_lines(counts: Mapping[BusinessType, int]) -> list[str]:
    """新办（15分钟/个）：1个 — one line per business type, every type listed."""
    return [f"{b.label}（{b.minutes}分钟/个）：{counts.get(b, 0)}个" for b in BusinessType]
