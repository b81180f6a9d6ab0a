"""Tests for the command line (``python -m bot``), run as a real subprocess.

Each run gets an environment without any BOT_* variable of the developer, its own
database in tmp_path, and tmp_path as working directory, so no ``.env`` is read.
"""

from __future__ import annotations

import csv
import logging
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import QUIET_LOGGERS, setup_logging
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

    assert f"already at version {len(discover_migrations())}" in second.stdout


def test_units_import_writes_generated_passwords_only_to_out(tmp_path: Path) -> None:
    source = tmp_path / "units.csv"
    source.write_text(
        "\ufeffusername,name,password\r\nalpha,甲公司,\r\nbeta,乙公司,Beta-pass-1\r\ngamma,丙公司,\r\n",
        encoding="utf-8",
    )
    refused = cli(tmp_path, "units", "import", str(source))
    assert refused.returncode == 1
    assert "--out is required" in refused.stderr
    assert not (tmp_path / "bot.sqlite3").exists() or units_in(tmp_path / "bot.sqlite3") == []

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
