"""What a unit of work costs the database: transactions, statements, trips to SQLite's thread.

These are the rush's guarantees at the storage layer (issue 9): a write unit of work
is one transaction and no trip however many statements it runs (unless another
process holds SQLite's write lock: then the BEGIN waits for it on the thread); a block that runs
nothing opens nothing; a quick read is learned and then costs no trip; cached values
are dropped by the commit that changes their tables and never shown to the
transaction that changed them; persistence writes a whole round in one transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.persistence import SqlitePersistence
from bot.rules.tz import TZ
from bot.storage import repo
from bot.storage.db import CHECKPOINT_EVERY, LEARN_RUNS, QUICK_SECONDS, Database, QuickStatements
from bot.storage.dbstats import DbStats, counting

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


async def test_a_write_unit_of_work_is_one_transaction_and_no_trip(db: Database) -> None:
    with counting(DbStats()) as seen:
        async with db.write() as conn:
            for i in range(5):
                await repo.insert_unit(conn, f"t{i}", f"单位{i}", "x", NOW)
    assert (seen.write_transactions, seen.statements, seen.hops) == (1, 6, 0)  # 5 inserts + COMMIT
    async with db.read() as conn:
        assert await repo.get_unit_by_username(conn, "t4") is not None


async def test_a_block_that_runs_nothing_opens_no_transaction(db: Database) -> None:
    with counting(DbStats()) as seen:
        async with db.write():
            pass
        async with db.read():
            pass
    assert seen == DbStats()


async def test_a_failed_unit_of_work_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await repo.insert_unit(conn, "gone", "单位", "x", NOW)
            raise RuntimeError("the use case refuses")
    async with db.read() as conn:
        assert await repo.get_unit_by_username(conn, "gone") is None
    async with db.write() as conn:  # the writer is usable again
        await repo.insert_unit(conn, "kept", "单位", "x", NOW)


def test_quick_statements_are_learned_from_quick_runs_only() -> None:
    quick = QuickStatements()
    for _ in range(LEARN_RUNS - 1):
        quick.learn("a", QUICK_SECONDS / 10)
    assert "a" not in quick
    quick.learn("a", QUICK_SECONDS / 10)
    assert "a" in quick
    quick.learn("scan", QUICK_SECONDS * 10)  # two slow runs: never direct
    quick.learn("scan", QUICK_SECONDS / 10)
    quick.learn("scan", QUICK_SECONDS * 10)
    for _ in range(LEARN_RUNS):
        quick.learn("scan", QUICK_SECONDS / 10)
    assert "scan" not in quick
    quick.learn("cold", QUICK_SECONDS * 10)  # one slow run (its pages read in) is forgiven ...
    for _ in range(LEARN_RUNS - 1):
        quick.learn("cold", QUICK_SECONDS / 10)
    assert "cold" not in quick  # ... and the count starts again from there
    quick.learn("cold", QUICK_SECONDS / 10)
    assert "cold" in quick
    quick.demote("a")  # slow when run directly: back to the thread for good
    for _ in range(LEARN_RUNS):
        quick.learn("a", QUICK_SECONDS / 10)
    assert "a" not in quick


async def test_a_quick_read_costs_no_trip(db: Database) -> None:
    async with db.write() as conn:
        unit = await repo.insert_unit(conn, "q", "单位", "x", NOW)
    sql = "SELECT name FROM units WHERE id = ?"
    for _ in range(LEARN_RUNS):  # as if its runs on the thread had each been quick
        db.quick.learn(sql, 0.0)
    with counting(DbStats()) as seen:
        async with db.read() as conn:
            async with conn.execute(sql, (unit,)) as cur:
                assert (await cur.fetchone())[0] == "单位"
    assert (seen.read_transactions, seen.statements, seen.hops) == (1, 1, 0)


async def test_a_read_sees_what_was_committed_since_the_last_read(db: Database) -> None:
    """The snapshot a read leaves open is ended before the next read's first statement."""
    async with db.read() as conn:
        assert await repo.get_unit_by_username(conn, "late") is None
    async with db.write() as conn:
        await repo.insert_unit(conn, "late", "单位", "x", NOW)
    for _ in range(4):  # every reader of the pool
        async with db.read() as conn:
            assert await repo.get_unit_by_username(conn, "late") is not None


