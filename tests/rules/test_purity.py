"""bot/rules stays pure: no I/O imports, no clock reads (STYLE §1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "bot" / "rules"
FORBIDDEN_MODULES = {"telegram", "aiosqlite", "sqlite3", "httpx", "requests", "socket", "os", "apscheduler",
                     "time", "subprocess", "pathlib", "io", "logging"}
FORBIDDEN_CALLS = {"now", "today", "utcnow", "monotonic", "perf_counter", "open", "print", "input"}


def problems(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES or node.module.startswith(("bot.storage", "bot.handlers")):
                found.append(node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            clock_read = isinstance(func, ast.Attribute) and name == "time" and getattr(func.value, "id", "") == "time"
            if name in FORBIDDEN_CALLS or clock_read:
                found.append(f"{name}()")
    return found


@pytest.mark.parametrize("path", sorted(RULES.glob("*.py")), ids=lambda p: p.name)
def test_rules_module_is_pure(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("snippet", ["import os", "from telegram import Bot", "datetime.now()",
                                     "from bot.storage import repo", "date.today()", "import aiosqlite",
                                     "time.time()"])
def test_checker_catches_impurity(snippet: str) -> None:
    assert problems(snippet)


def test_public_contract_imports() -> None:
    from bot.rules import (  # noqa: F401
        BasketError,
        BusinessType,
        WorkCalendar,
        basket_minutes,
        bookable_dates,
        booking_open,
        change_deadline,
        next_opening,
    )

    assert {m.name for m in BusinessType} == {"NEW", "RENEW", "PERSON_CHANGE", "EMPLOYER_CHANGE"}
