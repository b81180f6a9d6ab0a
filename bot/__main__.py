"""The command line: ``python -m bot [run|migrate|backup|units|console]``.

``run`` (the default) starts the bot with long polling. The other subcommands are
the operator's tools on the same database: apply migrations, take an online backup
while the bot runs, create / import / reset unit accounts, and the offline console.

Exit codes: 0 success, 1 the operation was refused (bad CSV, unknown unit, ...),
2 the configuration or the command line is wrong. Configuration problems are
explained in one message, never with a traceback; no password or token is logged.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit, urlunsplit

from bot.clock import SystemClock
from bot.config import Settings, load_settings
from bot.errors import CliError, SettingsError
from bot.rules.applicant import mask_id_number, mask_phone
from bot.rules.tz import TZ
from bot.storage.db import Database
from bot.storage.models import CLI

if TYPE_CHECKING:
    from bot.services.accounts import AccountService

T = TypeVar("T")

NO_TOKEN = (
    "BOT_TOKEN is not set. Create a bot with @BotFather in Telegram, then set "
    "BOT_TOKEN in the environment or in .env (see .env.example)."
)
BAD_TOKEN = (
    "BOT_TOKEN was rejected by the Bot API server. Copy the token again from @BotFather "
    "(digits:secret) into the environment or .env"
)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# ---------------------------------------------------------------- plumbing


# Loggers whose DEBUG/INFO lines carry secrets or personal data: httpx logs request
# URLs (the token is in them), aiosqlite logs SQL parameters (password hashes,
# identity and phone numbers), PTB's DEBUG lines hold every Bot API call's
# parameters and every incoming update (message texts, one-time passwords).
QUIET_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "aiosqlite": logging.WARNING,
                 "telegram": logging.INFO, "apscheduler": logging.INFO}

# The last line of defence, applied to every formatted line (tracebacks included):
# our own log calls never carry personal data, but an exception message from a
# library may (PTB puts a rejected token into its message; pydantic echoes input).
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
_PYDANTIC_INPUT = re.compile(r"input_value=.*?(?=, input_type=|\]$)", re.MULTILINE)
_RESIDENT_ID = re.compile(
    r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_CHECK_IN = re.compile(r"\bci_[0-9a-f]{32}\b")  # a receipt's check-in code (SPEC §4)
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the given secrets, bot tokens, check-in codes, pydantic input echoes, ID or mobile numbers."""
    for secret in secrets:
        if len(secret) >= 6:
            text = text.replace(secret, "<secret>")
    text = _TOKEN.sub("<token>", text)
    text = _CHECK_IN.sub("ci_<token>", text)
    text = _PYDANTIC_INPUT.sub("input_value=<hidden>", text)
    text = _RESIDENT_ID.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)


class PrivateFormatter(logging.Formatter):
    """Formats like ``logging.Formatter``, then redacts (see ``redact``).

    A rejected token or an unreachable server is not a bug: it is logged as one
    line without a traceback (the command line explains what to fix).
    """

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def formatException(self, ei):  # type: ignore[no-untyped-def]  # noqa: N802 - logging's name
        """The traceback, or one line for a rejected token or a network failure."""
        from telegram.error import InvalidToken, NetworkError

        if ei and isinstance(ei[1], InvalidToken):
            return "telegram.error.InvalidToken (BOT_TOKEN was rejected)"
        if ei and isinstance(ei[1], NetworkError):
            return f"telegram.error.{type(ei[1]).__name__}: {ei[1]}"
        return super().formatException(ei)

    def format(self, record: logging.LogRecord) -> str:
        """The redacted log line."""
        return redact(super().format(record), self.secrets)


def _token_secrets(settings: Settings) -> list[str]:
    if settings.bot_token is None:
        return []
    token = settings.bot_token.get_secret_value()
    return [token, token.partition(":")[2]]


def setup_logging(settings: Settings) -> None:
    """Log to stderr at the configured level, redacted, without the loggers that leak secrets."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrivateFormatter(LOG_FORMAT, _token_secrets(settings)))
    logging.basicConfig(level=settings.bot_log_level, handlers=[handler])  # no-op if already configured
    for name, floor in QUIET_LOGGERS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(floor, logger.getEffectiveLevel()))


def public_url(url: str) -> str:
    """``url`` without any user:password part, fit to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


