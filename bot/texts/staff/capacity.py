"""Texts of /capacity: session capacity, closures, and the rebooking offered after one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.rules.calendar import DayInfo
from bot.rules.capacity import Availability, SessionSpec
from bot.texts import fmt_date, fmt_full_date
from bot.texts.staff.common import day_kind_text


def session_capacity_label(spec: SessionSpec) -> str:
    """上午 设容量."""
    return f"{spec.label} 设容量"


def session_close_label(spec: SessionSpec, closed: bool) -> str:
    """上午 关闭时段 / 上午 重新开放."""
    return f"{spec.label} {'重新开放' if closed else '关闭时段'}"


def rebook_label(day: date, spec: SessionSpec) -> str:
    """改约至 12月3日（周四）上午."""
    return f"改约至 {fmt_date(day)}{spec.label}"


def ask_capacity(day: date, a: Availability) -> str:
    """The capacity question of one session."""
    return (f"请输入 {fmt_date(day)}{a.session.label} 的容量（分钟，0 或正整数）。\n"
            f"当前容量 {a.capacity} 分钟，已约 {a.used} 分钟。")


def ask_close_reason(day: date) -> str:
    """关闭整日: the reason is required (it is told to the clerks)."""
    return f"请输入关闭 {fmt_full_date(day)} 的原因（100字以内，将告知受影响的经办人）："


def confirm_close(day: date, reason: str, active: int) -> str:
    """The last word before a date is closed."""
    return (f"将关闭 {fmt_full_date(day)} 整日，原因：{reason}\n"
            f"该日 {active} 个有效预约将被取消、号源释放，并通知经办人（附改约按钮）。\n确认关闭？")


def capacity_set(day: date, a: Availability) -> str:
    """After a capacity change."""
    line = f"已将 {fmt_date(day)}{a.session.label} 的容量设为 {a.capacity} 分钟（已约 {a.used} 分钟）。"
    if a.capacity < a.used:
        line += "\n注意：新容量小于已约分钟数，已有预约不受影响，但不会再接受新预约。"
    return line


def session_closed_text(day: date, spec: SessionSpec, closed: bool) -> str:
    """After a session (holding no booking) was closed, or reopened."""
    return f"已{'关闭' if closed else '重新开放'} {fmt_date(day)}{spec.label}。" + (
        "该时段不再接受新预约。" if closed else "")


def session_has_bookings(active: int) -> str:
    """Closing a session that holds bookings (they would be cancelled)."""
    return f"该时段有 {active} 个有效预约，关闭须填写原因并确认。"


def ask_close_session_reason(day: date, spec: SessionSpec, active: int) -> str:
    """关闭时段 of a session holding bookings: the reason is required (told to the clerks)."""
    return (f"{fmt_date(day)}{spec.label} 有 {active} 个有效预约，关闭该时段将取消这些预约并通知经办人（附改约按钮）。\n"
            f"请输入关闭原因（100字以内，将告知经办人）：")


def confirm_close_session(day: date, spec: SessionSpec, reason: str, active: int) -> str:
    """The last word before a session holding bookings is closed."""
    return (f"将关闭 {fmt_full_date(day)} {spec.label}，原因：{reason}\n"
            f"该时段 {active} 个有效预约将被取消、号源释放，并通知经办人（附改约按钮）。\n确认关闭？")


def session_closed_with_bookings(day: date, spec: SessionSpec, cancelled: int, told: int) -> str:
    """After a session holding bookings was closed."""
    return f"已关闭 {fmt_date(day)}{spec.label}，取消 {cancelled} 个预约，已通知 {told} 位经办人。"


def date_closed(day: date, cancelled: int, told: int) -> str:
    """After a date was closed."""
    return f"已关闭 {fmt_full_date(day)}，取消 {cancelled} 个预约，已通知 {told} 位经办人。"


def date_reopened(day: date) -> str:
    """After a closure was undone."""
    return f"已取消对 {fmt_full_date(day)} 的关闭，该日重新开放预约（已取消的预约不会恢复）。"


def capacity_view(day: date, info: DayInfo, cells: Sequence[Availability], closed_reason: str | None,
                  note: str = "") -> str:
    """/capacity: a date's sessions with used/capacity and closures."""
    lines = [note, ""] if note else []
    lines.append(f"⚙ {fmt_full_date(day)} 时段容量 · {day_kind_text(info)}")
    if closed_reason is not None:
        # The closure overrides every session: it is said first, and no session reads 开放.
        lines.append(f"🚫 整日已关闭：{closed_reason}")
    for a in cells:
        state = "整日关闭" if closed_reason is not None else ("已关闭" if a.closed else "开放")
        lines.append(f"{a.session.label} {a.session.hours}：已约 {a.used}/{a.capacity} 分钟，{state}")
    return "\n".join(lines)


