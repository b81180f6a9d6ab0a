"""The code type-checks and lints clean, as part of the test command (so CI runs both); the
tests keep to their own rules (no assert that passes either way, no imported fixtures).

mypy reads its settings from pyproject.toml: strict on ``bot/rules``, ``bot/services``,
``bot/storage`` (and the errors and read models), the rest of ``bot`` checked. ruff
lints everything with the rules selected there (pyflakes, import order, bugbear,
pyupgrade, simplify). Both run from the project's .venv, where ``dev.py`` installs
the pinned versions of the dev extra.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_mypy_finds_nothing() -> None:
    result = _run("mypy", "--config-file", str(ROOT / "pyproject.toml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--no-cache", str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_assert_passes_either_way() -> None:
    """``assert a or b`` holds whichever happened: each test states the one outcome it expects."""
    either_way = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.Or)
    ]
    assert either_way == []


def test_no_fixture_is_imported() -> None:
    """Fixtures come from the conftest files; importing one into a test module shadows it (F811)."""
    imported = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("conftest")
    ]
    assert imported == []
