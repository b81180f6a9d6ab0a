"""What the benchmarks share: settings, a fake Bot API indexed per chat, CPU and RSS readings.

The fake Bot API of the tests scans every message to find a chat's newest one;
at thousands of clerks that scan would dominate what we measure, so the
benchmarks use ``IndexedBotApi``, which keeps each chat's bot messages in a list.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.request import RequestData  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.errors import FakeBadRequest  # noqa: E402
from bot.fake_telegram import ApiError, FakeBotApi, FakeMessage, FakeUser  # noqa: E402
from bot.gc_tuning import tune_for_serving  # noqa: E402
from bot.rules.tz import TZ  # noqa: E402

# The rush morning: Tuesday 2026-12-01 09:00, the first bookable day Wednesday 12-02.
RUSH_AT = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
RUSH_DAY = date(2026, 12, 2)


def settings_for(db_path: Path, **extra: Any) -> Settings:
    """Settings for a benchmark bot: no Bot API rate limit (we measure the bot), cheap hashing."""
    return Settings(_env_file=None, bot_token="1:X", bot_db_path=db_path,  # type: ignore[call-arg]
                    bot_api_max_rate=1_000_000, bot_argon2_memory_kib=1024, bot_argon2_time_cost=1, **extra)


class IndexedBotApi(FakeBotApi):
    """The fake Bot API with each chat's bot messages indexed (no full scans), for load.

    It keeps no call log, and it counts the CPU it spends answering (``server_cpu``):
    that is Telegram's work, not the bot's, and the benchmarks subtract it (as they
    subtract the simulated clerks' own work, ``client_cpu``) from what they measure.
    """

    def __init__(self) -> None:
        super().__init__()
        self.by_chat: dict[int, list[FakeMessage]] = {}
        self.server_cpu = 0.0
        self.client_cpu = 0.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        """Answer one call like ``FakeBotApi`` does (after the behaviour's delay), timing our own CPU."""
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        started = time.thread_time()
        files: dict[str, tuple[str, bytes]] = {}
        if request_data and request_data.contains_files:
            for name, part in (request_data.multipart_data or {}).items():
                if isinstance(part, tuple):
                    files[name] = (part[0], part[1] if isinstance(part[1], bytes) else bytes(part[1]))
        outcome = self.behaviour(api_method, params) if self.behaviour is not None else None
        self.server_cpu += time.thread_time() - started
        if isinstance(outcome, (int, float)) and not isinstance(outcome, bool):
            await asyncio.sleep(outcome)
        elif isinstance(outcome, ApiError):
            body = {"ok": False, "error_code": outcome.status, "description": outcome.description}
            if outcome.parameters:
                body["parameters"] = outcome.parameters
            return outcome.status, json.dumps(body).encode()
        started = time.thread_time()
        try:
            handler = getattr(self, f"_api_{api_method.lower()}")
            try:
                return 200, json.dumps({"ok": True, "result": handler(params, files)}).encode()
            except FakeBadRequest as err:
                return 400, json.dumps({"ok": False, "error_code": 400, "description": f"Bad Request: {err}"}).encode()
        finally:
            self.server_cpu += time.thread_time() - started

    def _store(self, chat_id: Any, **fields: Any) -> dict[str, Any]:
        result = super()._store(chat_id, **fields)
        self.by_chat.setdefault(int(chat_id), []).append(self.messages[result["message_id"]])
        return result

    def messages_in(self, chat_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        """The bot's messages of a chat (user messages are not indexed: clerks only read the bot)."""
        return [m for m in self.by_chat.get(chat_id, []) if include_deleted or not m.deleted]

    def find_button(self, chat_id: int, label: str) -> tuple[FakeMessage, str] | None:
        """The newest bot message of the chat with a button whose label contains ``label``."""
        started = time.thread_time()
        try:
            for msg in reversed(self.by_chat.get(chat_id, [])):
                if msg.deleted:
                    continue
                for text, data in msg.buttons:
                    if label in text:
                        return msg, data
            return None
        finally:
            self.client_cpu += time.thread_time() - started

    def find_data(self, chat_id: int, data: str) -> FakeMessage | None:
        """The newest bot message of the chat with a button carrying exactly ``data``."""
        started = time.thread_time()
        try:
            for msg in reversed(self.by_chat.get(chat_id, [])):
                if not msg.deleted and any(d == data for _, d in msg.buttons):
                    return msg
            return None
        finally:
            self.client_cpu += time.thread_time() - started

    def newest(self, chat_id: int) -> FakeMessage | None:
        """The chat's newest bot message."""
        msgs = [m for m in self.by_chat.get(chat_id, []) if not m.deleted]
        return msgs[-1] if msgs else None


_ids = itertools.count(1)


def text_update(api: IndexedBotApi, user: FakeUser, text: str) -> Update:
    """A typed message from ``user``, as Telegram would deliver it (building it is the clerk's CPU)."""
    started = time.thread_time()
    data: dict[str, Any] = {"message_id": api.next_id(), "date": int(time.time()), "chat": api.chats[user.chat_id],
                            "from": user.user_json, "text": text}
    if text.startswith("/"):
        data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    payload = {"update_id": next(_ids), "message": data}
    api.client_cpu += time.thread_time() - started
    return Update.de_json(payload, user.app.bot)


def press_update(api: IndexedBotApi, user: FakeUser, data: str, message: FakeMessage) -> Update:
    """A press of a button carrying ``data`` on ``message``, as Telegram would deliver it."""
    started = time.thread_time()
    query = {"id": str(next(_ids) + 10_000_000), "from": user.user_json, "chat_instance": f"ci{user.chat_id}",
             "data": data, "message": message.to_api(api.bot_user, api.chats[user.chat_id])}
    payload = {"update_id": next(_ids), "callback_query": query}
    api.client_cpu += time.thread_time() - started
    return Update.de_json(payload, user.app.bot)


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


class ServingProcess:
    """Run as ``python -m bot run`` runs: the serving garbage-collector settings (``bot.gc_tuning``).

    A benchmark's ``main`` turns it on; both sides of a comparison (the bot and PTB's
    floor, which share the process) then run with them, each side frozen after its
    own start-up. Scenarios called from the test suite keep CPython's defaults.
    """

    on = False

    @classmethod
    def started(cls) -> None:
        """A side finished starting up: tune the collector, if serving."""
        if cls.on:
            tune_for_serving()


def verdict(missed: list[str]) -> int:
    """Print each missed target and PASS or FAIL; the exit status (1 if a target was missed)."""
    for m in missed:
        print(f"MISSED: {m}")
    print("PASS" if not missed else "FAIL")
    return 0 if not missed else 1
