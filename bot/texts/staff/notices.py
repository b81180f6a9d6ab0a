"""Notices the staff console sends to clerks (SPEC §3, §8): review results, outcomes, revocations,
closures and rebooking. They name the booking code and the applicant by name only.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.read_models import RebookOption
from bot.rules.capacity import SessionSpec
from bot.rules.freeze import MismatchChange, MismatchState
from bot.storage.models import Booking, Item
from bot.texts import fmt_date, fmt_full_date
from bot.texts import mismatch as mismatch_texts
from bot.texts.staff.common import REVIEW_LABELS

# ---------------------------------------------------------------- clerk notices


def review_notice(booking: Booking, item: Item, reason: str | None, change: MismatchChange) -> str:
    """The clerks' notice of one review result (applicant by name only), with the mismatch rule."""
    lines = [
        "【区级网上审核结果】",
        f"预约编号：{booking.code}",
        f"申请人：{item.applicant_name}（{item.business.label}）",
        f"审核结果：{REVIEW_LABELS[item.review]}",
    ]
    if reason:
        lines.append(f"原因：{reason}")
    if item.review == "mismatch":
        lines += mismatch_texts.review_lines(change.after, change.freeze, change.deadline, change.newly_frozen)
    elif change.changed and change.after is MismatchState.WITHDRAWN:
        lines.append(mismatch_texts.withdrawn_line(change.freeze))
    if item.review == "fail":
        lines.append("请按原因修改后重新提交材料。")
    return "\n".join(lines)


def no_show_notice(booking: Booking, phone: str) -> str:
    """未到."""
    return (f"您的预约 {booking.code}（{fmt_date(booking.date)}）已被标记为「未到」。"
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
    return text + "\n目前暂无可改约的号源，请稍后通过「业务预约」重新预约。"


def rebooked(code: str, copied: int) -> str:
    """After a clerk rebooked a cancelled booking."""
    text = f"已为您重新预约，新预约编号 {code}。"
    if copied:
        text += f"原预约的 {copied} 位申请人信息已带入。"
    return text


def rebook_failed(message: str, options_left: bool) -> str:
    """A rebook button whose slot is gone."""
    return message + ("\n请选择其他日期：" if options_left else "\n目前暂无可改约的号源，请稍后通过「业务预约」重新预约。")


