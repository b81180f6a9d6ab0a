"""Service sessions and their capacity in minutes (SPEC §4, our decision).

Each working day has sessions, by default 上午 09:00–12:00 and 下午 13:30–17:00, each
with a capacity in service minutes (default: counters × the session's length). A
booking takes its total minutes from one session of one date. A session is offered
(可预约) while the booking's total still fits in the minutes left, else 已满; a closed
session is neither. Staff may override a date's session capacity or close it.

The database enforces the same rule atomically when minutes are taken; the functions
here only describe availability for display and decide the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.rules.tz import TZ


@dataclass(frozen=True)
class SessionSpec:
    """One daily service session: a stable key, its Chinese label and its hours."""

    key: str
    label: str
    start: time
    end: time

    @property
    def length_minutes(self) -> int:
        """Minutes between start and end."""
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def default_capacity(self, counters: int) -> int:
        """Capacity when staff have not overridden it: counters × session length."""
        return counters * self.length_minutes

    @property
    def hours(self) -> str:
        """The session's hours as shown to users, e.g. 09:00–12:00."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def starts_at(self, day: date) -> datetime:
        """The tz-aware instant the session starts on ``day``."""
        return datetime.combine(day, self.start, tzinfo=TZ)


DEFAULT_SESSIONS = (
    SessionSpec("am", "上午", time(9, 0), time(12, 0)),
    SessionSpec("pm", "下午", time(13, 30), time(17, 0)),
)


@dataclass(frozen=True)
class SlotUsage:
    """What storage knows of one date's session: override, closure, minutes taken."""

    capacity: int | None = None  # None: the default applies
    closed: bool = False
    used: int = 0


@dataclass(frozen=True)
class Availability:
    """One date × session cell of the availability table."""

    day: date
    session: SessionSpec
    capacity: int
    used: int
    closed: bool

    @property
    def left(self) -> int:
        """Minutes still free (never negative, even if capacity was lowered below use)."""
        return 0 if self.closed else max(0, self.capacity - self.used)

    def fits(self, minutes: int) -> bool:
        """Whether a booking of ``minutes`` can still be taken here."""
        return not self.closed and minutes <= self.left


def availability(
    days: Iterable[date],
    sessions: Iterable[SessionSpec],
    usage: Mapping[tuple[date, str], SlotUsage],
    counters: int,
) -> list[Availability]:
    """The availability table for ``days`` × ``sessions`` in display order."""
    sessions = tuple(sessions)
    table = []
    for day in days:
        for spec in sessions:
            slot = usage.get((day, spec.key), SlotUsage())
            capacity = spec.default_capacity(counters) if slot.capacity is None else slot.capacity
            table.append(Availability(day, spec, capacity, slot.used, slot.closed))
    return table


def parse_sessions(text: str) -> tuple[SessionSpec, ...]:
    """Parse the sessions setting, e.g. ``am=上午@09:00-12:00,pm=下午@13:30-17:00``.

    Raises ValueError naming what is wrong.
    """
    specs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            key, rest = part.split("=", 1)
            label, hours = rest.split("@", 1)
            start, end = (time.fromisoformat(h.strip()) for h in hours.split("-", 1))
        except ValueError:
            raise ValueError(f"会话格式应为 key=名称@HH:MM-HH:MM，收到：{part!r}") from None
        key = key.strip()
        if not key.isascii() or not key.isalnum():
            raise ValueError(f"会话键须为英文字母或数字：{key!r}")
        if end <= start:
            raise ValueError(f"会话 {key} 的结束时间须晚于开始时间")
        specs.append(SessionSpec(key, label.strip(), start, end))
    if not specs:
        raise ValueError("至少需要一个服务时段")
    if len({s.key for s in specs}) != len(specs):
        raise ValueError("服务时段的键不能重复")
    return tuple(sorted(specs, key=lambda s: s.start))
