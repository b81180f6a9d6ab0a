"""The official working-day calendar (工作日历) of mainland China, for any year.

A day is one of three kinds:

* ``"workday"`` — the centre works: Monday to Friday, plus the weekends that the
  State Council turns into working days to make up for a holiday (调休上班);
* ``"holiday"`` — a national statutory holiday (国家法定节假日), counted over the
  whole official period, weekends inside it included (all 7 days of 国庆, say);
* ``"off"`` — any other day off, i.e. an ordinary weekend.

Where the answer comes from, in order of precedence:

1. **Overrides** kept by staff always win. They let staff enter the 调休
   arrangement the State Council announces each November for a year the package
   does not know yet, or correct anything else.
2. **Official data** from the ``chinese-calendar`` package, for the years it
   covers. The package raises ``NotImplementedError`` outside them, so it is only
   ever asked about a covered year.
3. **The law** for every other year (2027 onwards with the installed package,
   and before 2004): Monday to Friday are working days, minus the statutory
   holidays whose dates the law fixes and which can be computed in advance —
   元旦 (1 Jan), 春节 (除夕 to 初三, four days), 清明 (the solar-term day),
   劳动节 (1–2 May), 端午 (lunar 5/5), 中秋 (lunar 8/15) and 国庆 (1–3 Oct). These
   are statutory holidays even when they fall on a weekend. The bridging days and
   working weekends are unknown until announced, which is why such a year needs an
   admin to confirm it (see :meth:`WorkCalendar.needs_confirmation`).

Nothing here reads the clock or raises because of a date's year.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Final, Literal, get_args

import chinese_calendar
from chinese_calendar.constants import Holiday
from lunar_python import Lunar, Solar

from bot.rules.tz import TZ

__all__ = [
    "TZ",
    "DayInfo",
    "DayKind",
    "DaySource",
    "WorkCalendar",
    "statutory_holidays_by_law",
]

DayKind = Literal["workday", "off", "holiday"]
DaySource = Literal["official", "computed", "override"]

_DAY_KINDS: Final = frozenset(get_args(DayKind))

# Far more than any real run of days off (春节 plus weekends is ~9 days); it only
# stops a search from spinning forever if overrides declare a whole year off.
_SEARCH_LIMIT_DAYS: Final = 400

# The package decides coverage from the span of its own holiday table, so the same
# span tells us, without a try/except, which years it will answer for.
_COVERED_FIRST_YEAR: Final = min(chinese_calendar.holidays).year
_COVERED_LAST_YEAR: Final = max(chinese_calendar.holidays).year

_CHINESE_HOLIDAY_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        Holiday.new_years_day.value: "元旦",
        Holiday.spring_festival.value: "春节",
        Holiday.tomb_sweeping_day.value: "清明节",
        Holiday.labour_day.value: "劳动节",
        Holiday.dragon_boat_festival.value: "端午节",
        Holiday.national_day.value: "国庆节",
        Holiday.mid_autumn_festival.value: "中秋节",
        Holiday.anti_fascist_70th_day.value: "抗战胜利纪念日",
    }
)


@dataclass(frozen=True, slots=True)
class DayInfo:
    """Everything the calendar knows about one date, for display and for staff.

    ``holiday_name`` is the Chinese name of the statutory holiday the date belongs
    to, or ``None``. ``source`` says which layer decided ``kind``.
    ``year_covered`` is true when ``chinese-calendar`` has official data for the
    year; ``year_confirmed`` is true when the year can be trusted as it stands,
    either because it is covered or because an admin confirmed it.
    """

    date: date
    kind: DayKind
    holiday_name: str | None
    source: DaySource
    year_covered: bool
    year_confirmed: bool


def _chinese_name(package_name: str) -> str:
    # A newer package may add a holiday we have no translation for; showing its
    # English name beats crashing on it.
    return _CHINESE_HOLIDAY_NAMES.get(package_name, package_name)


def _solar_to_date(solar: Solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@functools.lru_cache(maxsize=64)
def _law_holidays(year: int) -> Mapping[date, str]:
    # Cached and read-only because every lookup in an uncovered year lands here
    # and the lunar conversions are comparatively slow (~10 ms per year).
    days: dict[date, str] = {}

    def add(d: date, name: str) -> None:
        # 中秋 can fall inside 国庆 (e.g. 2028-10-03); keep both names.
        days[d] = f"{days[d]}、{name}" if d in days else name

    add(date(year, 1, 1), "元旦")
    # 除夕 is the last day of the previous lunar year, whose twelfth month may have
    # 29 or 30 days, so step back from 正月初一 rather than forward from 腊月. In the
    # distant past the next lunar year could begin in late December, so both lunar
    # years are looked at and only days of this Gregorian year kept.
    # (date.max.year has no successor to look at.)
    for lunar_year in range(year, min(year + 1, date.max.year) + 1):
        new_year = _solar_to_date(Lunar.fromYmd(lunar_year, 1, 1).getSolar())
        for offset in range(-1, 3):
            spring_day = new_year + timedelta(days=offset)
            if spring_day.year == year:
                add(spring_day, "春节")
    # The solar-term table belongs to the lunar year around 10 April, which always
    # contains this Gregorian year's 清明 (4–6 April).
    qingming = Solar.fromYmd(year, 4, 10).getLunar().getJieQiTable()["清明"]
    add(_solar_to_date(qingming), "清明节")
    add(date(year, 5, 1), "劳动节")
    add(date(year, 5, 2), "劳动节")
    add(_solar_to_date(Lunar.fromYmd(year, 5, 5).getSolar()), "端午节")
    add(_solar_to_date(Lunar.fromYmd(year, 8, 15).getSolar()), "中秋节")
    for october_day in (1, 2, 3):
        add(date(year, 10, october_day), "国庆节")
    return MappingProxyType(days)


@functools.lru_cache(maxsize=4096)
def _official_day(d: date) -> tuple[DayKind, str | None]:
    # Cached because the package rescans its whole table to validate the year on
    # every call, and the booking window asks about the same few weeks constantly.
    # Weekends answer (True, None) and 调休 working days (False, name), so a
    # holiday needs both the flag and a name.
    on_holiday, package_name = chinese_calendar.get_holiday_detail(d)
    if on_holiday and package_name is not None:
        return "holiday", _chinese_name(package_name)
    return ("workday" if chinese_calendar.is_workday(d) else "off"), None


def statutory_holidays_by_law(year: int) -> dict[date, str]:
    """Return the statutory holidays the law fixes for ``year``, date -> Chinese name.

    Only the days the law itself names (11 in total, fewer when two coincide);
    the bridging days and 调休 working weekends of the announced arrangement are not
    included. A date shared by two holidays carries both names joined by ``、``.
    """
    return dict(_law_holidays(year))


class WorkCalendar:
    """Working days and statutory holidays, official where known, by law elsewhere.

    ``overrides`` maps a date to the kind staff decided for it; ``confirmed_years``
    lists the uncovered years an admin has checked against the announced
    arrangement. Both are copied, so later changes by the caller do not leak in:
    build a new calendar when staff change them.
    """

    def __init__(
        self,
        overrides: Mapping[date, DayKind] | None = None,
        confirmed_years: Iterable[int] = (),
    ) -> None:
        """Build a calendar; raise ``ValueError`` for an override of unknown kind."""
        copied = dict(overrides or {})
        for day, kind in copied.items():
            if kind not in _DAY_KINDS:
                raise ValueError(f"unknown day kind {kind!r} for {day.isoformat()}")
        self._overrides: Mapping[date, DayKind] = MappingProxyType(copied)
        self._confirmed_years: frozenset[int] = frozenset(confirmed_years)
        # The calendar never changes, and every step of the booking flow asks about the
        # same few weeks: each date's kind is worked out once.
        self._kinds: dict[date, DayKind] = {}

    def year_covered(self, year: int) -> bool:
        """Return whether ``chinese-calendar`` has official data for ``year``."""
        return bool(_COVERED_FIRST_YEAR <= year <= _COVERED_LAST_YEAR)

    def needs_confirmation(self, year: int) -> bool:
        """Return whether ``year`` still needs an admin to confirm its calendar.

        True for a year the package does not cover and that is not among the
        confirmed years: its 调休 arrangement may be missing from the overrides.
        """
        return not self.year_covered(year) and year not in self._confirmed_years

    def day_kind(self, d: date) -> DayKind:
        """Return ``"holiday"``, ``"off"`` or ``"workday"`` for ``d``."""
        kind = self._kinds.get(d)
        if kind is None:
            kind = self._kinds[d] = self.describe(d).kind
        return kind

    def is_workday(self, d: date) -> bool:
        """Return whether the centre works on ``d`` (调休 weekends included)."""
        return self.day_kind(d) == "workday"

    def is_statutory_holiday(self, d: date) -> bool:
        """Return whether ``d`` lies in a national statutory holiday period."""
        return self.day_kind(d) == "holiday"

    def describe(self, d: date) -> DayInfo:
        """Return the kind of ``d``, the holiday it belongs to and where that came from."""
        covered = self.year_covered(d.year)
        kind, name, source = self._underlying(d, covered)
        override = self._overrides.get(d)
        if override is not None:
            # The underlying name is kept only when it still describes the day: an
            # override that turns 国庆 into a working day must not call it 国庆节.
            name = name if override == "holiday" else None
            kind, source = override, "override"
        return DayInfo(
            date=d,
            kind=kind,
            holiday_name=name,
            source=source,
            year_covered=covered,
            year_confirmed=not self.needs_confirmation(d.year),
        )

    def next_workday(self, d: date) -> date:
        """Return the first working day strictly after ``d``."""
        return self._search_workday(d, step=1)

    def previous_workday(self, d: date) -> date:
        """Return the last working day strictly before ``d``."""
        return self._search_workday(d, step=-1)

    def _underlying(self, d: date, covered: bool) -> tuple[DayKind, str | None, DaySource]:
        if covered:
            kind, name = _official_day(d)
            return kind, name, "official"
        name = _law_holidays(d.year).get(d)
        if name is not None:
            return "holiday", name, "computed"
        return ("workday" if d.weekday() < 5 else "off"), None, "computed"

    def _search_workday(self, d: date, step: int) -> date:
        candidate = d
        for _ in range(_SEARCH_LIMIT_DAYS):
            candidate += timedelta(days=step)
            if self.is_workday(candidate):
                return candidate
        direction = "after" if step > 0 else "before"
        raise LookupError(
            f"no working day within {_SEARCH_LIMIT_DAYS} days {direction} {d.isoformat()};"
            " check the calendar overrides"
        )
