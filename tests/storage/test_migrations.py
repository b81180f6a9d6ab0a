"""Migrations: a fresh file reaches the latest version; a second run changes nothing."""

from __future__ import annotations

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
    latest = len(discover_migrations())
    async with Database(tmp_path / "new.sqlite3") as db:
        assert await db.schema_version() == 0
        applied = await db.migrate()
        assert applied == list(range(1, latest + 1))
        assert await db.schema_version() == latest
    tables = {name for name, _ in _schema(tmp_path / "new.sqlite3")}
    assert EXPECTED_TABLES <= tables


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "twice.sqlite3"
    async with Database(path) as db:
        await db.migrate()
    before = _schema(path)
    async with Database(path) as db:
        assert await db.migrate() == []
        assert await db.schema_version() == len(discover_migrations())
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


def test_migration_numbers_have_no_gaps(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0003_c.sql").write_text("")
    with pytest.raises(RuntimeError, match="without gaps"):
        discover_migrations(tmp_path)


async def test_pragmas_wal_and_foreign_keys(db: Database) -> None:
    async with db.read() as conn:
        async with conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1