async def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open (and migrate) the configured database, run ``work`` on it, close it."""
    db = Database(settings.bot_db_path)
    await db.open()
    try:
        await db.migrate()
        return await work(db)
    finally:
        await db.close()


def _accounts(db: Database) -> AccountService:
    """The account service on ``db`` (imported late: argon2 is not needed by ``run``)."""
    from bot.services.accounts import AccountService

    return AccountService(db, SystemClock())


# ---------------------------------------------------------------- commands


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Start the bot (long polling) until interrupted."""
    if settings.bot_token is None:
        raise CliError(NO_TOKEN, 2)
    from telegram.error import InvalidToken, NetworkError

    from bot.app import (
        run_polling,  # imported here: the other subcommands need no Telegram stack
    )

    server = public_url(settings.bot_api_base_url)
    try:
        run_polling(settings)
    except InvalidToken:
        raise CliError(f"{BAD_TOKEN} (Bot API server: {server})", 2) from None
    except NetworkError as err:
        reason = redact(str(err), _token_secrets(settings))
        raise CliError(f"cannot reach the Bot API server {server} ({reason}); check the network "
                       "and BOT_API_BASE_URL", 1) from None
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Apply pending migrations and say which."""

    async def work() -> tuple[list[int], int]:
        async with Database(settings.bot_db_path) as db:
            applied = await db.migrate()
            return applied, await db.schema_version()

    applied, version = asyncio.run(work())
    if applied:
        versions = ", ".join(map(str, applied))
        print(f"applied migration(s) {versions} to {settings.bot_db_path}; now at version {version}")
    else:
        print(f"{settings.bot_db_path} is already at version {version}")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """Write a consistent copy of the live database (SQLite online backup)."""
    dest = Path(args.dest)
    if dest.exists() and dest.resolve() == settings.bot_db_path.resolve():
        raise CliError("the backup destination is the database itself")

    async def work(db: Database) -> None:
        await db.backup(dest)

    asyncio.run(_with_db(settings, work))
    print(f"backup of {settings.bot_db_path} written to {dest}")
    return 0


def _create_private(path: Path) -> int:
    """Create ``path`` readable by its owner only; refuse to overwrite a file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CliError(f"{path} already exists; choose a new --out file") from None
    except OSError as err:
        raise CliError(f"cannot create {path}: {err.strerror}") from None
    os.fchmod(fd, 0o600)  # whatever the umask
    return fd


