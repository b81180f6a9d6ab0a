"""The SQLite database: connections, transactions and migrations.

One process holds aiosqlite connections to one file in WAL mode:

* the *writer*, used only inside ``Database.write()``: an asyncio lock serialises the
  writers of this process and ``BEGIN IMMEDIATE`` takes SQLite's write lock before
  the block's first statement, so a second process (or a second bot instance) waits
  on ``busy_timeout`` instead of failing half-way. Commit on success, rollback on
  any exception.
* a few *readers*, each used by one ``Database.read()`` at a time: a snapshot
  transaction, so a reader never sees a writer's uncommitted rows and several
  statements agree with each other; concurrent updates read side by side.

The use case owns the transaction: repository functions (``bot.storage.repo``) take
the connection they are given and never commit. No Telegram call may happen inside
``write()`` — collect what to send and send it after the block.

Migrations are the numbered ``NNNN_name.sql`` files in ``migrations/``, applied in
order, each in one transaction together with its row in ``schema_version``. Numbers
may have gaps (parallel work reserves numbers ahead); every file whose number is not
yet recorded is applied, so one that lands after a higher number is still applied.
(``executescript`` commits any open transaction first, so each script is wrapped in
its own ``BEGIN IMMEDIATE … COMMIT`` inside the script text and rolled back on error.)

Trips to SQLite's thread are what an update waits for, so they are kept few:

* a statement runs, returns its rows and closes its cursor in *one* trip
  (``_Connection.execute``); the cursor handed back holds the rows already;
* a transaction's ``BEGIN`` rides along with its first statement (a block that runs
  none opens no transaction), and a read snapshot is ended by the next read's first
  trip (or, when the reader falls quiet, by a timer);
* a read statement proven quick (``QuickStatements``: timed on the thread first)
  runs directly on the loop's thread; scans never qualify;
* a write transaction runs on the loop's thread from BEGIN to COMMIT, no trip at all:
  its indexed statements take microseconds, while every trip held the write lock for
  an event-loop turn — at the rush those turns, not SQLite, made the writers a queue
  (the lock waited for 240 ms at the median, 1.1 s at p99, for 1,000 clerks). Only a
  BEGIN that finds another process holding SQLite's write lock goes to the thread,
  to wait there on ``busy_timeout``. So that a COMMIT never copies the WAL into the
  database file on the loop's thread, the writer does not checkpoint: a checkpoint
  connection does, on its own thread, every ``CHECKPOINT_EVERY`` commits;
* nothing runs on the loop's thread while a trip on the same connection is queued or
  running (``thread_idle``: a trip whose awaiting task was cancelled still runs);
* ``Database.stats`` counts transactions, statements and waited-for trips
  (``bot.storage.dbstats``).

Values that change only when staff act (the calendar, a clerk's unit) are kept in
``Database.cache`` (``bot.storage.cache``): every committed write names the tables it
touched, which drops the values read from them; a commit by another process (seen
through ``PRAGMA data_version`` when our next write begins) drops them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from aiosqlite.context import contextmanager as _aiosqlite_result

from bot.rules.tz import TZ
from bot.storage.cache import ALL_TABLES, ReadCache
from bot.storage.dbstats import DbStats, record

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BUSY_TIMEOUT_MS = 10_000
IDLE_SNAPSHOT_SECONDS = 0.2
READERS = 3
LEARN_RUNS = 5
QUICK_SECONDS = 0.0005
SLOW_INLINE_SECONDS = 0.005  # CPU time of one direct run that sends a statement back to the thread
STALLED_INLINE_SECONDS = 0.05  # wall time of one direct run (a disk stall) that does the same
CHECKPOINT_EVERY = 100  # commits between two checkpoints of the WAL (run off the loop's thread)


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


# The table a data-changing statement writes (for dropping cached reads of that table).
_WRITTEN_TABLE = re.compile(
    r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[\"`\[]?(\w+)",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)  # a statement's text says it; the bot runs a few hundred distinct ones
def written_table(sql: str) -> str | None:
    """The table a data-changing statement writes (``ALL_TABLES`` for DDL), None for a read."""
    match = _WRITTEN_TABLE.match(sql)
    if match:
        return match.group(1).lower()
    head = sql.lstrip()[:6].upper()
    return ALL_TABLES if head in ("CREATE", "DROP", "ALTER ") or head.startswith("ALTER") else None


class _Prefetched(aiosqlite.Cursor):
    """A cursor whose statement already ran and whose rows are already fetched: no more trips."""

    def __init__(self, conn: aiosqlite.Connection, rows: list[Any], lastrowid: int | None, rowcount: int,
                 description: Any) -> None:
        self.iter_chunk_size = 256
        self._conn = conn
        self._rows = rows
        self._pos = 0
        self._lastrowid = lastrowid
        self._rowcount = rowcount
        self._description = description

    async def fetchone(self) -> Any:
        """The next row, or None."""
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` more rows."""
        size = size or self.iter_chunk_size
        chunk = self._rows[self._pos:self._pos + size]
        self._pos += len(chunk)
        return chunk

    async def fetchall(self) -> list[Any]:
        """Every remaining row."""
        rest = self._rows[self._pos:]
        self._pos = len(self._rows)
        return rest

    async def close(self) -> None:
        """Already closed on SQLite's thread."""

    @property
    def lastrowid(self) -> int | None:
        """The rowid of the row the statement inserted."""
        return self._lastrowid

    @property
    def rowcount(self) -> int:
        """The rows the statement changed."""
        return self._rowcount

    @property
    def description(self) -> Any:
        """The result columns."""
        return self._description


