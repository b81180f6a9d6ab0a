"""Imports point one way: rules ← storage ← read models ← texts ← services ← handlers/jobs ← app.

Every ``import`` of every module under ``bot/`` is read from its source — at the top,
inside functions and under ``if TYPE_CHECKING:`` alike, so a cycle cannot hide — and
checked against the layer table below: a module may import its own layer and the
layers below it, never one above. Besides the order:

* the rules import nothing of the bot but the rules and ``bot.errors`` (purity);
* handlers never import storage — no repo, db, cache, outbox, nor ``bot.storage.models``:
  the row types a service hands them come re-exported by ``bot.read_models``;
* texts import only the rules (and errors), storage's row types, the read models and
  other texts — never services, storage's repo or db, callbacks or keyboards.

A new top-level module must be given its layer here, or this test fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"

# lowest first; a prefix names a module and everything under it
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("rules", ("bot.errors", "bot.rules", "bot.clock", "bot.config", "bot.callbacks")),
    ("storage", ("bot.storage", "bot.delivery.kinds")),  # kinds: the outbox rows' render names
    ("read models", ("bot.read_models",)),
    ("texts", ("bot.texts", "bot.notice", "bot.ics", "bot.qr", "bot.exports")),
    ("services", ("bot.services",)),
    ("handlers/jobs", ("bot.handlers", "bot.jobs", "bot.deps", "bot.user_data", "bot.persistence",
                       "bot.processing", "bot.delivery", "bot.keyboards")),
    ("app", ("bot.app", "bot.__main__", "bot.console", "bot.harness", "bot.fake_telegram", "bot.lean_request", "bot.gc_tuning",
             )),
]
RULES_MAY_IMPORT = ("bot.rules", "bot.errors")
# Imports known to go against the rules while work moving them lands: each must still be a
# violation (the test says when one is gone, so the entry goes too), and no other may appear.
PENDING: set[str] = set()
HANDLERS_MAY_FROM_STORAGE: tuple[str, ...] = ()
TEXTS_MAY_IMPORT = ("bot.rules", "bot.errors", "bot.storage.models", "bot.read_models", "bot.texts")


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix that names ``module``."""
    best = max(((len(p), i) for i, (_, prefixes) in enumerate(LAYERS) for p in prefixes if _within(module, p)),
               default=None)
    if best is None:
        raise LookupError(f"{module} has no layer: add it to LAYERS")
    return best[1]


def module_name(path: Path) -> str:
    """``bot/services/staff/console.py`` → ``bot.services.staff.console``."""
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = BOT.parent / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(source: str, module: str, is_package: bool) -> list[str]:
    """Every bot module ``source`` imports, relative imports resolved, wherever they stand."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # "from bot.storage import repo" imports the module bot.storage.repo (its package
            # only as the way there); "from bot.storage.models import Booking" imports the module
            submodules = [f"{target}.{a.name}" for a in node.names if _is_module(f"{target}.{a.name}")]
            found += submodules
            if len(submodules) < len(node.names):
                found.append(target)
    # the bare package (``from bot import texts``) is only the way to its modules
    return [name for name in found if _within(name, "bot") and name != "bot"]


def problems(module: str, imported: list[str]) -> list[str]:
    """Each import of ``module`` that goes against the direction rules."""
    found = []
    own = layer_of(module)
    for name in imported:
        if layer_of(name) > own:
            found.append(f"{module} ({LAYERS[own][0]}) imports {name} ({LAYERS[layer_of(name)][0]})")
        if _within(module, "bot.rules") and not any(_within(name, p) for p in RULES_MAY_IMPORT):
            found.append(f"{module} (rules) imports {name}: the rules import only rules and bot.errors")
        if (_within(module, "bot.handlers") and _within(name, "bot.storage")
                and not any(_within(name, p) for p in HANDLERS_MAY_FROM_STORAGE)):
            found.append(f"{module} (handlers) imports {name}: handlers go through a service")
        if _within(module, "bot.texts") and not any(_within(name, p) for p in TEXTS_MAY_IMPORT):
            found.append(f"{module} (texts) imports {name}: texts render rules, rows and read models")
    return found


def all_modules() -> list[tuple[str, Path]]:
    """Every module of the bot package, by name."""
    return sorted((module_name(p), p) for p in BOT.rglob("*.py") if p != BOT / "__init__.py")


def test_every_import_points_down() -> None:
    violations = []
    for module, path in all_modules():
        imported = imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
        violations += problems(module, imported)
    assert [v for v in violations if v not in PENDING] == []
    assert sorted(PENDING - set(violations)) == []  # fixed: remove it from PENDING


def test_every_module_has_a_layer() -> None:
    assert [m for m, _ in all_modules() if not _has_layer(m)] == []


def _has_layer(module: str) -> bool:
    try:
        layer_of(module)
    except LookupError:
        return False
    return True


@pytest.mark.parametrize(("module", "source", "is_package"), [
    ("bot.texts.booking", "from bot.services.booking import BookingService", False),
    ("bot.texts.staff",
     "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.services import staff", True),
    ("bot.services.booking", "from bot.deps import Deps", False),
    ("bot.services.booking", "def f():\n    from bot.handlers import common", False),
    ("bot.storage.repo.units", "from bot.read_models import BookingDetails", False),
    ("bot.read_models", "from bot.texts import fmt_date", False),
    ("bot.rules.window", "from bot.storage.models import Booking", False),
    ("bot.rules.window", "from bot.clock import SystemClock", False),
    ("bot.handlers.account", "from bot.storage import repo", False),
    ("bot.handlers.account", "from bot.storage.db import Database", False),
    ("bot.handlers.account", "from bot.storage import outbox", False),
    ("bot.handlers.account", "from bot.storage.models import TgUser", False),
    ("bot.jobs.reminders", "from bot.app import build_application", False),
    ("bot.services.staff.console", "from ...deps import Deps", False),
    ("bot.texts.booking", "from bot.storage.repo import bookings", False),
    ("bot.texts.booking", "from bot.callbacks import pack", False),
])
def test_the_checker_catches_an_upward_import(module: str, source: str, is_package: bool) -> None:
    assert problems(module, imports_of(source, module, is_package))


@pytest.mark.parametrize(("module", "source"), [
    ("bot.services.booking", "from bot.read_models import BookingDetails"),
    ("bot.texts.booking", "from bot.read_models import BookingDetails\nfrom bot.storage.models import Booking"),
    ("bot.handlers.account", "from bot.read_models import TgUser\nfrom bot.services.users import UserService"),
    ("bot.rules.window", "from bot.errors import BookingRefused\nfrom bot.rules.calendar import WorkCalendar"),
    ("bot.app", "from bot.handlers import register_all"),
])
def test_the_checker_lets_a_downward_import_pass(module: str, source: str) -> None:
    assert problems(module, imports_of(source, module, False)) == []
