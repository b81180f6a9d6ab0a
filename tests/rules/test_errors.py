"""Every exception is defined in bot/errors.py, and its docstring draws the whole tree."""

from __future__ import annotations

import ast
import builtins
import inspect
import re
from pathlib import Path

import bot.errors

BOT = Path(__file__).resolve().parents[2] / "bot"
BUILTIN_EXCEPTIONS = {n for n in dir(builtins)
                      if isinstance(getattr(builtins, n), type) and issubclass(getattr(builtins, n), BaseException)}
ERRORS = {name: cls for name, cls in vars(bot.errors).items()
          if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == "bot.errors"}


def drawn_tree(doc: str) -> dict[str, tuple[str, str | None]]:
    """name -> (parent drawn above it, base named in parentheses or None), from the ├──/└── lines."""
    tree: dict[str, tuple[str, str | None]] = {}
    path: list[str] = []
    for line in doc.splitlines():
        if line.strip() == "Exception":
            path = ["Exception"]
            continue
        found = re.match(r"^(\s*(?:[│ ]   )*)[├└]── (\w+)(?: \((\w+)\))?", line)
        if found is None:
            continue
        depth = len(found.group(1).removeprefix("    ")) // 4 + 1
        path = [*path[:depth], found.group(2)]
        tree[found.group(2)] = (path[depth - 1], found.group(3))
    return tree


def test_no_exception_class_outside_the_errors_module() -> None:
    elsewhere = []
    for path in BOT.rglob("*.py"):
        if path == BOT / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                if any(b in BUILTIN_EXCEPTIONS or b in ERRORS for b in bases):
                    elsewhere.append(f"{path.relative_to(BOT)}: {node.name}")
    assert elsewhere == []


def test_the_docstring_draws_every_exception_under_its_base() -> None:
    tree = drawn_tree(bot.errors.__doc__ or "")
    assert sorted(tree) == sorted(ERRORS)
    for name, cls in ERRORS.items():
        parent, named_base = tree[name]
        base = cls.__bases__[0].__name__
        assert (named_base or parent) == base, f"{name} is drawn under {parent}, but derives from {base}"


def test_the_reader_of_the_tree_sees_depth() -> None:
    doc = "    Exception\n    ├── A (ValueError)\n    └── B\n        ├── C\n        │   └── D\n        └── E\n"
    assert drawn_tree(doc) == {"A": ("Exception", "ValueError"), "B": ("Exception", None), "C": ("B", None),
                               "D": ("C", None), "E": ("B", None)}
