"""What the benchmarks share: settings, a fake Bot API indexed per chat, CPU and RSS readings.

The fake Bot API of the tests scans every message to find a chat's newest one;
at thousands of clerks that scan would dominate what we measure, so the
benchmarks use ``IndexedBotApi``, which keeps each chat's bot messages in a list.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.fake_telegram import FakeBotApi, FakeMessage  # noqa: E402
from bot.rules.tz import TZ  # noqa: E402

# The rush morning: Tuesday 2026-12-01 09:00, the first bookable day Wednesday 12-02.
RUSH_AT = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
RUSH_DAY = date(2026, 12, 2)


def settings_for(db_path: Path, **extra: Any) -> Settings:
    """Settings for a benchmark bot: no Bot API rate limit (we measure the bot), cheap hashing."""
    return Settings(_env_file=None, bot_token="1:X", bot_db_path=db_path,  # type: ignore[call-arg]
                    bot_api_max_rate=1_000_000, bot_argon2_memory_kib=1024, bot_argon2_time_cost=1, **extra)


class IndexedBotApi(FakeBotApi):
    """The recording fake Bot API with each chat's bot messages indexed (no full scans)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_chat: dict[int, list[FakeMessage]] = {}

    def _store(self, chat_id: Any, **fields: Any) -> dict[str, Any]:
        result = super()._store(chat_id, **fields)
        self.by_chat.setdefault(int(chat_id), []).append(self.messages[result["message_id"]])
        return result

    def messages_in(self, chat_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        """The bot's messages of a chat (user messages are not indexed: clerks only read the bot)."""
        return [m for m in self.by_chat.get(chat_id, []) if include_deleted or not m.deleted]

    def find_button(self, chat_id: int, label: str) -> tuple[FakeMessage, str] | None:
        """The newest bot message of the chat with a button whose label contains ``label``."""
        for msg in reversed(self.by_chat.get(chat_id, [])):
            if msg.deleted:
                continue
            for text, data in msg.buttons:
                if label in text:
                    return msg, data
        return None

    def newest(self, chat_id: int) -> FakeMessage | None:
        """The chat's newest bot message."""
        msgs = [m for m in self.by_chat.get(chat_id, []) if not m.deleted]
        return msgs[-1] if msgs else None


def peak_rss_mib() -> float:
    """The process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of the whole process (every thread: the event loop and SQLite's)."""
    return time.process_time()


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values`` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
