"""Texts of the 材料不符 rule (SPEC §8): where the unit stands, the review notice's
mismatch lines, the clerk's 「已更正，请复核」 and what staff are told of it.

Every mismatch message says plainly where the unit stands, never a count like 4/3:
「本月已计N次；再有M次将冻结本月预约权限」, and a freeze says 「次月1日起可再次预约」.
"""

from __future__ import annotations

from datetime import datetime

from bot.rules.freeze import FreezeStatus, MismatchState
from bot.storage.models import Booking, Item
from bot.texts import fmt_date, fmt_instant

CORRECTED_LABEL = "已更正，请复核"
OPEN_BOOKING_LABEL = "查看预约"
SEE_RESULTS_LABEL = "查看审核结果"
TERM = "材料与预约信息不符"


def standing(status: FreezeStatus) -> str:
    """「本月已计N次；再有M次将冻结本月预约权限」, or the freeze and when booking is possible again."""
    return f"「{TERM}」{status.display}。"


def account_lines(status: FreezeStatus) -> list[str]:
    """我的账户: the month's count and whether the unit may book."""
    lines = [f"材料不符：{status.display}"]
    lines.append("预约权限：已冻结（已有的预约不受影响）" if status.frozen else "预约权限：正常")
    return lines


def state_mark(state: MismatchState | None) -> str:
    """A short mark of a mismatch's state beside ⚠️ 材料不符 on the clerk's screens."""
    if state is MismatchState.PENDING:
        return "待更正"
    if state is MismatchState.CORRECTED:
        return "已更正，待复核"
    if state is MismatchState.COUNTED:
        return "已计入本月次数"
    return ""


def review_lines(state: MismatchState | None, status: FreezeStatus, deadline: datetime, newly_frozen: bool) -> list[str]:
    """The mismatch part of the clerks' review notice."""
    if state is MismatchState.PENDING:
        lines = [
            f"请在{fmt_instant(deadline)}（修改截止时间）前修改该申请人的预约信息（「修改信息」），"
            f"再点击「{CORRECTED_LABEL}」通知中心复核。",
            "逾期仍未更正的，计入本单位本月「材料不符」次数。",
        ]
    elif state is MismatchState.COUNTED:
        lines = ["已过修改截止时间，本次「材料不符」已计入本单位本月次数。"]
    else:
        lines = []
    lines.append(standing(status))
    if newly_frozen:
        lines.append("本月预约权限已冻结，次月1日起可再次预约。已有的预约不受影响。")
    return lines


def withdrawn_line(status: FreezeStatus) -> str:
    """A 材料不符 replaced by another result: it no longer counts."""
    return f"此前的「材料不符」结果已撤销，不计入次数。{standing(status)}"


def corrected_ok(deadline: datetime) -> str:
    """The clerk's confirmation after 「已更正，请复核」."""
    return (f"已通知中心复核。复核通过前请勿再次修改；在{fmt_instant(deadline)}前已更正的，"
            "不计入「材料不符」次数。")


def staff_corrected(booking: Booking, item: Item, unit_name: str) -> str:
    """What staff are told when a clerk reports a correction."""
    return "\n".join([
        "【待复核】经办人已更正「材料不符」",
        f"单位：{unit_name}",
        f"预约编号：{booking.code}（{fmt_date(booking.date)}）",
        f"申请人：{item.applicant_name or '（未填写）'}（{item.business.label} {item.ordinal}）",
        "请打开预约复核该申请人。",
    ])


def counted_notice(booking: Booking, item: Item, status: FreezeStatus) -> str:
    """Told to the clerks when a pending 材料不符 counts at the change deadline."""
    lines = [
        "【材料不符已计入】",
        f"预约编号：{booking.code}（{fmt_date(booking.date)}）",
        f"申请人：{item.applicant_name or '（未填写）'}（{item.business.label}）",
        "该「材料不符」未在修改截止时间前更正，已计入本单位本月次数。",
        standing(status),
    ]
    if status.frozen:
        lines.append("已有的预约不受影响。")
    return "\n".join(lines)
