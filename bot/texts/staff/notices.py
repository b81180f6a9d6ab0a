"""Notices the staff console sends to clerks (SPEC §3, §8): review results, outcomes, revocations,
closures and rebooking. They name the booking code and the applicant by name only.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.read_models import RebookOption
from bot.rules.capacity import SessionSpec
from bot.rules.freeze import FreezeStatus
from bot.storage.models import Booking, Item
from bot.texts import fmt_date, fmt_full_date, fmt_instant
from bot.texts.staff.common import REVIEW_LABELS

# ---------------------------------------------------------------- clerk notices


def review_notice(booking: Booking, item: Item, reason: str | None, freeze: FreezeStatus | None,
                  newly_frozen: bool) -> str:
    """The clerks' notice of one review result (applicant by name only)."""
    lines = [
        "【区级网上审核结果】",
        f"预约编号：{booking.code}",
        f"申请人：{item.applicant_name}（{item.business.label}）",
        f"审核结果：{REVIEW_LABELS[item.review]}",
    ]
    if reason:
        lines.append(f"原因：{reason}")
    if item.review == "mismatch" and freeze is not None:
        if freeze.frozen and freeze.until is not None:
            lines.append(
                f"本单位本月“材料与预约信息不符”已累计{freeze.count}次，超过3次，本月预约权限已冻结，"
                f"将于{fmt_instant(freeze.until)}自动解冻。已有预约不受影响。"
            )
        else:
            lines.append(
                f"⚠ 本单位本月“材料与预约信息不符”已累计 {freeze.display} 次；"
                "当月超过3次将冻结本月预约权限。请上传与预约信息一致的材料。"
            )
    elif freeze is not None:  # a 材料不符 of this applicant was corrected and withdrawn
        lines.append(f"此前的“材料不符”结果已更正，不再计入；本月累计 {freeze.display} 次。")
    if item.review == "fail":
        lines.append("请按原因修改后重新提交材料。")
    return "\n".join(lines)


def no_show_notice(booking: Booking, phone: str) -> str:
    """未到."""
    return (f"您的预约 {booking.code}（{fmt_date(booking.date)}）已被标记为“未到”。"
            f"如有疑问请联系中心：{phone}。")


def revoke_notice(booking: Booking, session: str, reason: str, phone: str) -> str:
    """撤销预约 by staff."""
    return (f"您的预约 {booking.code}（{fmt_date(booking.date)}{session}）已被中心撤销，号源已释放。\n"
            f"原因：{reason}\n如有疑问请联系中心：{phone}。")


def closure_notice(booking: Booking, reason: str, options: Sequence[RebookOption],
                   session: SessionSpec | None = None) -> str:
    """A booking cancelled because the centre closed its date (or its session)."""
    where = fmt_full_date(booking.date) + (session.label if session is not None else "")
    text = (f"很抱歉，中心因故关闭 {where}（原因：{reason}），"
            f"您的预约 {booking.code} 已取消，号源已释放。")
    if options:
        return text + "\n可点击下方按钮改约至最近有号的日期（业务和申请人信息不变）："
    return text + "\n目前暂无可改约的号源，请稍后通过“业务预约”重新预约。"


def rebooked(code: str, copied: int) -> str:
    """After a clerk rebooked a cancelled booking."""
    text = f"已为您重新预约，新预约编号 {code}。"
    if copied:
        text += f"原预约的 {copied} 位申请人信息已带入。"
    return text


def rebook_failed(message: str, options_left: bool) -> str:
    """A rebook button whose slot is gone."""
    return message + ("\n请选择其他日期：" if options_left else "\n目前暂无可改约的号源，请稍后通过“业务预约”重新预约。")


