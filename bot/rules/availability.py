"""How a session of the booking window looks to a clerk (issue 10 item 6; SPEC §4, §5 step 4).

A clerk needs to know whether to pick a session, not how many counter minutes are
left: each cell of the window is shown as one :data:`Level`.

=======  ==============================================================
level    when
=======  ==============================================================
free     可预约 — the basket fits and more than a quarter of the session is free
tight    紧张 — the basket fits, but at most a quarter of the capacity is left
full     已满 — the basket does not fit
closed   已关闭 — staff closed the session
=======  ==============================================================

A date the unit already holds (one active booking per unit per date, SPEC §4) is
shown as 本单位已约 instead of its cells, and a date the centre closed keeps its row
with the reason, so nothing silently drops out of the window. A working weekend (调休
上班) is a working day like any other but is marked, since clerks do not expect it.
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal

from bot.rules.capacity import Availability

Level = Literal["free", "tight", "full", "closed"]

TIGHT_SHARE: Final = 4  # 紧张 once no more than 1/TIGHT_SHARE of the capacity is left

LEVEL_LABELS: Final[dict[Level, str]] = {"free": "可预约", "tight": "紧张", "full": "已满", "closed": "已关闭"}


def level(cell: Availability, minutes: int) -> Level:
    """How ``cell`` looks to a basket of ``minutes``."""
    if cell.closed:
        return "closed"
    if not cell.fits(minutes):
        return "full"
    if cell.left * TIGHT_SHARE <= cell.capacity:
        return "tight"
    return "free"


def is_working_weekend(day: date) -> bool:
    """A Saturday or Sunday that is a working day (only asked of bookable dates): 调休上班."""
    return day.weekday() >= 5
