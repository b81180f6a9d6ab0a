"""The one timezone of the product: every instant is Asia/Shanghai (SPEC intro)."""

from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
