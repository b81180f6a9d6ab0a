"""Texts of the booking flow and of the booking receipt (SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from bot.read_models import BookingDetails
from bot.rules.applicant import mask_phone
from bot.rules.basket import BusinessType
from bot.rules.capacity import Availability, SessionSpec
from bot.rules.states import BookingState
from bot.texts import SESSION_CLOSED, fmt_date, fmt_full_date, fmt_instant
from bot.texts.arrival import receipt_arrival

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


RECEIPT_TITLE = "📋 预约回执"


def receipt(details: BookingDetails, spec: SessionSpec | None, address: str, phone: str) -> str:
    """The booking receipt; edited in place whenever the booking changes."""
    b = details.booking
    counts = count_items(i.business for i in details.items)
    filled = sum(1 for i in details.items if i.filled)
    lines = [
        RECEIPT_TITLE,
        f"预约编号：{b.code}",
        f"状态：{b.state.label}",
        f"单位：{details.unit_name}",
        f"办理日期：{fmt_full_date(b.date)}",
        f"时段：{session_line(spec, b.session)}",
        *receipt_arrival(b.state, details.arrival),
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


ICS_CAPTION = "可将预约添加到手机日历"
ICS_MOVED_CAPTION = "改约后的日历文件：可添加到手机日历（原日程请删除）"


def ics_summary(code: str) -> str:
    """The calendar entry's title."""
    return f"工作居住证业务办理（{code}）"


# ---------------------------------------------------------------- the booking conversation

CANCEL_LABEL = "取消"
KEEP_CONTACT_LABEL = "使用以上信息"
EDIT_CONTACT_LABEL = "修改"
FILL_CONTACT_LABEL = "填写经办人信息"
REFRESH_LABEL = "刷新"
RATE_LABEL = "去评价"
MY_BOOKINGS_LABEL = "我的预约"
ADD_LABEL = "+"
SUB_LABEL = "−"

NOTICE_PROMPT = "请认真阅读以上须知，点击下方按钮接受后继续预约。"
NOTICE_BACK_HINT = "（阅读完毕请点击「返回」继续预约。）"
BOOKING_CANCELLED = "已取消本次预约。"

ASK_CONTACT_NAME = "请输入经办人姓名："
ASK_CONTACT_PHONE = "请输入经办人手机号码（11位）："

EMPTY_BASKET = "请至少选择一项业务，再查询可预约信息。"
COUNT_ZERO = "数量已为0。"
PREPARED = "已保存您选择的经办人信息和业务数量；系统开放后点击「查询可预约信息」即可查询并预约。"
NO_DATES = "目前没有可预约的日期，请稍后再试。"
CHOOSE_SLOT = "请点击标有「可预约」的时段进行预约。"
ALL_FULL = "可预约日期的号源已全部约满。可点击「有号提醒」登记，有号时将通知您。"
WATCH_EXISTS = "您已登记过该日期的有号提醒，有号时将通知您。"
WATCH_NOT_NEEDED = "该日期现在有可预约的时段，请直接预约。"
SLOT_NOT_FOUND = "该时段不存在，请重新选择。"
CONFIRM_PROMPT = "请核对以下预约信息，确认无误后点击「确定」。"


def business_label(business: BusinessType) -> str:
    """新办（15分钟/个）— a basket row's label, as in the web form."""
    return f"{business.label}（{business.minutes}分钟/个）"


def business_info(business: BusinessType) -> str:
    """The popup of a basket row's label: what the type covers."""
    return f"{business.label}：{business.covers}，每个{business.minutes}分钟。"


def total_line(minutes: int, cap: int) -> str:
    """合计：35分钟 / 60分钟."""
    return f"合计：{minutes}分钟 / {cap}分钟"


def over_cap(business: BusinessType, minutes: int, cap: int) -> str:
    """The popup when one more item would pass the 60-minute cap."""
    return (
        f"预约总时长不超过{cap}分钟。当前已选{minutes}分钟，"
        f"再加1个{business.label}（{business.minutes}分钟）将超出上限。"
    )


def contact_line(name: str, phone: str) -> str:
    """经办人：李雷 138****8000 (the phone masked)."""
    return f"经办人：{name} {mask_phone(phone)}"