class QuickStatements:
    """Which read statements are quick enough to run on the event loop's thread.

    Every statement starts out on SQLite's thread, its CPU time measured there. One
    whose first ``LEARN_RUNS`` runs each took under ``QUICK_SECONDS`` (a lookup by
    key, a short index range) runs directly from then on, sparing the trip — which
    costs more than such a statement. One slow run is forgiven (on a large database
    the first run of a lookup reads its index pages in) and the count starts again; a
    second keeps the statement on the thread. One that, run directly, ever takes more than
    ``SLOW_INLINE_SECONDS`` of CPU (a grown table) or ``STALLED_INLINE_SECONDS`` of
    wall time (a disk stall) goes back to the thread for good. Scans over many rows (exports, statistics) never qualify, so they
    never hold up the loop.
    """

    def __init__(self) -> None:
        self._runs: dict[str, int] = {}
        self._quick: set[str] = set()
        self._slow: set[str] = set()
        self._cold: set[str] = set()  # slow once (perhaps reading pages in): a second slow run decides

    def __contains__(self, sql: object) -> bool:
        return sql in self._quick

    def learn(self, sql: str, seconds: float) -> None:
        """One run of ``sql`` on SQLite's thread took ``seconds``."""
        if sql in self._slow:
            return
        if seconds >= QUICK_SECONDS:
            self._runs.pop(sql, None)
            if sql in self._cold:  # slow twice: it is slow
                self._slow.add(sql)
            else:  # the first slow run may be the file's pages being read in: start counting again
                self._cold.add(sql)
            return
        runs = self._runs.get(sql, 0) + 1
        if runs >= LEARN_RUNS:
            self._runs.pop(sql, None)
            self._quick.add(sql)
        else:
            self._runs[sql] = runs

    def demote(self, sql: str) -> None:
        """``sql`` was slow when run directly: back to SQLite's thread, for good."""
        self._quick.discard(sql)
        self._slow.add(sql)


