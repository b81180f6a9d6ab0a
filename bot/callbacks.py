"""The one callback-data scheme: ``ns:action:arg…`` — ASCII, under 64 bytes.

Every inline button is built with ``pack`` and every press parsed with ``unpack`` or
matched with ``pattern``; no other module formats callback data. Arguments are ids,
dates (YYYYMMDD) and short keys. A press is always re-checked against the database
by its handler: the data says what the user asked for, never what they may do.

A button on a message the bot sent on its own (a reminder, a review result, a release
notice) carries the trailing marker ``_n`` (``pack(…, notice=True)``): its press opens a
new panel instead of editing the notification away (``Callback.notice``). ``unpack``
strips the marker, so handlers see the same arguments either way.

Namespaces:
    m   main menu            bk  booking flow         ap  applicant data
    my  我的预约              hs  已办理预约 / 评价      ac  我的账户
    wt  有号提醒              st  staff console         x   no-op (labels)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MAX_BYTES = 64
# fullmatch, not ``$``: a ``$`` also matches before a trailing newline.
_SAFE = re.compile(r"[A-Za-z0-9_.\-]*")
# An id fits SQLite's signed 64-bit INTEGER; int() alone would also take "1_0", "+1"
# and numbers too big for the database (OverflowError instead of a polite refusal).
_INT = re.compile(r"-?[0-9]{1,18}")
NAMESPACES = frozenset({"m", "bk", "ap", "my", "hs", "ac", "wt", "st", "x"})
NOTICE = "_n"  # trailing marker: pressed on a notification, open a new panel


@dataclass(frozen=True)
class Callback:
    """A parsed button press."""

    ns: str
    action: str
    args: tuple[str, ...]
    notice: bool = False  # pressed on a notification: answer with a new panel, never edit it

    def int_arg(self, index: int = 0) -> int | None:
        """Argument ``index`` as an int, or None if missing, not a number or out of any id's range."""
        try:
            raw = self.args[index]
        except IndexError:
            return None
        return int(raw) if _INT.fullmatch(raw) else None

    def date_arg(self, index: int = 0) -> date | None:
        """Argument ``index`` as a date (YYYYMMDD), or None."""
        try:
            raw = self.args[index]
            if len(raw) != 8 or not raw.isascii() or not raw.isdigit():
                return None
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
        except (IndexError, ValueError):
            return None


def pack(ns: str, action: str, *args: str | int | date, notice: bool = False) -> str:
    """Build callback data (``notice``: for a notification's button); raises ValueError if it would break the scheme."""
    if ns not in NAMESPACES:
        raise ValueError(f"unknown callback namespace {ns!r}")
    parts = [ns, action, *(a.strftime("%Y%m%d") if isinstance(a, date) else str(a) for a in args)]
    if NOTICE in parts[2:]:
        raise ValueError(f"{NOTICE!r} is reserved for the notice marker")
    if notice:
        parts.append(NOTICE)
    for part in parts:
        if not _SAFE.fullmatch(part):
            raise ValueError(f"callback part not ASCII-safe: {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> Callback | None:
    """Parse callback data; None for anything not made by ``pack``."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] not in NAMESPACES or not all(_SAFE.fullmatch(p) for p in parts):
        return None
    notice = len(parts) > 2 and parts[-1] == NOTICE
    return Callback(parts[0], parts[1], tuple(parts[2:-1] if notice else parts[2:]), notice)


def pattern(ns: str, *actions: str) -> re.Pattern[str]:
    """A regex for CallbackQueryHandler matching ``ns`` (and one of ``actions``).

    The action ends the data or is followed by ``:`` (``\\Z``, not ``$``, which would
    also match before a trailing newline).
    """
    if actions:
        return re.compile(rf"^{re.escape(ns)}:({'|'.join(map(re.escape, actions))})(:|\Z)")
    return re.compile(rf"^{re.escape(ns)}:")