def contact_panel(digest: str, name: str | None, phone: str | None, closed_hint: str | None) -> str:
    """The contact step: the notice digest, then the contact to confirm (or a request for one)."""
    lines = [digest, ""]
    if closed_hint:
        lines += [closed_hint, "您可以先准备经办人信息和业务数量。", ""]
    if name and phone:
        lines += [contact_line(name, phone), "请确认经办人信息，或点击「修改」重新填写。"]
    else:
        lines += ["请填写本次预约的经办人姓名和手机号码。"]
    return "\n".join(lines)


def notice_full(accept_needed: bool, notice_text: str) -> str:
    """The full notice, with what to do after reading it."""
    return f"{notice_text}\n\n{NOTICE_PROMPT if accept_needed else NOTICE_BACK_HINT}"


def basket_panel(counts: Mapping[BusinessType, int], minutes: int, cap: int) -> str:
    """The business counts step (the web's 预约办理业务 table)."""
    lines = ["请选择需要办理的业务及数量（点击「+」「−」调整）："]
    lines += [f"{business_label(b)}：{counts.get(b, 0)}" for b in BusinessType]
    lines += ["", total_line(minutes, cap), f"预约总时长不超过{cap}分钟！"]
    return "\n".join(lines)


def slot_label(cell: Availability, minutes: int) -> str:
    """12月2日（周三）上午 可预约 余525分钟 — or … 已满 when this basket does not fit."""
    head = f"{fmt_date(cell.day)}{cell.session.label}"
    return f"{head} 可预约 余{cell.left}分钟" if cell.fits(minutes) else f"{head} 已满"


def watch_label(day: date) -> str:
    """有号提醒 12月2日."""
    return f"有号提醒 {day.month}月{day.day}日"


def availability_panel(counts: Mapping[BusinessType, int], minutes: int, *, note: str = "",
                       any_free: bool, any_dates: bool) -> str:
    """The availability step: what is being booked and how to choose."""
    lines = [note, ""] if note else []
    lines += ["可预约信息", f"办理业务：{items_line(counts)}（共{minutes}分钟）", ""]
    lines.append(CHOOSE_SLOT if any_free else (ALL_FULL if any_dates else NO_DATES))
    return "\n".join(lines)


def closed_panel(note: str, why: str) -> str:
    """The availability step before 09:00 or on a statutory holiday."""
    lines = [note, ""] if note else []
    return "\n".join([*lines, why, "", PREPARED])


def cell_refused(closed: bool) -> str:
    """The popup of a 已满 or closed cell."""
    return SESSION_CLOSED if closed else "该时段剩余号源不足以办理您选择的业务，请选择其他时段。"


def confirm_panel(day: date, spec: SessionSpec | None, session: str, counts: Mapping[BusinessType, int],
                  minutes: int, name: str, phone: str) -> str:
    """The confirmation dialogue (图4)."""
    return "\n".join([
        CONFIRM_PROMPT,
        "",
        f"办理日期：{fmt_full_date(day)}",
        f"时段：{session_line(spec, session)}",
        f"办理业务：{items_line(counts)}",
        f"合计：{minutes}分钟",
        contact_line(name, phone),
    ])


def booked_prompt(code: str, deadline: datetime) -> str:
    """After 确定: the notice's prompt (图5) — what to do next, and the change deadline."""
    return "\n".join([
        f"预约成功！预约编号：{code}",
        "",
        "请注意：",
        f"1. 请点击回执中的「{NEXT_STEP_LABEL}」，逐项填写申请人信息；",
        "2. 请于办理日前在北京市工作居住证管理系统完成线上资料上传和数据填报，"
        "已预约人员信息与实际上传材料不符的不予受理，需重新预约；",
        f"3. 如需修改或取消预约，请于{fmt_instant(deadline)}前在「我的预约」中操作；"
        "届时仍未完善申请人信息的预约将被自动释放。",
    ])


def watch_added(day: date) -> str:
    """The 有号提醒 request is stored."""
    return f"已登记{day.month}月{day.day}日的有号提醒，有号时将通知您。"
