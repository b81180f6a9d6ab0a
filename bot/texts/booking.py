"""Texts of the booking flow and of the booking receipt (SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.rules.applicant import mask_phone
from bot.rules.basket import BusinessType
from bot.rules.capacity import SessionSpec
from bot.rules.states import BookingState
from bot.services.booking import BookingDetails
from bot.texts import fmt_full_date, fmt_instant

NEXT_STEP_LABEL = "下一步，即将完成预约"
QUERY_LABEL = "查询可预约信息"
CONFIRM_LABEL = "确定"
EDIT_INFO_LABEL = "修改信息"
CANCEL_BOOKING_LABEL = "取消预约"
RESCHEDULE_LABEL = "改约"


def items_line(counts: Mapping[BusinessType, int]) -> str:
    """新办 ×1、续办 ×2."""
    return "、".join(f"{b.label} ×{n}" for b, n in counts.items() if n) or "（未选择）"


def count_items(businesses: Iterable[BusinessType]) -> dict[BusinessType, int]:
    """Counts per type, in the canonical order."""
    counts = {b: 0 for b in BusinessType}
    for b in businesses:
        counts[b] += 1
    return {b: n for b, n in counts.items() if n}


def session_line(spec: SessionSpec | None, key: str) -> str:
    """上午 09:00–12:00."""
    return f"{spec.label} {spec.hours}" if spec else key


def receipt(details: BookingDetails, spec: SessionSpec | None, address: str, phone: str) -> str:
    """The booking receipt; edited in place whenever the booking changes."""
    b = details.booking
    counts = count_items(i.business for i in details.items)
    filled = sum(1 for i in details.items if i.filled)
    lines = [
        "📋 预约回执",
        f"预约编号：{b.code}",
        f"状态：{b.state.label}",
        f"单位：{details.unit_name}",
        f"办理日期：{fmt_full_date(b.date)}",
        f"时段：{session_line(spec, b.session)}",
        f"地址：{address}",
        f"办理业务：{items_line(counts)}（共{b.minutes}分钟）",
        f"经办人：{b.contact_name} {mask_phone(b.contact_phone)}",
        f"修改/取消截止：{fmt_instant(details.deadline)}",
    ]
    if b.state is BookingState.INCOMPLETE:
        lines += [
            "",
            f"申请人信息：已完善 {filled}/{len(details.items)}。",
            f"请点击「{NEXT_STEP_LABEL}」逐项填写申请人信息；截止时仍未完善的预约将被自动释放。",
            "请于办理日前在北京市工作居住证管理系统完成线上资料上传和数据填报；"
            "已预约人员信息与实际上传材料不符的不予受理。",
        ]
    elif b.state is BookingState.PENDING:
        lines += ["", "申请人信息已全部完善，请按时携带材料到中心办理。", f"咨询电话：{phone}"]
    elif b.ended_reason:
        lines += ["", f"说明：{b.ended_reason}"]
    return "\n".join(lines)


def ics_summary(code: str) -> str:
    """The calendar entry's title."""
    return f"工作居住证业务办理（{code}）"