async def test_readers_serve_concurrent_reads_side_by_side(db: Database) -> None:
    entered = 0
    all_in = asyncio.Event()

    async def reader() -> None:
        nonlocal entered
        async with db.read() as conn:
            entered += 1
            if entered == 3:
                all_in.set()
            await asyncio.wait_for(all_in.wait(), 5)
            await repo.get_unit(conn, 1)

    await asyncio.gather(reader(), reader(), reader())
    assert not db.reading()


async def test_a_cached_value_is_dropped_by_the_commit_that_changes_its_table(db: Database) -> None:
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        async with db.read() as conn:
            return len(await repo.calendar_overrides(conn))

    assert await db.cached("overrides", ("calendar_overrides",), load) == 0
    assert await db.cached("overrides", ("calendar_overrides",), load) == 0
    assert loads == 1
    async with db.write() as conn:  # another table: the value stands
        await repo.insert_unit(conn, "other", "单位", "x", NOW)
    assert await db.cached("overrides", ("calendar_overrides",), load) == 0
    assert loads == 1
    async with db.write() as conn:
        await repo.set_calendar_override(conn, NOW.date(), "off", "测试", None, NOW)

        async def load_here() -> int:
            return len(await repo.calendar_overrides(conn))

        # The transaction that wrote the table sees its own change, not the cache.
        assert await db.cached("overrides", ("calendar_overrides",), load_here) == 1
    assert await db.cached("overrides", ("calendar_overrides",), load) == 1
    assert loads == 2


async def test_a_commit_by_another_process_drops_every_cached_value(db: Database) -> None:
    async def load() -> str:
        return "old"

    await db.cached("k", ("units",), load)
    async with db.write() as conn:  # our last write: the data_version we know
        await repo.insert_unit(conn, "a", "单位", "x", NOW)
    other = Database(db.path)
    await other.open()
    try:
        async with other.write() as conn:
            await repo.insert_unit(conn, "b", "单位", "x", NOW)
    finally:
        await other.close()

    async def fresh() -> str:
        return "new"

    async with db.write() as conn:  # our next write notices the foreign commit
        await repo.insert_unit(conn, "c", "单位", "x", NOW)
    assert await db.cached("k", ("units",), fresh) == "new"


async def test_persistence_writes_a_whole_round_in_one_transaction(db: Database) -> None:
    async def ready() -> None:
        return None

    persistence = SqlitePersistence(db, ready)
    data: dict[Any, Any] = {"last_seen": NOW.isoformat()}
    with counting(DbStats()) as seen:
        await asyncio.gather(
            *(persistence.update_user_data(user, data) for user in range(100, 150)),
            *(persistence.update_conversation("booking", (user, user), 3) for user in range(100, 150)),
            persistence.drop_user_data(99),
        )
    assert seen.write_transactions == 1
    assert seen.statements <= 5  # an executemany per kind of change, and the COMMIT
    assert len(await persistence.get_user_data()) == 50
    assert len(await persistence.get_conversations("booking")) == 50


async def test_a_write_waits_off_the_loop_while_another_process_holds_the_lock(db: Database) -> None:
    """Another process (here a plain sqlite3 connection) holds SQLite's write lock: our BEGIN
    waits for it on SQLite's thread, the loop keeps running, and the write then lands."""
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> DbStats:
        with counting(DbStats()) as seen:
            async with db.write() as conn:
                await repo.insert_unit(conn, "later", "单位", "x", NOW)
        return seen

    running = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writing.done()  # waiting for the other process
    assert ticks >= 10  # ... without holding up the loop
    other.execute("COMMIT")
    other.close()
    seen = await asyncio.wait_for(writing, 5)
    running.cancel()
    assert (seen.write_transactions, seen.hops) == (1, 1)  # the BEGIN's wait was the one trip
    async with db.read() as conn:
        assert await repo.get_unit_by_username(conn, "later") is not None


async def test_the_wal_is_checkpointed_off_the_loop_so_it_stays_small(db: Database) -> None:
    """The writer's COMMITs never checkpoint (they run on the loop's thread); the checkpoint
    connection copies the WAL back every CHECKPOINT_EVERY commits, so the WAL is reused."""
    wal = Path(f"{db.path}-wal")
    sizes = []
    for i in range(4 * CHECKPOINT_EVERY):
        async with db.write() as conn:
            await repo.insert_unit(conn, f"w{i}", f"单位{i}", "x" * 200, NOW)
        if i % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1:
            await asyncio.sleep(0.05)  # the checkpoint runs on its own thread
            sizes.append(wal.stat().st_size)
    # Without checkpoints the WAL would grow with every commit; with them it stops growing.
    assert sizes[-1] <= sizes[1]
