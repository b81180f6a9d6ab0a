"""Migrations: a fresh file reaches the latest version; a second run changes nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage.db import Database, discover_migrations

EXPECTED_TABLES = {
    "units", "tg_users", "login_failures", "staff", "slots", "closed_dates", "bookings",
    "booking_items", "calendar_overrides", "confirmed_years", "mismatches", "evaluations",
    "availability_watches", "notifications", "audit_log", "conversations", "user_data",
    "schema_version",
}


def _schema(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    finally:
        conn.close()


async def test_fresh_database_migrates_to_latest(tmp_path: Path) -> None:
    versions = [m.version for m in discover_migrations()]
    latest = max(versions)
    async with Database(tmp_path / "new.sqlite3") as db:
        assert await db.schema_version() == 0
        applied = await db.migrate()
        assert applied == versions
        assert await db.schema_version() == latest
    tables = {name for name, _ in _schema(tmp_path / "new.sqlite3")}
    assert tables >= EXPECTED_TABLES


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "twice.sqlite3"
    async with Database(path) as db:
        await db.migrate()
    before = _schema(path)
    async with Database(path) as db:
        assert await db.migrate() == []
        assert await db.schema_version() == max(m.version for m in discover_migrations())
    assert _schema(path) == before


async def test_failing_migration_is_rolled_back_whole(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_good.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_bad.sql").write_text("CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
    async with Database(tmp_path / "db.sqlite3", migrations_dir=folder) as db:
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate()
        assert await db.schema_version() == 1
    tables = {name for name, _ in _schema(tmp_path / "db.sqlite3")}
    assert "a" in tables and "b" not in tables


def test_migration_numbers_must_be_distinct(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0001_b.sql").write_text("")
    with pytest.raises(RuntimeError, match="distinct numbers"):
        discover_migrations(tmp_path)


async def test_a_lower_number_landing_after_a_higher_one_is_still_applied(tmp_path: Path) -> None:
    """Numbers are reserved per engineer: 0005 may reach a database before 0004 does."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0003_c.sql").write_text("CREATE TABLE c (x INTEGER);")
    async with Database(tmp_path / "db.sqlite3", migrations_dir=folder) as db:
        assert await db.migrate() == [1, 3]
        (folder / "0002_b.sql").write_text("CREATE TABLE b (x INTEGER);")
        assert await db.migrate() == [2]
        assert await db.migrate() == []
    tables = {name for name, _ in _schema(tmp_path / "db.sqlite3")}
    assert {"a", "b", "c"} <= tables


async def test_pragmas_wal_and_foreign_keys(db: Database) -> None:
    async with db.read() as conn:
        async with conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1


async def test_deleted_content_is_overwritten(db: Database) -> None:
    """secure_delete on both connections: a dropped draft leaves no readable bytes behind."""
    for conn in (db._writer, *db._readers):  # noqa: SLF001 - every connection of the file
        async with conn.execute("PRAGMA secure_delete") as cur:
            assert (await cur.fetchone())[0] == 1


async def test_a_path_that_is_no_database_fails_cleanly(tmp_path: Path) -> None:
    import threading

    def workers() -> int:
        return sum("_connection_worker_thread" in t.name for t in threading.enumerate())

    before = workers()
    for path in (tmp_path, tmp_path / "garbage.sqlite3"):
        (tmp_path / "garbage.sqlite3").write_text("not a database")
        database = Database(path)
        with pytest.raises(sqlite3.DatabaseError):
            await database.open()
        with pytest.raises(RuntimeError, match="not open"):
            async with database.write():
                pass
    assert workers() == before  # no aiosqlite worker left behind to race the closing loop


async def test_writing_tells_the_transaction_holder(db: Database) -> None:
    assert not db.writing()
    async with db.write():
        assert db.writing()
    assert not db.writing()


async def test_a_new_database_and_its_backup_are_private_to_their_owner(tmp_path: Path) -> None:
    """The file holds identity and phone numbers: mode 0600, whatever the umask."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "bot.sqlite3"
        async with Database(path) as db:
            await db.migrate()
            await db.backup(tmp_path / "backups" / "copy.sqlite3")
            wal = Path(f"{path}-wal")
            assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "backups" / "copy.sqlite3").stat().st_mode) == 0o600
    finally:
        os.umask(old)


async def test_a_nested_write_fails_at_once_instead_of_stalling_every_writer(db: Database) -> None:
    async def nested() -> None:
        async with db.write(), db.write():
            pass

    with pytest.raises(RuntimeError, match="inside db.write"):
        await asyncio.wait_for(nested(), 2)
    async with db.write() as conn:  # the lock was released and the transaction rolled back
        await conn.execute("SELECT 1")
