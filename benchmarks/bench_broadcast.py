"""A broadcast to 5,000 clerks over a Bot API that enforces 30 messages a second.

The fake Bot API answers every call after ``--latency`` and, like Telegram, refuses
with 429 (``retry_after`` 1) any message beyond 30 in the last second. A broadcast
to every clerk is stored and sent through the broadcast service's public interface
(``bot.services.broadcast.create_broadcast``, then ``bot.delivery.broadcasts.launch``),
in the real Application. Measured: the
sustained rate of accepted messages (from the first to the last), how many 429s the
bot provoked, and whether anybody got the text twice or not at all.

Targets: sustained rate ≥ 90 % of the limit; nobody twice; everybody once.
Exit status 1 if a target is missed.

    .venv/bin/python benchmarks/bench_broadcast.py [--clerks 5000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RUSH_AT, IndexedBotApi, settings_for, verdict  # noqa: E402

from bot.clock import ManualClock  # noqa: E402
from bot.delivery.broadcasts import launch  # noqa: E402
from bot.fake_telegram import ApiError  # noqa: E402
from bot.harness import Harness  # noqa: E402
from bot.services import broadcast  # noqa: E402
from bot.storage import repo  # noqa: E402

LIMIT = 30  # messages per second, as Telegram enforces for a bot
TARGET_SHARE = 0.9
TEXT = "【通知】明日上午系统维护，预约照常。"


class LimitedApi(IndexedBotApi):
    """The fake Bot API with Telegram's global limit: a message beyond ``LIMIT`` a second gets 429."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.window: deque[float] = deque()
        self.accepted: list[tuple[float, int]] = []
        self.refused = 0
        self.behaviour = self._limit

    def _limit(self, method: str, params: dict[str, Any]) -> float | ApiError:
        if method != "sendMessage":
            return self.latency
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= LIMIT:
            self.refused += 1
            return ApiError.retry_after(1)
        self.window.append(now)
        self.accepted.append((now, int(params["chat_id"])))
        return self.latency


async def run(clerks: int, latency: float, **settings: Any) -> dict[str, Any]:
    """Send one broadcast to ``clerks`` clerks; the figures of the run."""
    with tempfile.TemporaryDirectory() as tmp:
        api = LimitedApi(latency)
        # An afternoon: no 09:00 release notice to the same clerks competing for the limit.
        h = Harness(settings_for(Path(tmp) / "b.sqlite3", **settings), ManualClock(RUSH_AT.replace(hour=14)), api)
        # The Bot API's limit is the transport's here: the bot's own limiter at Telegram's rate.
        h.settings = h.settings.model_copy(update={"bot_api_max_rate": float(LIMIT)})
        await h.start()
        assert h.app is not None
        now = h.clock.now()
        async with h.deps.db.write() as conn:
            for i in range(clerks):
                unit = await repo.insert_unit(conn, f"b{i:05d}", f"单位{i}", "x", now, temporary=False)
                await repo.touch_tg_user(conn, 10_000 + i, "经办人", now)
                await repo.bind_user(conn, 10_000 + i, unit, must_set_password=False, now=now)
        for i in range(clerks):
            api.chat(10_000 + i)
        broadcast_id, recipients = await broadcast.create_broadcast(
            h.deps.db, h.clock, created_by=1, text=TEXT, audience=broadcast.Audience.ALL, day=None,
            progress_chat_id=None, progress_message_id=None)
        started = time.monotonic()
        launch(h.app, broadcast_id)
        while True:
            await asyncio.sleep(0.5)
            async with h.deps.db.read() as conn:
                row = await repo.get_broadcast(conn, broadcast_id)
                tally = await repo.broadcast_tally(conn, broadcast_id)
            if row is not None and row.status == "done":
                break
            if time.monotonic() - started > clerks / LIMIT * 3 + 60:
                break
        elapsed = time.monotonic() - started
        await h.stop()
    received = Counter(chat for _, chat in api.accepted if chat >= 10_000)
    times = [at for at, chat in api.accepted if chat >= 10_000]
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        "recipients": recipients,
        "elapsed": elapsed,
        "rate": (len(times) - 1) / span if span else 0.0,
        "refused": api.refused,
        "twice": sum(1 for n in received.values() if n > 1),
        "never": recipients - len(received),
        "tally": tally,
    }


async def main(argv: list[str] | None = None) -> int:
    """Run the broadcast and check the targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clerks", type=int, default=5_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per Bot API call")
    parser.add_argument("--rate", type=float, default=None, help="bot_broadcast_rate (default: the settings')")
    args = parser.parse_args(argv)
    logging.getLogger("bot").setLevel(logging.ERROR)
    extra = {"bot_broadcast_rate": args.rate} if args.rate else {}
    r = await run(args.clerks, args.latency, **extra)
    share = r["rate"] / LIMIT
    print(f"broadcast to {r['recipients']} clerks over a Bot API allowing {LIMIT} messages/s "
          f"({args.latency * 1000:.0f} ms per call)")
    print(f"sent in {r['elapsed']:.1f} s; sustained {r['rate']:.1f} messages/s = {share * 100:.0f} % of the limit; "
          f"{r['refused']} answered 429; tally {r['tally']}")
    print(f"received twice: {r['twice']}; never received: {r['never']}")
    missed = []
    if share < TARGET_SHARE:
        missed.append(f"sustained rate {share * 100:.0f} % of the limit (target ≥ {TARGET_SHARE * 100:.0f} %)")
    if r["twice"]:
        missed.append(f"{r['twice']} clerks received the broadcast twice")
    if r["never"]:
        missed.append(f"{r['never']} clerks never received it")
    return verdict(missed)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
