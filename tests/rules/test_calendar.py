"""Tests for bot.rules.calendar: official data, the law for uncovered years, overrides.

Every date here is a real one. The 2026 facts come from the State Council
arrangement as shipped in chinese-calendar 1.11.0; the 2027 facts were computed
with lunar-python when the tests were written.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from datetime import date, timedelta
from types import ModuleType

import chinese_calendar
import pytest

from bot.rules import calendar as calendar_module
from bot.rules import window as window_module
from bot.rules.calendar import (
    TZ,
    DayInfo,
    DayKind,
    WorkCalendar,
    statutory_holidays_by_law,
)

CAL = WorkCalendar()


def test_tz_is_beijing_time() -> None:
    assert TZ.key == "Asia/Shanghai"


# --- the law, for years the package does not cover ---------------------------------


def test_statutory_holidays_by_law_2027() -> None:
    assert statutory_holidays_by_law(2027) == {
        date(2027, 1, 1): "元旦",
        # 除夕 is 2027-02-05 because 正月初一 of 丁未 falls on 2027-02-06.
        date(2027, 2, 5): "春节",
        date(2027, 2, 6): "春节",
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
    }


@pytest.mark.parametrize(
    ("year", "new_years_eve", "qingming", "duanwu", "zhongqiu"),
    [
        # 除夕 in January: the lunar new year falls on 2028-01-26.
        (2028, date(2028, 1, 25), date(2028, 4, 4), date(2028, 5, 28), date(2028, 10, 3)),
        (2030, date(2030, 2, 2), date(2030, 4, 5), date(2030, 6, 5), date(2030, 9, 12)),
        (2003, date(2003, 1, 31), date(2003, 4, 5), date(2003, 6, 4), date(2003, 9, 11)),
    ],
)
def test_statutory_holidays_by_law_lunar_dates(
    year: int, new_years_eve: date, qingming: date, duanwu: date, zhongqiu: date
) -> None:
    holidays = statutory_holidays_by_law(year)
    spring = sorted(d for d, name in holidays.items() if "春节" in name)
    assert spring == [new_years_eve + timedelta(days=i) for i in range(4)]
    assert "清明节" in holidays[qingming]
    assert "端午节" in holidays[duanwu]
    assert "中秋节" in holidays[zhongqiu]


def test_coinciding_holidays_keep_both_names() -> None:
    # 中秋 2028 falls on 3 October, inside 国庆.
    assert statutory_holidays_by_law(2028)[date(2028, 10, 3)] == "中秋节、国庆节"


@pytest.mark.parametrize("year", [2025, 2026])
def test_law_days_are_official_holidays_under_current_law(year: int) -> None:
    # The law as amended for 2025 (除夕 and 2 May added) must agree with the
    # official arrangement wherever both exist; this guards the lunar arithmetic.
    for day in statutory_holidays_by_law(year):
        assert CAL.is_statutory_holiday(day), day


def test_statutory_holidays_by_law_returns_a_fresh_dict() -> None:
    statutory_holidays_by_law(2027).clear()
    assert len(statutory_holidays_by_law(2027)) == 13


# Years 16 and 19 are ones where lunar-python puts part of 春节 in the previous
# December; the table must still hold only dates of its own year.
@pytest.mark.parametrize("year", [1, 16, 19, 1900, 2003, 2027, 2050, 2100, 9999])
def test_uncovered_years_never_raise(year: int) -> None:
    start = date(year, 1, 1)
    for offset in range(0, 366, 7):
        info = CAL.describe(start + timedelta(days=offset))
        assert info.source == "computed"
    assert CAL.next_workday(start) > start
    assert CAL.previous_workday(date(year, 12, 31)) < date(year, 12, 31)
    holidays = statutory_holidays_by_law(year)
    assert all(day.year == year for day in holidays)
    fixed = [(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)]
    assert all(date(year, month, day) in holidays for month, day in fixed)


# --- day kinds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "kind", "name", "source"),
    [
        # 2026, official data
        (date(2026, 1, 1), "holiday", "元旦", "official"),
        (date(2026, 1, 3), "holiday", "元旦", "official"),  # Saturday inside the period
        (date(2026, 1, 4), "workday", None, "official"),  # 调休 Sunday
        (date(2026, 2, 14), "workday", None, "official"),  # 调休 Saturday before 春节
        (date(2026, 2, 15), "holiday", "春节", "official"),
        (date(2026, 2, 23), "holiday", "春节", "official"),
        (date(2026, 2, 24), "workday", None, "official"),
        (date(2026, 2, 28), "workday", None, "official"),  # 调休 Saturday after 春节
        (date(2026, 4, 6), "holiday", "清明节", "official"),
        (date(2026, 5, 5), "holiday", "劳动节", "official"),
        (date(2026, 5, 9), "workday", None, "official"),  # 调休 Saturday
        (date(2026, 6, 19), "holiday", "端午节", "official"),
        (date(2026, 9, 20), "workday", None, "official"),  # 调休 Sunday
        (date(2026, 9, 25), "holiday", "中秋节", "official"),
        (date(2026, 10, 7), "holiday", "国庆节", "official"),
        (date(2026, 10, 10), "workday", None, "official"),  # 调休 Saturday
        (date(2026, 10, 11), "off", None, "official"),  # ordinary Sunday
        (date(2026, 11, 28), "off", None, "official"),  # ordinary Saturday
        (date(2026, 11, 30), "workday", None, "official"),
        (date(2015, 9, 3), "holiday", "抗战胜利纪念日", "official"),
        (date(2004, 1, 1), "holiday", "元旦", "official"),
        # 2027, computed from the law
        (date(2027, 1, 1), "holiday", "元旦", "computed"),
        (date(2027, 1, 2), "off", None, "computed"),
        (date(2027, 1, 4), "workday", None, "computed"),
        (date(2027, 2, 6), "holiday", "春节", "computed"),  # Saturday, still statutory
        (date(2027, 2, 9), "workday", None, "computed"),  # 初四: only an override can free it
        (date(2027, 5, 2), "holiday", "劳动节", "computed"),  # Sunday, still statutory
        (date(2027, 10, 4), "workday", None, "computed"),
        (date(2003, 10, 1), "holiday", "国庆节", "computed"),
    ],
)
def test_describe(day: date, kind: DayKind, name: str | None, source: str) -> None:
    info = CAL.describe(day)
    assert (info.date, info.kind, info.holiday_name, info.source) == (day, kind, name, source)
    assert CAL.day_kind(day) == kind
    assert CAL.is_workday(day) is (kind == "workday")
    assert CAL.is_statutory_holiday(day) is (kind == "holiday")


def test_every_package_holiday_has_a_chinese_name() -> None:
    han = re.compile(r"^[\u4e00-\u9fff、]+$")
    for day in chinese_calendar.holidays:
        name = CAL.describe(day).holiday_name
        assert name is not None and han.match(name), (day, name)


def test_day_info_is_frozen() -> None:
    info = CAL.describe(date(2026, 10, 1))
    assert isinstance(info, DayInfo)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.kind = "workday"  # type: ignore[misc]


# --- coverage and confirmation ------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "covered"),
    [(2003, False), (2004, True), (2025, True), (2026, True), (2027, False), (2100, False)],
)
def test_year_covered(year: int, covered: bool) -> None:
    assert CAL.year_covered(year) is covered
    assert CAL.describe(date(year, 6, 1)).year_covered is covered


@pytest.mark.parametrize(
    ("year", "confirmed_years", "needs"),
    [
        (2026, (), False),
        (2027, (), True),
        (2027, (2027,), False),
        (2028, (2027,), True),
        (2003, (), True),
    ],
)
def test_needs_confirmation(year: int, confirmed_years: tuple[int, ...], needs: bool) -> None:
    cal = WorkCalendar(confirmed_years=confirmed_years)
    assert cal.needs_confirmation(year) is needs
    assert cal.describe(date(year, 3, 3)).year_confirmed is (not needs)


# --- next / previous working day ----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "following"),
    [
        (date(2026, 9, 29), date(2026, 9, 30)),  # strictly after, even between workdays
        (date(2026, 9, 30), date(2026, 10, 8)),  # over 国庆
        (date(2026, 10, 9), date(2026, 10, 10)),  # onto a 调休 Saturday
        (date(2026, 2, 13), date(2026, 2, 14)),
        (date(2026, 2, 14), date(2026, 2, 24)),  # over 春节
        (date(2025, 12, 31), date(2026, 1, 4)),  # year end onto a 调休 Sunday
        (date(2026, 12, 31), date(2027, 1, 4)),  # into the computed year, over 元旦
        (date(2027, 2, 4), date(2027, 2, 9)),  # over computed 春节
    ],
)
def test_next_and_previous_workday(day: date, following: date) -> None:
    assert CAL.next_workday(day) == following
    assert CAL.previous_workday(following) == day


def test_search_is_bounded_when_overrides_close_everything() -> None:
    start = date(2027, 1, 1)
    closed: dict[date, DayKind] = {start + timedelta(days=i): "off" for i in range(500)}
    cal = WorkCalendar(overrides=closed)
    with pytest.raises(LookupError, match="overrides"):
        cal.next_workday(start)


# --- overrides ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "override", "kind", "name"),
    [
        (date(2027, 2, 20), "workday", "workday", None),  # announced 调休 Saturday
        (date(2027, 2, 9), "holiday", "holiday", None),  # 初四 added to 春节
        (date(2027, 2, 5), "holiday", "holiday", "春节"),  # keeps the computed name
        (date(2027, 2, 5), "workday", "workday", None),
        (date(2027, 3, 10), "off", "off", None),
        (date(2026, 10, 5), "workday", "workday", None),  # overrides beat official data
        (date(2026, 11, 30), "holiday", "holiday", None),
        (date(2026, 10, 1), "off", "off", None),
    ],
)
def test_overrides_win(day: date, override: DayKind, kind: DayKind, name: str | None) -> None:
    cal = WorkCalendar(overrides={day: override})
    info = cal.describe(day)
    assert (info.kind, info.holiday_name, info.source) == (kind, name, "override")
    assert cal.is_workday(day) is (kind == "workday")
    assert cal.is_statutory_holiday(day) is (kind == "holiday")


def test_override_of_a_working_saturday_changes_next_workday() -> None:
    cal = WorkCalendar(overrides={date(2027, 2, 20): "workday"})
    assert CAL.next_workday(date(2027, 2, 19)) == date(2027, 2, 22)
    assert cal.next_workday(date(2027, 2, 19)) == date(2027, 2, 20)


def test_overrides_are_copied() -> None:
    overrides: dict[date, DayKind] = {date(2027, 2, 20): "workday"}
    cal = WorkCalendar(overrides=overrides)
    overrides[date(2027, 2, 20)] = "off"
    overrides[date(2027, 2, 22)] = "off"
    assert cal.is_workday(date(2027, 2, 20))
    assert cal.is_workday(date(2027, 2, 22))


def test_unknown_override_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="weekend"):
        WorkCalendar(overrides={date(2027, 2, 20): "weekend"})  # type: ignore[dict-item]


# --- purity -------------------------------------------------------------------------

_FORBIDDEN_MODULES = frozenset(
    {"telegram", "aiosqlite", "sqlite3", "os", "httpx", "requests", "socket", "time"}
)
_FORBIDDEN_CALLS = frozenset({"now", "today", "time", "utcnow", "monotonic", "perf_counter"})


def _impurities(source: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            roots = [(node.module or "").split(".")[0]]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called in _FORBIDDEN_CALLS:
                found.append(f"call {called}() on line {node.lineno}")
            continue
        else:
            continue
        bad = [root for root in roots if root in _FORBIDDEN_MODULES]
        found.extend(f"import {root} on line {node.lineno}" for root in bad)
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "import os",
        "import os.path",
        "from telegram import Bot",
        "from sqlite3 import connect",
        "import aiosqlite as db",
        "datetime.now(TZ)",
        "date.today()",
        "time.time()",
        "now()",
    ],
)
def test_purity_check_catches_violations(snippet: str) -> None:
    assert _impurities(snippet)


@pytest.mark.parametrize("module", [calendar_module, window_module], ids=lambda m: m.__name__)
def test_rules_modules_do_no_io(module: ModuleType) -> None:
    assert _impurities(inspect.getsource(module)) == []
