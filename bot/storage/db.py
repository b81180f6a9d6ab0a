"""The SQLite database: connections, transactions and migrations.

One process holds two aiosqlite connections to one file in WAL mode:

* the *writer*, used only inside ``Database.write()``: an asyncio lock serialises the
  writers of this process and ``BEGIN IMMEDIATE`` takes SQLite's write lock at once,
  so a second process (or a second bot instance) waits on ``busy_timeout`` instead of
  failing half-way. Commit on success, rollback on any exception.
* the *reader*, used inside ``Database.read()``: a snapshot transaction, so a reader
  never sees a writer's uncommitted rows and several statements agree with each other.

The use case owns the transaction: repository functions (``bot.storage.repo``) take
the connection they are given and never commit. No Telegram call may happen inside
``write()`` — collect what to send and send it after the block.

Migrations are the numbered ``NNNN_name.sql`` files in ``migrations/``, applied in
order, each in one transaction together with its row in ``schema_version``. Numbers
may have gaps (parallel work reserves numbers ahead); every file whose number is not
yet recorded is applied, so one that lands after a higher number is still applied.
(``executescript`` commits any open transaction first, so each script is wrapped in
its own ``BEGIN IMMEDIATE … COMMIT`` inside the script text and rolled back on error.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.rules.tz import TZ

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Migration:
    """One numbered migration file."""

    version: int
    name: str
    path: Path


def discover_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; raises on a duplicate number (gaps are fine)."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name not NNNN_name.sql: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions) or 0 in versions:
        raise RuntimeError(f"migrations must have distinct numbers from 0001, found {versions}")
    return found


def _create_private(path: Path) -> None:
    """Create a new database file readable by its owner only (it holds ID and phone numbers).

    SQLite gives the -wal and -shm files the mode of the database file. An existing
    file keeps the mode its operator chose.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def _probe(path: Path) -> None:
    """Open and close ``path`` once; raises sqlite3.Error if it is no usable database file."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    finally:
        conn.close()


async def _configure(conn: aiosqlite.Connection) -> None:
    """Per-connection pragmas: WAL, foreign keys, waiting for the lock instead of failing.

    ``secure_delete`` overwrites deleted content, so a dropped draft or a cancelled
    applicant's numbers do not stay readable in the file's free pages (or backups).
    """
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA secure_delete = ON")
    conn.row_factory = aiosqlite.Row


class Database:
    """The bot's SQLite database file; open it, migrate it, run transactions on it."""

    def __init__(self, path: Path | str, *, migrations_dir: Path = MIGRATIONS_DIR) -> None:
        self.path = Path(path)
        self.migrations_dir = migrations_dir
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()
        self._write_owner: asyncio.Task[object] | None = None
        self._read_owner: asyncio.Task[object] | None = None

    async def open(self) -> None:
        """Open both connections (creating the file and its folder if needed)."""
        if self._writer is not None:
            return
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
            # A file that cannot be opened (a folder, no permission) fails here, cleanly:
            # a failed aiosqlite.connect leaves its worker thread racing the closing loop.
            await asyncio.to_thread(_probe, self.path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, sqlite3 adds none.
        self._writer = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await self._writer.execute("PRAGMA journal_mode = WAL")
            await _configure(self._writer)
            self._reader = await aiosqlite.connect(self.path, isolation_level=None)
            await _configure(self._reader)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close both connections; safe to call twice."""
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error.

        Not reentrant: a write() inside a write() of the same task raises RuntimeError
        at once instead of waiting forever on its own lock (and stalling every writer).
        """
        conn = self._require(self._writer)
        if self.writing():
            raise RuntimeError("db.write() inside db.write(): use the connection you already have")
        async with self._write_lock:
            await conn.execute("BEGIN IMMEDIATE")
            self._write_owner = asyncio.current_task()
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
            finally:
                self._write_owner = None

    def writing(self) -> bool:
        """Whether the calling task is inside ``write()`` (no Telegram call may happen there)."""
        return self._write_owner is not None and self._write_owner is asyncio.current_task()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only snapshot of the last committed state."""
        conn = self._require(self._reader)
        async with self._read_lock:
            await conn.execute("BEGIN")
            self._read_owner = asyncio.current_task()
            try:
                yield conn
            finally:
                self._read_owner = None
                await conn.execute("COMMIT")

    def reading(self) -> bool:
        """Whether the calling task is inside ``read()`` (holding the one reader: no slow calls there)."""
        return self._read_owner is not None and self._read_owner is asyncio.current_task()

    def _require(self, conn: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if conn is None:
            raise RuntimeError("database is not open")
        return conn

    async def schema_version(self) -> int:
        """The highest applied migration, 0 for a new database."""
        conn = self._require(self._writer)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> list[int]:
        """Apply every pending migration in order; returns the versions applied."""
        conn = self._require(self._writer)
        applied = []
        async with self._write_lock:
            await self.schema_version()  # creates the table on a new database
            async with conn.execute("SELECT version FROM schema_version") as cur:
                done = {int(row[0]) for row in await cur.fetchall()}
            for migration in discover_migrations(self.migrations_dir):
                if migration.version in done:
                    continue
                sql = migration.path.read_text(encoding="utf-8")
                stamp = datetime.now(TZ).isoformat()
                script = (
                    "BEGIN IMMEDIATE;\n"
                    f"{sql}\n;\n"
                    "INSERT INTO schema_version (version, name, applied_at) VALUES "
                    f"({migration.version}, '{migration.name}', '{stamp}');\n"
                    "COMMIT;"
                )
                try:
                    await conn.executescript(script)
                except sqlite3.Error:
                    if conn.in_transaction:
                        await conn.execute("ROLLBACK")
                    raise
                log.info("applied migration %04d_%s", migration.version, migration.name)
                applied.append(migration.version)
        return applied

    async def backup(self, dest: Path | str) -> None:
        """Write a consistent copy of the live database to ``dest`` (SQLite online backup)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        _create_private(dest)  # a copy of personal data: owner-only like the original

        def _copy() -> None:
            src = sqlite3.connect(self.path)
            try:
                out = sqlite3.connect(dest)
                try:
                    src.backup(out)
                finally:
                    out.close()
            finally:
                src.close()

        await asyncio.to_thread(_copy)