class _Connection(aiosqlite.Connection):
    """aiosqlite's connection, counting its work and running each statement in one trip.

    ``pending_begin``: the BEGIN statement to run in the same trip as the next statement.
    ``touched``: tables written since the transaction began.
    """

    def __init__(self, path: Path | str, stats: DbStats) -> None:
        # check_same_thread=False: inside a write transaction statements run on the
        # event loop's thread (``inline``); never two threads at once (the write lock).
        super().__init__(partial(sqlite3.connect, str(path), isolation_level=None, check_same_thread=False),
                         iter_chunk_size=256)
        self.stats = stats
        self.pending_begin: str | None = None
        self.inline = False
        self.quick: QuickStatements | None = None
        self.snapshot_open = False
        self.in_use = False
        self.touched: set[str] = set()
        self.data_version: int | None = None
        # Trips queued (counted on the loop's thread) and finished (counted on SQLite's).
        self._trips_queued = 0
        self._trips_finished = 0

    def thread_idle(self) -> bool:
        """Whether no trip is queued or running on SQLite's thread: only then may the loop's
        thread use the connection (a trip whose caller was cancelled still runs there)."""
        return self._trips_queued == self._trips_finished

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        record(self.stats, "hops")
        self._trips_queued += 1

        def trip() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self._trips_finished += 1

        return await super()._execute(trip)  # type: ignore[no-untyped-call]  # aiosqlite's own

    def _begin_at_once(self) -> bool:
        """BEGIN IMMEDIATE on the loop's thread if SQLite's write lock is free now; False if
        another process holds it (the caller then waits for it on SQLite's thread)."""
        conn = self._conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or "locked" in str(err):
                return False
            raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.data_version = conn.execute("PRAGMA data_version").fetchone()[0]
        return True

    def _run(self, begin: str | None, sql: str, parameters: Any, many: bool, timed: bool = True) -> tuple[Any, ...]:
        """The pending BEGIN, the statement, all its rows, the cursor closed; and the CPU and wall time it took
        (zero unless ``timed``: only a reader's statements are timed, to learn which are quick).

        CPU time (``thread_time``) is what a quick statement costs whoever runs it; on
        a busy machine the wall time also counts waiting for a core.
        """
        started, cpu_started = (time.perf_counter(), time.thread_time()) if timed else (0.0, 0.0)
        conn = self._conn
        if begin is not None:
            self.snapshot_open = False
            if conn.in_transaction:
                # The reader's previous snapshot is still open (ended lazily): end it here.
                conn.rollback()
            conn.execute(begin)
            if begin == "BEGIN IMMEDIATE":
                self.data_version = conn.execute("PRAGMA data_version").fetchone()[0]
        cur = conn.executemany(sql, parameters) if many else conn.execute(sql, parameters)
        try:
            rows = cur.fetchall() if cur.description is not None else []
            spent = (time.thread_time() - cpu_started, time.perf_counter() - started) if timed else (0.0, 0.0)
            return rows, cur.lastrowid, cur.rowcount, cur.description, spent
        finally:
            cur.close()

    async def _statement(self, sql: str, parameters: Any, many: bool) -> _Prefetched:
        begin, self.pending_begin = self.pending_begin, None
        record(self.stats, "statements")
        table = written_table(sql)
        if table is not None:
            self.touched.add(table)
        direct = not many and self.thread_idle()
        if begin == "BEGIN IMMEDIATE" and self.inline and direct:
            try:
                began = self._begin_at_once()
            except BaseException:
                self.pending_begin = begin
                raise
            if began:
                begin = None
        try:
            if direct and ((self.inline and begin is None) or (self.quick is not None and sql in self.quick)):
                rows, lastrowid, rowcount, description, (cpu, wall) = self._run(
                    begin, sql, parameters, False, self.quick is not None)
                if self.quick is not None and (cpu > SLOW_INLINE_SECONDS or wall > STALLED_INLINE_SECONDS):
                    self.quick.demote(sql)
            else:
                rows, lastrowid, rowcount, description, (cpu, _) = await self._execute(
                    self._run, begin, sql, parameters, many, self.quick is not None)
                if self.quick is not None and not many:
                    self.quick.learn(sql, cpu)
        except BaseException:
            if begin is not None and not self._conn.in_transaction:
                self.pending_begin = begin  # the BEGIN itself failed: still to do
            raise
        return _Prefetched(self, rows, lastrowid, rowcount, description)

    @_aiosqlite_result
    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> aiosqlite.Cursor:
        """Run one statement; the returned cursor already holds every row."""
        return await self._statement(sql, () if parameters is None else parameters, False)

    @_aiosqlite_result
    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> aiosqlite.Cursor:
        """Run one statement for each parameter set, in one trip."""
        return await self._statement(sql, parameters, True)

    @_aiosqlite_result
    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] | None = None) -> Iterable[sqlite3.Row]:
        """Run one statement and return its rows."""
        cur = await self._statement(sql, () if parameters is None else parameters, False)
        return await cur.fetchall()

    @_aiosqlite_result
    async def executescript(self, sql_script: str) -> aiosqlite.Cursor:
        """Run a script (migrations): it may change any table."""
        record(self.stats, "statements")
        self.touched.add(ALL_TABLES)
        return await super().executescript(sql_script)

    def end_snapshot(self) -> bool:
        """End an open read snapshot (on a reader nobody is using); False while its thread is busy."""
        if not self.thread_idle():
            return False
        if self._connection is not None and self._connection.in_transaction:
            self._connection.rollback()
        return True


