"""The 09:00 rush through the real Application: N clerks press 「确定」 at once.

Every clerk is first walked to the confirmation dialogue (notice, contact, basket,
availability, slot) through the real handlers. Then all presses are queued at the
same instant and processed by the application's update processor (per-user order,
cross-user concurrency) over a fake Bot API that answers each call after a
simulated network latency. Measured: time until every clerk has an answer,
latency percentiles, bookings made vs capacity, peak memory.

The Bot API rate limit is lifted here to measure the bot itself; with Telegram's
~30 messages/s the receipts of N clerks need about 3·N/30 s more (3 messages each).
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import ManualClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.harness import Harness  # noqa: E402
from bot.notice import NOTICE_VERSION  # noqa: E402
from bot.rules.tz import TZ  # noqa: E402
from bot.storage import repo  # noqa: E402

CLERKS = 300
LATENCY = 0.05  # seconds per Bot API call
TARGET_SECONDS = 10.0
TARGET_P95 = 6.0
TARGET_RSS_MIB = 400


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, bot_token="1:X", bot_db_path=Path(tmp) / "b.sqlite3",  # type: ignore[call-arg]
                            bot_api_max_rate=100_000, bot_argon2_memory_kib=1024, bot_argon2_time_cost=1)
        clock = ManualClock(datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
        h = await Harness(settings, clock).start()
        db, now = h.deps.db, clock.now()
        async with db.write() as conn:
            await repo.set_slot_capacity(conn, datetime(2026, 12, 2).date(), "am", 15 * CLERKS // 3)
            for i in range(CLERKS):
                unit = await repo.insert_unit(conn, f"u{i:04d}", f"单位{i}", "x", now, temporary=False)
                await repo.touch_tg_user(conn, 10_000 + i, "经办人", now)
                await repo.bind_user(conn, 10_000 + i, unit, must_set_password=False, now=now)
                await repo.set_notice_version(conn, 10_000 + i, NOTICE_VERSION, now)
        users = [h.user(10_000 + i) for i in range(CLERKS)]
        t_setup = time.perf_counter()
        for user in users:
            await user.command("book")
            await user.press("填写经办人信息")
            await user.send("李雷")
            await user.send("13800138000")
            await user.press_data("bk:add:new")
            await user.press("查询可预约信息")
            await user.press("12月2日（周三）上午")
        setup_s = time.perf_counter() - t_setup

        answered: dict[int, float] = {}

        async def latency(method: str, params: dict[str, Any]) -> float:
            if method in ("sendMessage", "editMessageText") and "chat_id" in params:
                answered.setdefault(int(params["chat_id"]), time.perf_counter())
            return LATENCY

        h.api.behaviour = latency
        confirms = [u.callback_update("bk:confirm", u.last) for u in users]
        start = time.perf_counter()
        for update in confirms:
            await h.app.update_queue.put(update)
        await asyncio.wait_for(h.app.update_queue.join(), 120)
        elapsed = time.perf_counter() - start
        async with db.read() as conn:
            booked = await repo.bookings_on(conn, datetime(2026, 12, 2).date())
            used = (await repo.slot_usage(conn, [datetime(2026, 12, 2).date()]))[(datetime(2026, 12, 2).date(), "am")].used
        await h.stop()

    waits = sorted(t - start for t in answered.values())
    p50, p95 = statistics.median(waits), waits[int(len(waits) * 0.95) - 1]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    capacity = 15 * CLERKS // 3
    print(f"clerks={CLERKS} api_latency={LATENCY * 1000:.0f}ms setup={setup_s:.1f}s")
    print(f"all answered in {elapsed:.2f}s; first answer p50={p50 * 1000:.0f}ms p95={p95 * 1000:.0f}ms")
    print(f"booked={len(booked)} minutes used={used}/{capacity} answered={len(answered)}/{CLERKS} peak_rss={rss:.0f}MiB")
    ok = (len(answered) == CLERKS and used == capacity == 15 * len(booked) and elapsed < TARGET_SECONDS
          and p95 < TARGET_P95 and rss < TARGET_RSS_MIB)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
