"""Texts of arrival times and check-in at the counter (SPEC §4 "Arrival time")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from bot.read_models import NoShowOffer, SessionArrivalStats
from bot.rules.arrival import DayMark
from bot.rules.capacity import SessionSpec
from bot.rules.states import ACTIVE_STATES, BookingState
from bot.rules.tz import TZ
from bot.storage.models import ArrivalRow, Booking
from bot.texts import fmt_date, utf16_len


def hhmm(at: datetime) -> str:
    """09:52, in Beijing time."""
    return f"{at.astimezone(TZ):%H:%M}"


def suggested(at: time) -> str:
    """建议09:45前后到达."""
    return f"建议{at:%H:%M}前后到达"


def receipt_arrival(state: BookingState, row: ArrivalRow | None) -> list[str]:
    """The receipt's / card's arrival line: the suggested time, or 已签到 once checked in."""
    if row is None:
        return []
    if row.checked_in_at is not None:
        return [f"到达时间：已签到 {hhmm(row.checked_in_at)}"]
    if row.promised is None or state not in ACTIVE_STATES:
        return []
    return [f"到达时间：{suggested(row.promised)}（按预约先后排定，免长时间排队）"]


def card_arrival(row: ArrivalRow | None) -> list[str]:
    """The staff card's arrival line: the suggested time, and the check-in once done."""
    if row is None or row.promised is None:
        return []
    checked = f"｜已签到 {hhmm(row.checked_in_at)}" if row.checked_in_at is not None else "｜未签到"
    return [f"建议到达：{row.promised:%H:%M}{checked}"]


MESSAGE_LIMIT = 4000  # Telegram allows 4096 UTF-16 units per message
QR_FILENAME = "checkin.png"


def qr_caption(code: str, at: time | None) -> str:
    """The caption of the receipt's check-in QR code."""
    when = f"，{suggested(at)}" if at is not None else ""
    return (f"签到码（预约编号 {code}{when}）\n"
            "到达中心后请在窗口出示此二维码，工作人员扫码即完成签到。请勿转发他人。")


# how a check-in (or a 未到) was recorded, as the booking's history shows it
CHECK_IN_WAYS = {"qr": "扫描签到码", "card": "预约卡片", "code": "输入编号", "session_end": "时段结束统一标记"}
NOT_STAFF_SCAN = "这是预约签到码：到达中心后请在窗口出示给工作人员扫码签到。"
TOKEN_UNKNOWN = "签到码无效：请核对是否为本中心预约回执上的二维码。"
CODE_UNKNOWN = "没有找到这个预约编号或签到码，请核对后重新输入。"
OFFER_CHANGED = "名单已有变化（有人签到、已办理或取消），请查看最新名单后再确认。"
ASK_CODE = "请输入要签到的预约编号（如 CY20261203-007），或扫描回执上的签到码："
CHECK_IN = "签到"
QR_LABEL = "签到码"
CHECK_IN_BY_CODE = "输入编号签到"
MARK_ALL_NO_SHOW = "全部标记未到"
NOT_NOW = "暂不处理"
NO_ABSENTEES = "该时段没有需要标记「未到」的预约（时段未结束，或都已签到/办理）。"


def already_checked_in(at: datetime) -> str:
    """A spent code: the booking was checked in before."""
    return f"该预约已于{fmt_date(at.astimezone(TZ).date())}{hhmm(at)}签到，签到码不能重复使用。"


def not_active(booking: Booking) -> str:
    """A booking that ended (or was served) cannot be checked in."""
    return f"预约 {booking.code} 当前状态为「{booking.state.label}」，不能签到。"


def wrong_day(day: date) -> str:
    """Check-in only on the appointment date."""
    return f"该预约的办理日期是{fmt_date(day)}，只能在当天签到。"


def checked_in(booking: Booking, at: datetime) -> str:
    """The note above the card after a check-in."""
    return f"✅ {booking.code} 已签到 {hhmm(at)}"


def board_line(at: time | None, mark: DayMark | None, checked_in_at: datetime | None) -> str:
    """One schedule line's arrival part: 09:45 🟢 已到达 09:52."""
    shown = f"{at:%H:%M}" if at is not None else "--:--"
    if mark is None:
        return shown
    label = mark.label
    if mark is DayMark.ARRIVED and checked_in_at is not None:
        label = f"{label} {hhmm(checked_in_at)}"
    return f"{shown} {label}"


def board_counts(marks: Sequence[DayMark]) -> str:
    """已到达 2 · 迟到 1 · 已办理 3 · 未到达 4 — a session's marks counted."""
    order = (DayMark.ARRIVED, DayMark.LATE, DayMark.DONE, DayMark.WAITING, DayMark.NO_SHOW)
    return " · ".join(f"{m.label.split(' ')[-1]} {marks.count(m)}" for m in order if m in marks)


def no_show_offer(offer: NoShowOffer) -> str:
    """The end-of-session question: mark these not-checked-in bookings 未到?"""
    lines = [
        f"{fmt_date(offer.day)}{offer.spec.label}（{offer.spec.hours}）已结束，"
        f"以下{len(offer.bookings)}个预约未签到：",
    ]
    tail = ["", "确认后全部标记为「未到」，并通知各单位经办人。如有人已到达，请先签到再确认。"]
    full = "\n".join([*lines, *(f"• {b.code} {offer.unit_names.get(b.unit_id, '')}" for b in offer.bookings), *tail])
    if utf16_len(full) <= MESSAGE_LIMIT:
        return full
    # The button marks every booking listed, so none may be cut off: codes only, then.
    return "\n".join([*lines, "、".join(b.code for b in offer.bookings), *tail])


def no_shows_marked(count: int, told: int) -> str:
    """After the 未到 step."""
    return f"已将{count}个预约标记为「未到」，已通知{told}位经办人。"


def no_show_offer_button(spec: SessionSpec, count: int) -> str:
    """The schedule's button to the 未到 step of an ended session."""
    return f"{spec.label}未签到{count}个"


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = round(value.total_seconds() / 60)
    return f"{minutes}分钟"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def stats_block(rows: Sequence[SessionArrivalStats]) -> str:
    """/stats: per session, average wait from check-in to 已办理, late and 未到 rates."""
    lines = ["到场情况（按时段）："]
    for r in rows:
        lines.append(
            f"{r.spec.label}：签到{r.checked_in}个，平均等候{_duration(r.average_wait)}；"
            f"迟到率{_rate(r.late_rate)}（{r.late}/{r.checked_in}）；"
            f"未到率{_rate(r.no_show_rate)}（{r.no_show}/{r.outcomes}）"
        )
    lines.append("（等候：签到至「已办理」；迟到：签到晚于建议到达时间30分钟以上）")
    return "\n".join(lines)
