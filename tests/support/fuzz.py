"""Callback patterns expanded to concrete data, and snapshots of the tables a press may change."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any


def expand(regex: str) -> list[str]:
    """The literal prefixes a pattern such as ``^bk:(add|sub)(:|$)`` accepts."""
    body = regex.removeprefix("^")
    group = re.search(r"\(([^()]*)\)", body)
    if group is None:
        return [body.removesuffix("$")]
    out = []
    for alternative in group.group(1).split("|"):
        literal = "" if alternative in ("$", r"\Z") else alternative.replace("\\", "")
        out += expand("^" + body[: group.start()] + literal + body[group.end():])
    return out


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every watched table."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in WATCHED_TABLES}  # noqa: S608
    finally:
        conn.close()


WATCHED_TABLES = ("units", "staff", "slots", "closed_dates", "bookings", "booking_items", "calendar_overrides",
                  "confirmed_years", "mismatches", "evaluations", "availability_watches", "audit_log",
                  "broadcasts", "broadcast_recipients")