def cmd_units_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import units from a CSV or XLSX (username,name,password or 用户名,单位名称,密码); all rows or none."""
    from bot.errors import CsvImportError, SheetUnreadable
    from bot.exports import xlsx_as_csv
    from bot.services.accounts import parse_units_csv

    try:
        if args.file.lower().endswith(".xlsx"):
            text = xlsx_as_csv(Path(args.file).read_bytes())
        else:
            text = Path(args.file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{args.file}: no such file") from None
    except SheetUnreadable:
        raise CliError(f"{args.file} is not a readable .xlsx workbook") from None
    except UnicodeDecodeError:
        raise CliError(f"{args.file} is not UTF-8 text; save it as 'CSV UTF-8'") from None

    rows, problems = parse_units_csv(text)
    out = Path(args.out) if args.out else None
    if not problems and out is None and any(r.password is None for r in rows):
        raise CliError("--out is required when the CSV has rows without a password")

    # The out file exists before anything is imported, so a generated password is
    # never created without a place to put it.
    fd = _create_private(out) if out is not None and not problems else None
    try:
        imported = asyncio.run(
            _with_db(settings, lambda db: _accounts(db).import_units_csv(text, actor=CLI))
        )
    except CsvImportError as err:
        if fd is not None:
            os.close(fd)
            out.unlink()  # type: ignore[union-attr]
        for line, reason in err.problems:
            print(f"line {line}: {reason}", file=sys.stderr)
        print(f"error: {len(err.problems)} problem(s); nothing imported", file=sys.stderr)
        return 1
    except BaseException:
        if fd is not None:
            os.close(fd)
            out.unlink()  # type: ignore[union-attr]
        raise

    generated = sum(1 for *_, gen in imported if gen)
    if fd is not None and out is not None:
        # utf-8-sig: Excel shows the Chinese names correctly only with a BOM.
        with open(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["username", "name", "password"])
            for username, name, password, _ in imported:
                writer.writerow([username, name, password])
        print(f"imported {len(imported)} unit(s); passwords ({generated} generated) written to {out}")
    else:
        print(f"imported {len(imported)} unit(s)")
    return 0


def cmd_units_create(settings: Settings, args: argparse.Namespace) -> int:
    """Create one unit and print its one-time password once."""
    unit, password = asyncio.run(
        _with_db(settings, lambda db: _accounts(db).create_unit(args.username, args.name, actor=CLI))
    )
    print(f"created unit {unit.username} ({unit.name}), id {unit.id}")
    print(f"one-time password: {password}")
    return 0


def cmd_units_reset(settings: Settings, args: argparse.Namespace) -> int:
    """Issue a new one-time password for a unit and log its clerks out."""
    from bot.errors import AccountError
    from bot.texts.login import UNIT_NOT_FOUND

    async def work(db: Database):  # type: ignore[no-untyped-def]
        service = _accounts(db)
        unit = await service.unit_by_username(args.username)
        if unit is None:
            raise AccountError(UNIT_NOT_FOUND)
        return await service.reset_password(unit.id, actor=CLI)

    unit, password, unbound = asyncio.run(_with_db(settings, work))
    print(f"password of {unit.username} ({unit.name}) reset; {len(unbound)} Telegram user(s) logged out")
    print(f"one-time password: {password}")
    return 0


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    """Run the offline console (the bot's conversations in a terminal)."""
    now: datetime | None = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            raise CliError(f"--now: not an ISO date-time: {args.now}", 2) from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=TZ)
    from bot import console

    return int(console.main(settings, now=now, files=args.files) or 0)


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="朝阳工作居住证预约 Telegram bot. Without a subcommand, 'run' is assumed.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="start the bot (long polling); the default")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("migrate", help="apply pending database migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("backup", help="copy the live database to DEST (safe while the bot runs)")
    p.add_argument("dest", metavar="DEST", help="the backup file to write")
    p.set_defaults(func=cmd_backup)

    units = sub.add_parser("units", help="create, import or reset unit accounts")
    units_sub = units.add_subparsers(dest="units_command", metavar="ACTION", required=True)
    p = units_sub.add_parser("import", help="import units from a CSV or XLSX file (username,name,password)")
    p.add_argument("file", metavar="FILE.csv|FILE.xlsx",
                   help="CSV (UTF-8) or XLSX with header username,name,password or 用户名,单位名称,密码")
    p.add_argument("--out", metavar="FILE", help="write the passwords here (created with mode 0600)")
    p.set_defaults(func=cmd_units_import)
    p = units_sub.add_parser("create", help="create one unit and print its one-time password")
    p.add_argument("username", metavar="USERNAME")
    p.add_argument("name", metavar="NAME", help="the unit's name")
    p.set_defaults(func=cmd_units_create)
    p = units_sub.add_parser("reset", help="issue a new one-time password and log the unit's clerks out")
    p.add_argument("username", metavar="USERNAME")
    p.set_defaults(func=cmd_units_reset)

    p = sub.add_parser("console", help="use the bot offline in this terminal")
    p.add_argument("--now", metavar="ISO", help="pretend it is this instant (e.g. 2026-12-01T09:00)")
    p.add_argument("--db", metavar="PATH", help="use this database file instead of BOT_DB_PATH")
    p.add_argument("--files", metavar="DIR", default="console-files",
                   help="save the files the bot sends (receipts' .ics, exports, charts) here")
    p.set_defaults(func=cmd_console)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, load the settings, run the subcommand; returns the exit code."""
    args = build_parser().parse_args(argv)
    func: Callable[[Settings, argparse.Namespace], int] = getattr(args, "func", cmd_run)
    overrides: dict[str, object] = {}
    if getattr(args, "db", None):
        overrides["bot_db_path"] = Path(args.db)
    try:
        settings = load_settings(**overrides)
    except SettingsError as err:
        print(f"error: invalid setting(s):\n{err}", file=sys.stderr)
        return 2
    setup_logging(settings)

    from bot.errors import AccountError

    try:
        return func(settings, args)
    except CliError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code
    except AccountError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as err:
        # The database file cannot be created or opened: a setting to fix, not a bug to trace.
        print(f"error: database BOT_DB_PATH={settings.bot_db_path}: {err}", file=sys.stderr)
        return 2 if isinstance(err, OSError) or "unable to open" in str(err) else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
