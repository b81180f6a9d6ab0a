"""Fixtures every tier shares: a manual clock, settings without a network, a migrated
SQLite file, and the real application over the recording fake Bot API (``harness``).

Helpers that are not fixtures live in ``tests/support``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.harness import Harness
from bot.storage.db import Database
from tests.support import TEST_TOKEN, at


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing at an ordinary working Tuesday, 10:00."""
    return ManualClock(at("2026-12-01 10:00"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings that read no .env and point at a database in tmp_path.

    The fake Bot API is not throttled (the broadcast tests set their own rate).
    """
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TEST_TOKEN,
        bot_db_path=tmp_path / "bot.sqlite3",
        bot_admin_ids=frozenset({900001}),
        # cheap hashes keep the suite fast; production uses the argon2 defaults
        bot_argon2_memory_kib=1024,
        bot_argon2_time_cost=1,
        bot_api_max_rate=10_000.0,
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


@pytest.fixture
async def harness(settings: Settings, clock: ManualClock) -> AsyncIterator[Harness]:
    """A started application over a fresh database and a fake Bot API."""
    h = Harness(settings, clock)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
    # Every text the bot sent or edited, in every test, went without link previews
    # (``bot.keyboards.NO_PREVIEWS``: the notice's URLs must not unfurl).
    texts = h.api.sent("sendMessage") + h.api.sent("editMessageText")
    unfurling = [(c.method, str(c.params.get("text"))[:60]) for c in texts
                 if c.params.get("link_preview_options") != {"is_disabled": True}]
    assert not unfurling, f"sent without NO_PREVIEWS: {unfurling}"
