"""Migration 0005 keeps the mismatches counted before per-item states, as counted."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.rules.freeze import MismatchState
from bot.storage import repo
from bot.storage.db import MIGRATIONS_DIR, Database
from tests.support import at


async def test_old_counted_rows_survive_as_counted(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if int(path.name[:4]) < 5:
            shutil.copy(path, folder)
    now = at("2026-12-01 10:00").isoformat()
    async with Database(tmp_path / "db.sqlite3", migrations_dir=folder) as db:
        await db.migrate()
        async with db.write() as conn:
            await conn.execute("INSERT INTO units (id, username, name, password_hash, created_at, updated_at)"
                               " VALUES (1, 'acme', '甲', 'x', ?, ?)", (now, now))
            await conn.execute("INSERT INTO mismatches (unit_id, item_id, month, recorded_at, recorded_by)"
                               " VALUES (1, NULL, '2026-12', ?, 9)", (now,))
        shutil.copy(MIGRATIONS_DIR / "0005_mismatch_states.sql", folder)
        assert 5 in await db.migrate()
        async with db.read() as conn:
            assert await repo.mismatch_times(conn, 1, "2026-12") == [at("2026-12-01 10:00")]
            async with conn.execute("SELECT state, given_by FROM mismatches") as cur:
                assert [tuple(r) for r in await cur.fetchall()] == [(MismatchState.COUNTED.value, 9)]
