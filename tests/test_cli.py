"""Tests for the command line (``python -m bot``), run as a real subprocess.

Each run gets an environment without any BOT_* variable of the developer, its own
database in tmp_path, and tmp_path as working directory, so no ``.env`` is read.
"""

from __future__ import annotations

import csv
import http.server
import json
import logging
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import LOG_FORMAT, QUIET_LOGGERS, setup_logging
from bot.config import Settings

REPO = Path(__file__).resolve().parent.parent


def cli(tmp_path: Path, *args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` in tmp_path with a clean environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    env["BOT_DB_PATH"] = str(tmp_path / "bot.sqlite3")
    env.update(env_overrides)
    assert not (tmp_path / ".env").exists()
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
        capture_output=True, text=True, encoding="utf-8", timeout=60,
    )


def units_in(path: Path) -> list[tuple[str, str]]:
    """(username, name) of every unit in a database file."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT username, name FROM units ORDER BY id").fetchall()
    finally:
        conn.close()


def test_no_token_is_explained_without_a_traceback(tmp_path: Path) -> None:
    result = cli(tmp_path)
    assert result.returncode == 2
    assert "BOT_TOKEN" in result.stderr and "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name, value", [("BOT_COUNTERS", "x"), ("BOT_ADMIN_IDS", "abc")])
def test_bad_setting_is_named(tmp_path: Path, name: str, value: str) -> None:
    result = cli(tmp_path, "run", **{name: value})
    assert result.returncode == 2
    assert "invalid setting" in result.stderr and name in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_subcommand(tmp_path: Path) -> None:
    result = cli(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "backup", "units", "console"):
        assert f"    {command} " in result.stdout


def test_migrate_twice(tmp_path: Path) -> None:
    first = cli(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "applied migration" in first.stdout
    second = cli(tmp_path, "migrate")
    assert second.returncode == 0, second.stderr
    from bot.storage.db import discover_migrations

    assert f"already at version {max(m.version for m in discover_migrations())}" in second.stdout


def test_units_import_writes_generated_passwords_only_to_out(tmp_path: Path) -> None:
    source = tmp_path / "units.csv"
    source.write_text(
        "\ufeffusername,name,password\r\nalpha,甲公司,\r\nbeta,乙公司,Beta-pass-1\r\ngamma,丙公司,\r\n",
        encoding="utf-8",
    )
    refused = cli(tmp_path, "units", "import", str(source))
    assert refused.returncode == 1
    assert "--out is required" in refused.stderr
    assert not (tmp_path / "bot.sqlite3").exists()  # refused before the database was even created

    out = tmp_path / "passwords.csv"
    result = cli(tmp_path, "units", "import", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "imported 3 unit(s)" in result.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["username"] for r in rows] == ["alpha", "beta", "gamma"]
    assert rows[1]["password"] == "Beta-pass-1"
    for row in rows:
        assert len(row["password"]) >= 8
        assert row["password"] not in result.stdout + result.stderr
    assert units_in(tmp_path / "bot.sqlite3") == [("alpha", "甲公司"), ("beta", "乙公司"), ("gamma", "丙公司")]


def test_units_import_bad_csv_imports_nothing(tmp_path: Path) -> None:
    source = tmp_path / "units.csv"
    source.write_text(
        "username,name,password\n"
        "alpha,甲公司,Alpha-pass-1\n"
        "b d,乙公司,Beta-pass-1\n"      # line 3: bad username
        "ALPHA,丙公司,Gamma-pass-1\n",  # line 4: duplicate of line 2
        encoding="utf-8",
    )
    out = tmp_path / "passwords.csv"
    result = cli(tmp_path, "units", "import", str(source), "--out", str(out))
    assert result.returncode == 1
    assert "line 3: " in result.stderr and "line 4: " in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert units_in(tmp_path / "bot.sqlite3") == []


def test_backup_copies_the_units(tmp_path: Path) -> None:
    created = cli(tmp_path, "units", "create", "acme", "某某科技有限公司")
    assert created.returncode == 0, created.stderr
    assert "one-time password: " in created.stdout
    dest = tmp_path / "backups" / "copy.sqlite3"
    result = cli(tmp_path, "backup", str(dest))
    assert result.returncode == 0, result.stderr
    assert str(dest) in result.stdout
    assert units_in(dest) == [("acme", "某某科技有限公司")]


def test_logging_setup_silences_loggers_that_leak_secrets() -> None:
    saved = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    try:
        setup_logging(Settings(bot_log_level="DEBUG", _env_file=None))  # type: ignore[call-arg]
        for name in ("httpx", "aiosqlite"):
            assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


# ---------------------------------------------------------------- secrets and clear refusals


class _Unauthorized(http.server.BaseHTTPRequestHandler):
    """A Bot API server that rejects every token, as Telegram does a revoked one."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def rejecting_server() -> Iterator[str]:
    """The base URL of a local Bot API server that answers 401 to everything."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


REJECTED = "987654321:AAH-rejected_Secret-token-0123456789xyz"


def test_a_rejected_token_is_explained_and_never_printed(tmp_path: Path, rejecting_server: str) -> None:
    result = cli(tmp_path, "run", BOT_TOKEN=REJECTED, BOT_API_BASE_URL=rejecting_server, BOT_LOG_LEVEL="DEBUG")
    assert result.returncode == 2, result.stderr
    assert "BOT_TOKEN was rejected" in result.stderr and "@BotFather" in result.stderr
    output = result.stdout + result.stderr
    assert REJECTED not in output and REJECTED.split(":")[1] not in output
    assert "Traceback" not in output


def test_an_unreachable_bot_api_is_explained_without_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli(tmp_path, "run", BOT_TOKEN=REJECTED, BOT_API_BASE_URL=f"http://user:pw@127.0.0.1:{port}/bot")
    assert result.returncode == 1, result.stderr
    assert "cannot reach the Bot API server" in result.stderr and "BOT_API_BASE_URL" in result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output and REJECTED.split(":")[1] not in output and "user:pw" not in output


@pytest.mark.parametrize("path", ["folder", "nowhere/../../proc/none/x.sqlite3", "garbage.sqlite3"])
def test_an_unusable_database_path_is_named_without_a_traceback(tmp_path: Path, path: str) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "garbage.sqlite3").write_text("not a database")
    target = str(tmp_path / path) if not path.startswith("nowhere") else "/proc/none/x.sqlite3"
    result = cli(tmp_path, "migrate", BOT_DB_PATH=target)
    assert result.returncode in (1, 2)
    assert f"BOT_DB_PATH={target}" in result.stderr
    assert "Traceback" not in result.stderr and "Exception in thread" not in result.stderr


def test_a_dotenv_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"BOT_CENTRE_NAME=\xb3\xaf\xd1\xf4\n")  # GBK, not UTF-8
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 2
    assert ".env" in result.stderr and "UTF-8" in result.stderr and "Traceback" not in result.stderr


def test_the_log_formatter_redacts_what_libraries_put_in_messages() -> None:
    from bot.__main__ import PrivateFormatter

    formatter = PrivateFormatter(LOG_FORMAT, ["123456:configured-Token-value"])
    try:
        Settings(_env_file=None, bot_counters="x13800138000")  # type: ignore[call-arg]
    except Exception as err:  # noqa: BLE001 - a pydantic ValidationError, echoing its input
        echoed = err
    record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "token %s id %s phone %s", (
        "123456:configured-Token-value", "11010519491231002X", "+86 139-0013-9000"), None)
    record.exc_info = (type(echoed), echoed, echoed.__traceback__)
    line = formatter.format(record)
    assert "configured-Token-value" not in line and "11010519491231002X" not in line
    assert "139-0013-9000" not in line and "139****9000" in line and "110105********002X" in line
    assert "input_value=<hidden>" in line
    other = logging.LogRecord("telegram.ext", logging.ERROR, __file__, 1, "%s", (
        "The token `5555555555:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_` was rejected",), None)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_" not in formatter.format(other)


def test_units_import_reads_an_xlsx_with_chinese_headers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["用户名", "单位名称", "密码"])
    sheet.append(["delta", "丁公司", "Delta-pass-1"])
    sheet.append(["epsilon", "戊公司", 12345678.0])  # Excel keeps an all-digit password as a number
    source = tmp_path / "units.xlsx"
    book.save(source)
    result = cli(tmp_path, "units", "import", str(source))
    assert result.returncode == 0, result.stderr
    assert units_in(tmp_path / "bot.sqlite3") == [("delta", "丁公司"), ("epsilon", "戊公司")]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    refused = cli(tmp_path, "units", "import", str(broken))
    assert refused.returncode != 0 and "not a readable .xlsx workbook" in refused.stderr
