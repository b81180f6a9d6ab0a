"""Shared fixtures: a migrated SQLite file, settings without a network, a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.rules.tz import TZ
from bot.storage.db import Database

TEST_TOKEN = "123456:TEST-TOKEN"


def at(text: str) -> datetime:
    """An Asia/Shanghai instant from '2026-12-01 09:30'."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing at an ordinary working Tuesday, 10:00."""
    return ManualClock(at("2026-12-01 10:00"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings that read no .env and point at a database in tmp_path."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TEST_TOKEN,
        bot_db_path=tmp_path / "bot.sqlite3",
        bot_admin_ids=frozenset({900001}),
        # cheap hashes keep the suite fast; production uses the argon2 defaults
        bot_argon2_memory_kib=1024,
        bot_argon2_time_cost=1,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The migrated database file of ``settings``."""
    database = Database(settings.bot_db_path)
    await database.open()
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()
