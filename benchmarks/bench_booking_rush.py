"""The 09:00 rush at the storage layer: many units confirm at the same instant.

1000 units each try to book one item in one of 10 sessions (5 dates × 2) whose
capacity sells out, through four Database instances (as four processes would).
Reports throughput, latency percentiles and peak memory; exits 1 if a target is
missed or a session is oversold.
"""

from __future__ import annotations

import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import ManualClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.errors import DomainError
from bot.rules.basket import BusinessType  # noqa: E402
from bot.rules.tz import TZ  # noqa: E402
from bot.services.booking import BookingService  # noqa: E402
from bot.storage import repo  # noqa: E402
from bot.storage.db import Database  # noqa: E402

UNITS = 1000
TARGET_SECONDS = 10.0
TARGET_P95 = 5.0
TARGET_RSS_MIB = 300


async def main() -> int:
    from datetime import datetime

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        settings = Settings(_env_file=None, bot_db_path=path)  # type: ignore[call-arg]
        clock = ManualClock(datetime(2026, 12, 1, 9, 0, 0, tzinfo=TZ))
        dbs = [Database(path) for _ in range(4)]
        for db in dbs:
            await db.open()
        await dbs[0].migrate()
        async with dbs[0].write() as conn:
            units = [await repo.insert_unit(conn, f"u{i:04d}", f"单位{i}", "x", clock.now()) for i in range(UNITS)]
        services = [BookingService(db, settings, clock) for db in dbs]
        days = [date(2026, 12, d) for d in (2, 3, 4, 7, 8)]
        rng = random.Random(1)
        latencies: list[float] = []
        outcomes = {"booked": 0, "refused": 0}

        async def taker(i: int, unit: int) -> None:
            day, session = rng.choice(days), rng.choice(["am", "pm"])
            t0 = time.perf_counter()
            try:
                await services[i % 4].book(unit_id=unit, user_id=unit, day=day, session=session,
                                           counts={BusinessType.NEW: 1}, contact_name="张三",
                                           contact_phone="13800138000")
                outcomes["booked"] += 1
            except DomainError:
                outcomes["refused"] += 1
            latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(taker(i, u) for i, u in enumerate(units)))
        elapsed = time.perf_counter() - t0
        oversold = []
        async with dbs[0].read() as conn:
            for day in days:
                usage = await repo.slot_usage(conn, [day])
                for session in ("am", "pm"):
                    used = usage[(day, session)].used if (day, session) in usage else 0
                    held = await repo.used_minutes_by_bookings(conn, day, session)
                    cap = services[0].default_capacity(session)
                    if used != held or used > cap:
                        oversold.append((day, session, used, held, cap))
        for db in dbs:
            await db.close()

    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"units={UNITS} booked={outcomes['booked']} refused={outcomes['refused']}")
    print(f"elapsed={elapsed:.2f}s throughput={UNITS / elapsed:.0f}/s p50={p50 * 1000:.0f}ms p95={p95 * 1000:.0f}ms")
    print(f"peak_rss={rss_mib:.0f}MiB oversold={oversold}")
    ok = not oversold and elapsed < TARGET_SECONDS and p95 < TARGET_P95 and rss_mib < TARGET_RSS_MIB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
