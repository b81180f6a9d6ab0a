"""Texts of the reminders and notices the bot sends on its own (SPEC §5 有号提醒, §7, §8, §10)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from itertools import groupby

from bot.rules.availability import LEVEL_LABELS, level
from bot.rules.basket import BusinessType
from bot.rules.capacity import Availability, SessionSpec
from bot.rules.states import BookingState
from bot.storage.models import Booking, Item
from bot.texts import fmt_date, fmt_full_date, fmt_instant
from bot.texts.booking import count_items, items_line, session_line

VIEW_AVAILABILITY_LABEL = "查看可预约信息"
BOOK_NOW_LABEL = "立即预约"
BOOK_AGAIN_LABEL = "重新预约"
MY_BOOKINGS_LABEL = "我的预约"
RATE_LABEL = "满意度评价"
BOOK_LABEL = "业务预约"


def _cell(cell: Availability) -> str:
    if cell.closed:
        return f"{cell.session.label} 停止预约"
    if cell.left <= 0:
        return f"{cell.session.label} 已满"
    return f"{cell.session.label} 剩余{cell.left}分钟"


def availability_lines(cells: Iterable[Availability]) -> list[str]:
    """One line per date: 10月8日（周四）：上午 剩余540分钟；下午 已满."""
    return [f"{fmt_date(day)}：" + "；".join(_cell(c) for c in group)
            for day, group in groupby(cells, key=lambda c: c.day)]


def level_lines(cells: Iterable[Availability]) -> list[str]:
    """One line per date: 12月3日（周四）：上午 可预约｜下午 紧张 (for the smallest item)."""
    smallest = min(b.minutes for b in BusinessType)
    return [f"{fmt_date(day)}：" + "｜".join(f"{c.session.label} {LEVEL_LABELS[level(c, smallest)]}" for c in group)
            for day, group in groupby(cells, key=lambda c: c.day)]


def release_notice(today: date, cells: Sequence[Availability]) -> str:
    """The 09:00 release notice: today's release, and every date it opened (not only today's)."""
    lines = [f"📢 今日（{today.month}月{today.day}日）号源已开放预约。"]
    if cells:
        days = list(dict.fromkeys(c.day for c in cells))
        lines += [f"本次可预约{len(days)}个工作日：{'、'.join(f'{d.month}月{d.day}日' for d in days)}。",
                  *level_lines(cells),
                  "", "号源有限，先到先得。点击下方按钮查看并预约（已准备的业务数量将直接带入）。"]
    else:
        lines.append("目前没有可预约的日期。")
    lines.append("（如不需要此提醒，可在 /settings 中关闭。）")
    return "\n".join(lines)


def unfilled_items(items: Sequence[Item]) -> list[str]:
    """The items still without applicant data, as the applicant buttons name them (续办 2/2)."""
    counts = Counter(i.business for i in items)
    return [f"{i.business.label} {i.ordinal}/{counts[i.business]}" for i in items if not i.filled]


def deadline_reminder(booking: Booking, spec: SessionSpec | None, filled: int, total: int,
                      missing: Sequence[str] = ()) -> str:
    """15:00 on the deadline day: change/cancel closes at 24:00 today; what is still incomplete."""
    lines = [
        "⏰ 预约修改/取消即将截止",
        f"预约编号：{booking.code}",
        f"办理时间：{fmt_full_date(booking.date)} {session_line(spec, booking.session)}",
        "如需修改信息、改约或取消，请在今日24:00前完成；截止后不能再修改或取消。",
    ]
    if booking.state is BookingState.INCOMPLETE:
        lines.append(f"申请人信息尚未完善（已完善 {filled}/{total}）。"
                     "今日24:00仍未完善的，预约将被系统自动释放。")
        if missing:
            lines.append("待完善：" + "、".join(missing))
    return "\n".join(lines)


def auto_released(booking: Booking, spec: SessionSpec | None) -> str:
    """The booking was released at its deadline because its data was incomplete."""
    return (
        "ℹ️ 预约已自动释放\n"
        f"预约编号：{booking.code}\n"
        f"办理时间：{fmt_full_date(booking.date)} {session_line(spec, booking.session)}\n"
        "截至修改截止时间，该预约的申请人信息仍未完善，系统已自动释放该预约，号源已退回。\n"
        "如仍需办理，请重新预约。"
    )


def appointment_reminder(booking: Booking, spec: SessionSpec | None, address: str,
                         businesses: Iterable[BusinessType], phone: str, arrival: time | None = None) -> str:
    """08:00 on the appointment day: date, session, suggested arrival time, address, items."""
    counts = count_items(businesses)
    come = f"建议到达：{arrival:%H:%M}前后（按预约先后排定，到达后请在窗口出示回执上的签到码）\n" if arrival else ""
    return (
        "📅 今日办理提醒\n"
        f"预约编号：{booking.code}\n"
        f"办理时间：{fmt_full_date(booking.date)} {session_line(spec, booking.session)}\n"
        f"{come}"
        f"地址：{address}\n"
        f"办理业务：{items_line(counts)}（共{booking.minutes}分钟）\n"
        "请按时携带材料到中心办理。\n"
        f"咨询电话：{phone}"
    )


def evaluation_request(booking: Booking) -> str:
    """Right after 已办理 (and once more the next day at 10:00)."""
    return (
        f"✅ 您的预约 {booking.code}（{fmt_date(booking.date)}）已办理完毕。\n"
        "请对本次服务进行满意度评价；下次预约前需完成本次评价。"
    )


def evaluation_followup(booking: Booking) -> str:
    """The day after 已办理, 10:00, if still unrated."""
    return (
        f"🔔 您的预约 {booking.code}（{fmt_date(booking.date)}）尚未进行满意度评价。\n"
        "请点击下方按钮完成评价；下次预约前需完成本次评价。"
    )


def unfrozen(opens: datetime | None) -> str:
    """09:00 on the 1st: the freeze of last month has ended."""
    text = "🔓 本单位上月因「材料与预约信息不符」超过3次而冻结的预约权限已恢复，现在可以再次预约。"
    if opens is not None:
        text += f"\n预约系统将于{fmt_instant(opens)}开放。"
    return text


def watch_available(day: date, cells: Sequence[Availability]) -> str:
    """有号提醒: minutes freed up on the date the clerk waits for."""
    return (
        f"🔔 有号提醒：{fmt_date(day)}有号了！\n"
        + "\n".join(availability_lines(cells))
        + "\n号源有限，先到先得，请尽快预约。此提醒只发送一次。"
    )


def calendar_warning(year: int) -> str:
    """Daily in December while next year's calendar is unconfirmed (to staff)."""
    return (
        f"⚠️ {year}年的工作日历尚未确认。\n"
        f"请根据国务院办公厅公布的{year}年部分节假日安排，在员工控制台维护日历调整"
        "（调休上班、放假），核对无误后由管理员确认该年度日历。\n"
        "确认之前，系统按周一至周五工作、可推算的法定节假日放假计算可预约日期。"
    )
