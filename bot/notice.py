"""The notice (预约须知) clerks accept before booking, and its version.

The text is the current 「需知」 from the seed document (bot/data/notice.txt, only
re-flowed for a phone screen). Its version is a hash of the text: when the text
changes, every clerk is asked to accept it again (SPEC §5, our decision).
"""

from __future__ import annotations

import hashlib
from importlib import resources

NOTICE_TEXT = resources.files("bot").joinpath("data/notice.txt").read_text(encoding="utf-8").strip()
NOTICE_VERSION = hashlib.sha256(NOTICE_TEXT.encode("utf-8")).hexdigest()[:16]
ACCEPT_LABEL = "我已认真阅读并接受以上协议"
FULL_TEXT_LABEL = "查看须知全文"


def digest() -> str:
    """The one-line reminder shown instead of the full text once accepted."""
    return "预约须知：已阅读并接受（可约次日起5个工作日；须于办理日前1个工作日24:00前修改或取消；材料不符当月超过3次将冻结预约）。"
