"""The outbound path's layering (issue 8): services never talk to Telegram; jobs never reach into
handlers. What the bot sends on its own goes through ``bot.delivery``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted((BOT / "services").rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_services_do_not_import_telegram(path: Path) -> None:
    assert not [m for m in imported(path) if m.split(".")[0] == "telegram" or m.startswith("bot.handlers")]


@pytest.mark.parametrize("path", sorted((BOT / "jobs").rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_jobs_do_not_import_handlers(path: Path) -> None:
    assert not [m for m in imported(path) if m.startswith("bot.handlers")]


def test_the_detector_sees_a_function_level_import(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("def f():\n    from telegram.error import TimedOut\n", encoding="utf-8")
    assert imported(source) == {"telegram.error"}