def copy_file(source: Path | str, dest: Path | str) -> None:
    """A consistent copy of a database file, by SQLite's online backup (blocking: run it in a thread)."""
    src = sqlite3.connect(source)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()


async def _connect(path: Path | str, stats: DbStats) -> _Connection:
    """A started connection (its thread running, the file open)."""
    conn = _Connection(path, stats)
    await conn
    return conn


class Database:
    """The bot's SQLite database file; open it, migrate it, run transactions on it."""

    def __init__(self, path: Path | str, *, migrations_dir: Path = MIGRATIONS_DIR, readers: int = READERS) -> None:
        self.path = Path(path)
        self.migrations_dir = migrations_dir
        self._writer: _Connection | None = None
        self._readers: list[_Connection] = []
        self._free_readers: asyncio.Queue[_Connection] = asyncio.Queue()
        self._reader_count = readers
        self.stats = DbStats()
        self.cache = ReadCache()
        self.quick = QuickStatements()
        self._idle_end: asyncio.TimerHandle | None = None
        self._write_lock = asyncio.Lock()
        self._write_owner: asyncio.Task[object] | None = None
        self._read_owners: set[asyncio.Task[object]] = set()
        self._checkpointer: _Connection | None = None
        self._checkpointing: asyncio.Task[None] | None = None
        self._commits = 0  # since the last checkpoint

    async def open(self) -> None:
        """Open the writer and the readers (creating the file and its folder if needed)."""
        if self._writer is not None:
            return
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
            # A file that cannot be opened (a folder, no permission) fails here, cleanly:
            # a failed aiosqlite.connect leaves its worker thread racing the closing loop.
            await asyncio.to_thread(_probe, self.path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, sqlite3 adds none.
        self._writer = await _connect(self.path, self.stats)
        try:
            await self._writer.execute("PRAGMA journal_mode = WAL")
            await _configure(self._writer)
            # Its COMMITs run on the loop's thread: the checkpoint connection copies the WAL back.
            await self._writer.execute("PRAGMA wal_autocheckpoint = 0")
            self._checkpointer = await _connect(self.path, self.stats)
            await _configure(self._checkpointer)
            for _ in range(self._reader_count):
                reader = await _connect(self.path, self.stats)
                reader.quick = self.quick
                self._readers.append(reader)
                await _configure(reader)
            for reader in self._readers:
                self._free_readers.put_nowait(reader)
        except BaseException:
            await self.close()
            raise

    def _checkpoint_soon(self) -> None:
        """Every ``CHECKPOINT_EVERY`` commits, copy the WAL into the database file, off the loop's thread.

        PASSIVE: it never waits for (or blocks) a reader or the writer; what a reader still
        needs stays in the WAL for the next one.
        """
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._checkpointer is None:
            return
        if self._checkpointing is not None and not self._checkpointing.done():
            return
        self._commits = 0
        self._checkpointing = asyncio.create_task(self._checkpoint(self._checkpointer), name="wal-checkpoint")

    @staticmethod
    async def _checkpoint(conn: _Connection) -> None:
        try:
            await conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except (sqlite3.Error, ValueError) as err:  # closed meanwhile, or the disk: the next one tries again
            log.warning("WAL checkpoint failed (%s)", type(err).__name__)

    async def close(self) -> None:
        """Close every connection; safe to call twice."""
        if self._idle_end is not None:
            self._idle_end.cancel()
            self._idle_end = None
        if self._checkpointing is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointing
            self._checkpointing = None
        for conn in (*self._readers, self._checkpointer, self._writer):
            if conn is not None:
                await conn.close()
        self._readers, self._free_readers = [], asyncio.Queue()
        self._writer = self._checkpointer = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error.

        The BEGIN runs with the block's first statement, in one trip to SQLite's thread
        (waiting there, on ``busy_timeout``, if another process holds the write lock);
        a block that runs no statement opens no transaction. Once SQLite's write lock
        is ours, the block's further statements run directly (``inline``): an indexed
        statement takes microseconds, far less than a trip, and nothing can make it
        wait for a lock. BEGIN too runs directly when SQLite's write lock is free, and so
        do COMMIT and ROLLBACK (the writer never checkpoints: ``_checkpoint_soon``). On
        commit the cached values read from the written tables are dropped.

        Not reentrant: a write() inside a write() of the same task raises RuntimeError
        at once instead of waiting forever on its own lock (and stalling every writer).
        """
        conn = self._require(self._writer)
        if self.writing():
            raise RuntimeError("db.write() inside db.write(): use the connection you already have")
        async with self._write_lock:
            conn.pending_begin = "BEGIN IMMEDIATE"
            conn.inline = True
            conn.touched = set()
            before = conn.data_version
            self._write_owner = asyncio.current_task()
            try:
                yield conn
            except BaseException:
                began = conn.pending_begin is None
                conn.pending_begin = None
                if began and conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
            else:
                if conn.pending_begin is None:  # the block ran statements: a transaction is open
                    await conn.execute("COMMIT")
                    record(self.stats, "write_transactions")
                    if before is not None and conn.data_version != before:
                        self.cache.clear()  # another process committed since our last write
                    self.cache.written(conn.touched)
                    self._checkpoint_soon()
                conn.pending_begin = None
            finally:
                conn.inline = False
                conn.touched = set()
                self._write_owner = None

    async def cached(self, key: Hashable, tables: tuple[str, ...], load: Callable[[], Awaitable[T]]) -> T:
        """``cache.get``, except inside a write transaction that has itself written one of ``tables``.

        Such a transaction must see its own changes, which the cache learns of only at commit.
        """
        if self.writing() and self._writer is not None:
            touched = self._writer.touched
            if ALL_TABLES in touched or any(t in touched for t in tables):
                return await load()
        return await self.cache.get(key, tables, load)

    def writing(self) -> bool:
        """Whether the calling task is inside ``write()`` (no Telegram call may happen there)."""
        return self._write_owner is not None and self._write_owner is asyncio.current_task()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only snapshot of the last committed state, on one of the readers.

        The snapshot begins with the block's first statement and is ended by the next
        read on the same reader (in its first trip) or, when that reader falls quiet,
        by a timer: a one-statement read is one trip. Several readers serve
        concurrent updates side by side.
        """
        if not self._readers:
            raise RuntimeError("database is not open")
        conn = await self._free_readers.get()
        task = asyncio.current_task()
        conn.pending_begin = "BEGIN"
        conn.in_use = True
        if task is not None:
            self._read_owners.add(task)
        try:
            yield conn
        finally:
            if task is not None:
                self._read_owners.discard(task)
            if conn.pending_begin is None:
                record(self.stats, "read_transactions")
                conn.snapshot_open = True
                self._end_snapshots_when_idle()
            conn.pending_begin = None
            conn.in_use = False
            self._free_readers.put_nowait(conn)

    def _end_snapshots_when_idle(self) -> None:
        """Leave a read snapshot open: the next read on that reader ends it in its first trip.

        Under load the next read comes within milliseconds and the end costs no trip
        of its own; a reader that falls quiet has its snapshot ended after
        ``IDLE_SNAPSHOT_SECONDS``, so it never holds back a WAL checkpoint for long.
        """
        if self._idle_end is None:
            self._idle_end = asyncio.get_running_loop().call_later(IDLE_SNAPSHOT_SECONDS, self._end_idle_snapshots)

    def _end_idle_snapshots(self) -> None:
        self._idle_end = None
        for conn in self._readers:
            if conn.snapshot_open and not conn.in_use and conn.end_snapshot():
                conn.snapshot_open = False
        if any(c.snapshot_open for c in self._readers):
            self._end_snapshots_when_idle()  # a reader still busy: look again later

    def reading(self) -> bool:
        """Whether the calling task is inside ``read()`` (holding a reader: no slow calls there)."""
        task = asyncio.current_task()
        return task is not None and task in self._read_owners

    def _require(self, conn: _Connection | None) -> _Connection:
        if conn is None:
            raise RuntimeError("database is not open")
        return conn

    async def schema_version(self) -> int:
        """The highest applied migration, 0 for a new database."""
        return max(await self.applied_migrations(), default=0)

    async def applied_migrations(self) -> set[int]:
        """The versions of every applied migration."""
        conn = self._require(self._writer)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with conn.execute("SELECT version FROM schema_version") as cur:
            return {int(row[0]) for row in await cur.fetchall()}

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
        if applied:
            self.cache.clear()
        return applied

    async def backup(self, dest: Path | str) -> None:
        """Write a consistent copy of the live database to ``dest`` (SQLite online backup)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        _create_private(dest)  # a copy of personal data: owner-only like the original

        await asyncio.to_thread(copy_file, self.path, dest)
