"""The 08:30 digest staff get on working days (SPEC §10): today's schedule at a glance.

Per session: how many bookings and minutes of its capacity, how many applicants per
business, and each unit by name with its booking's state; a button under the
message opens the day's schedule in the console.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.texts import fmt_full_date
from bot.texts.booking import count_items, items_line
from bot.texts.staff.common import fit_message

if TYPE_CHECKING:
    from bot.read_models import DaySchedule, ScheduleEntry

DIGEST_SCHEDULE_LABEL = "查看今日日程"


def digest_entry(e: ScheduleEntry) -> str:
    """One booking of the digest: the unit in full, its items and state."""
    return f"· {e.unit_name}｜{items_line(count_items(i.business for i in e.items))}｜{e.booking.state.label}"


def staff_digest(s: DaySchedule) -> str:
    """08:30: today's bookings by session, with units by name and counts per session."""
    lines = [f"📋 今日预约安排：{fmt_full_date(s.day)}"]
    if s.closed_reason is not None:
        lines.append(f"🚫 中心已关闭该日期：{s.closed_reason}")
    if not s.entries:
        lines.append("今日暂无预约。")
        return "\n".join(lines)
    total_items = sum(len(e.items) for e in s.entries)
    lines.append(f"共 {len(s.entries)} 个预约、{total_items} 位申请人。")
    for session in s.sessions:
        head = f"【{session.spec.label} {session.spec.hours}】"
        if not session.entries:
            lines += ["", f"{head}无预约"]
            continue
        applicants = items_line(count_items(i.business for e in session.entries for i in e.items))
        lines += ["", f"{head}{len(session.entries)}个预约，{applicants}，已约 {session.used}/{session.capacity} 分钟"]
        lines += [digest_entry(e) for e in session.entries]
    return fit_message("\n".join(lines), "……完整列表请点下方「查看今日日程」。")
