"""The code type-checks and lints clean, as part of the test command (so CI runs both).

mypy reads its settings from pyproject.toml: strict on ``bot/rules``, ``bot/services``,
``bot/storage`` (and the errors and read models), the rest of ``bot`` checked. ruff
lints everything with the rules selected there (pyflakes, import order, bugbear,
pyupgrade, simplify). Both run from the project's .venv, where ``dev.py`` installs
the pinned versions of the dev extra.
"""

from __future__ import annotations

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
