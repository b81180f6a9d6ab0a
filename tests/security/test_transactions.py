"""Transactions: no Telegram call inside ``db.write()``, two processes, crashes.

* The harness records every Bot API call made while the calling task holds a write
  transaction and fails ``stop()`` on one — so every handler test of the suite
  checks the rule; here we prove the detector itself works.
* Two operating-system processes (two bot instances on one database file) race for
  the last minutes of a session: exactly one books them.
* A crash right after 确定 — before the receipt reached the clerk — loses no
  confirmed booking; a transaction cut off by a crash leaves nothing half-written.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.config import Settings
from bot.fake_telegram import ApiError
from bot.harness import Harness
from bot.keyboards import NO_PREVIEWS
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.db import Database
from tests.support import at
from tests.support.booking import to_confirm
from tests.support.clerks import logged_in

REPO = Path(__file__).resolve().parents[2]
WED = date(2026, 12, 2)


@pytest.mark.parametrize("kind", ["write", "read"])
async def test_a_telegram_call_inside_a_transaction_is_caught(harness: Harness, kind: str) -> None:
    async def careless(update: Update, context: Any) -> None:
        async with getattr(context.deps.db, kind)():
            await context.bot.send_message(update.effective_chat.id, "在事务中发送", link_preview_options=NO_PREVIEWS)

    harness.app.add_handler(CommandHandler("careless", careless), group=-5)
    await harness.user(1001).command("careless")
    assert len(harness.api.violations) == 1
    assert "sendMessage called inside a db transaction from" in harness.api.violations[0]
    assert "test_transactions.py" not in harness.api.violations[0]  # only the bot's frames are named
    with pytest.raises(AssertionError, match="Telegram called inside a database transaction"):
        await harness.stop()
    await harness.start()  # the fixture stops it again, now clean


async def test_writing_is_true_only_for_the_task_holding_the_transaction(harness: Harness) -> None:
    db = harness.deps.db
    inside = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with db.write():
            assert db.writing()
            inside.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await inside.wait()
    assert not db.writing()  # another task: may call Telegram while it waits
    release.set()
    await task
    assert not db.writing()


# ---------------------------------------------------------------- two processes

_TAKER = textwrap.dedent("""
    import asyncio, sys, time
    from datetime import date, datetime
    from pathlib import Path
    from bot.clock import ManualClock
    from bot.config import Settings
    from bot.rules.basket import BusinessType
    from bot.errors import DomainError
    from bot.rules.tz import TZ
    from bot.services.booking import BookingService
    from bot.storage.db import Database

    async def main(path, unit_id, go):
        settings = Settings(_env_file=None, bot_db_path=path)
        clock = ManualClock(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
        async with Database(path) as db:
            service = BookingService(db, settings, clock)
            Path(go + f".ready{unit_id}").touch()
            while not Path(go).exists():
                time.sleep(0.001)
            try:
                booking = await service.book(unit_id=unit_id, user_id=None, day=date(2026, 12, 2), session="am",
                                             counts={BusinessType.NEW: 1}, contact_name="李雷",
                                             contact_phone="13800138000")
                print("BOOKED", booking.code)
            except DomainError as err:
                print("REFUSED", type(err).__name__)

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
""")


async def test_two_processes_race_for_the_last_minutes(db: Database, settings: Settings, tmp_path: Path) -> None:
    async with db.write() as conn:
        units = [await repo.insert_unit(conn, f"unit{i}", f"单位{i}", "x", at("2026-12-01 10:00")) for i in range(3)]
        await repo.set_slot_capacity(conn, WED, "am", 15 * 3)
        await repo.take_minutes(conn, WED, "am", 30, 540)  # 15 minutes left: one 新办
    go = tmp_path / "go"
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    takers = [subprocess.Popen([sys.executable, "-c", _TAKER, str(settings.bot_db_path), str(u), str(go)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
              for u in units]
    deadline = time.monotonic() + 30
    while not all(Path(f"{go}.ready{u}").exists() for u in units) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)  # every process has imported and opened the database
    go.touch()
    outcomes = [p.communicate(timeout=60) for p in takers]
    assert all(p.returncode == 0 for p in takers), [err[-500:] for _, err in outcomes]
    results = [out.strip() for out, _ in outcomes]
    assert sum(r.startswith("BOOKED") for r in results) == 1, results
    assert sorted(r for r in results if r.startswith("REFUSED")) == ["REFUSED SessionFull"] * 2
    async with db.read() as conn:
        assert (await repo.slot_usage(conn, [WED]))[(WED, "am")].used == 45
        assert await repo.used_minutes_by_bookings(conn, WED, "am") == 15


# ---------------------------------------------------------------- crashes


async def test_a_crash_before_the_receipt_loses_no_confirmed_booking(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    clerk = harness.user(1001)
    await to_confirm(clerk)

    def network_down(method: str, params: dict[str, Any]) -> ApiError | None:
        return ApiError(502, "Bad Gateway") if method in ("sendMessage", "editMessageText") else None

    harness.api.behaviour = network_down
    await clerk.press("确定", exact=True)  # committed; the receipt never arrives
    await harness.crash()
    harness.api.behaviour = None
    await harness.start()

    async with harness.deps.db.read() as conn:
        [booking] = await repo.bookings_of_unit(conn, unit_id, [BookingState.INCOMPLETE])
        assert (await repo.slot_usage(conn, [booking.date]))[(booking.date, booking.session)].used == booking.minutes
    card = await clerk.command("my")
    assert booking.code in card.text


async def test_a_transaction_cut_off_by_a_crash_leaves_nothing(settings: Settings, db: Database) -> None:
    """A process killed between its writes: SQLite rolls the open transaction back whole."""
    async with db.write() as conn:
        unit_id = await repo.insert_unit(conn, "acme", "单位", "x", at("2026-12-01 10:00"))
    killed = sqlite3.connect(settings.bot_db_path, isolation_level=None)
    killed.execute("BEGIN IMMEDIATE")
    killed.execute("INSERT INTO slots (date, session, used) VALUES ('2026-12-02', 'am', 15)")
    killed.execute(
        "INSERT INTO bookings (code, code_date, code_seq, unit_id, date, session, minutes, state, contact_name,"
        " contact_phone, created_at, updated_at) VALUES ('CY20261202-001', '2026-12-02', 1, ?, '2026-12-02',"
        " 'am', 15, 'incomplete', '李雷', '13800138000', 'x', 'x')", (unit_id,))
    killed.close()  # no COMMIT: what a kill -9 leaves behind
    async with db.read() as conn:
        assert (WED, "am") not in await repo.slot_usage(conn, [WED])
        assert await repo.bookings_of_unit(conn, unit_id, list(BookingState)) == []
