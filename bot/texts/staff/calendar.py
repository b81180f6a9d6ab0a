"""Texts of /calendar: overrides and year confirmation."""

from __future__ import annotations

from collections.abc import Sequence

from bot.read_models import CalendarDay
from bot.rules.calendar import DayInfo
from bot.texts import WEEKDAYS, fmt_full_date
from bot.texts.staff.common import KIND_LABELS, day_kind_text


def confirm_year_label(year: int) -> str:
    """确认2027年日历."""
    return f"确认{year}年日历"


def year_covered(year: int) -> str:
    """Confirming a year the official data already covers."""
    return f"{year}年已有官方日历数据，无需确认。"


def year_already_confirmed(year: int) -> str:
    """Confirming a year twice."""
    return f"{year}年日历已经确认过了。"


def ask_kind(info: DayInfo) -> str:
    """Choosing the kind of an override."""
    return f"{fmt_full_date(info.date)} 当前为：{day_kind_text(info)}。\n请选择调整为："


def override_set(info: DayInfo, note: str, active: int) -> str:
    """After an override was set."""
    text = f"已设置：{fmt_full_date(info.date)} 为 {KIND_LABELS[info.kind]}（{note}）。"
    if active and info.kind != "workday":
        text += f"\n注意：该日有 {active} 个有效预约。如中心当天不办公，请在 /capacity 中关闭该日期，系统会通知经办人改约。"
    return text


def override_deleted(info: DayInfo) -> str:
    """After an override was removed."""
    return f"已删除 {fmt_full_date(info.date)} 的人工调整，现为：{day_kind_text(info)}。"


def year_confirmed(year: int) -> str:
    """After an admin confirmed a year."""
    return f"已确认{year}年日历。此后该年按当前设置（法定节假日与人工调整）开放预约。"


def calendar_view(days: Sequence[CalendarDay], unconfirmed: Sequence[int], note: str = "") -> str:
    """/calendar: the days as the bot sees them, with marks and the years to confirm."""
    lines = [note, ""] if note else []
    lines.append(f"🗓 工作日历：{fmt_full_date(days[0].info.date)}起{len(days)}天")
    year = days[0].info.date.year
    for d in days:
        day = d.info.date
        if day.year != year:
            year = day.year
            lines.append(f"—— {year}年 ——")
        line = f"{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]} {day_kind_text(d.info)}"
        if d.override_note:
            line += f" {d.override_note}"
        if d.closed_reason is not None:
            line += f" 🚫中心关闭：{d.closed_reason}"
        lines.append(line)
    lines.append("标记：〔调〕人工调整　⚠ 未确认年份（按法定节日推算）　🚫 中心关闭")
    for y in unconfirmed:
        lines.append(f"⚠ {y}年尚无官方日历数据：请按国务院公布的放假调休安排设置调整，再由管理员确认{y}年日历。")
    return "\n".join(lines)


