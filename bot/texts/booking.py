"""Texts of the booking flow and of the booking receipt (SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from bot.read_models import BookingDetails, WindowDay, WindowView
from bot.rules.applicant import mask_phone
from bot.rules.availability import LEVEL_LABELS, level
from bot.rules.basket import BusinessType
from bot.rules.capacity import Availability, SessionSpec
from bot.rules.states import BookingState
from bot.texts import SESSION_CLOSED, WEEKDAYS, fmt_full_date, fmt_instant
from bot.texts.arrival import receipt_arrival
from bot.texts.counts import count_lines
from bot.texts.html import Html, html_lines

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


def code_moved(code: str, day: date) -> bool:
    """Whether a booking code names another date than the appointment's (it was moved by 改约).

    Codes keep the date of the first booking (CY20261203-001) and never change, so a
    calendar entry and a written-down code stay valid after 改约.
    """
    return code[2:10] != f"{day:%Y%m%d}"


CODE_UNCHANGED = "（改约后预约编号不变，编号中的日期是首次预约的日期，请以办理日期为准）"


def code_line(code: str, day: date) -> str:
    """预约编号：CY… — with the 「编号不变」 note once 改约 moved the booking to another date."""
    return f"预约编号：{code}" + (CODE_UNCHANGED if code_moved(code, day) else "")


def receipt(details: BookingDetails, spec: SessionSpec | None, address: str, phone: str) -> Html:
    """The booking receipt (HTML: the code is tap-to-copy); edited in place whenever the booking changes."""
    b = details.booking
    counts = count_items(i.business for i in details.items)
    filled = sum(1 for i in details.items if i.filled)
    lines = [
        RECEIPT_TITLE,
        code_line(b.code, b.date),
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
    return html_lines(lines, marked=[b.code])


ICS_CAPTION = "可将预约添加到手机日历"
ICS_MOVED_CAPTION = "改约后的日历文件：打开即可更新手机日历中的原日程（预约编号不变）"
ICS_CANCEL_CAPTION = "预约已结束：打开此日历文件即可从手机日历中删除该日程"


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

NOTICE_PROMPT = "请认真阅读以上须知，点击下方按钮接受后继续预约。"
NOTICE_BACK_HINT = "（阅读完毕请点击「返回」继续预约。）"
BOOKING_CANCELLED = "已取消本次预约。"

ASK_CONTACT_NAME = "请输入经办人姓名："
ASK_CONTACT_PHONE = "请输入经办人手机号码（11位）："

EMPTY_BASKET = "请至少选择一项业务，再查询可预约信息。"
COUNT_ZERO = "数量已为0。"
PREPARED = "已保存您选择的经办人信息和业务数量；系统开放后点击「查询可预约信息」即可查询并预约。"
NO_DATES = "目前没有可预约的日期，请稍后再试。"
CHOOSE_SLOT = "请点击标有「可预约」或「紧张」的时段进行预约。"
ALL_FULL = "可预约日期的号源已全部约满。可点击「有号提醒」登记，有号时将通知您。"
WATCH_EXISTS = "您已登记过该日期的有号提醒，有号时将通知您。"
WATCH_NOT_NEEDED = "该日期现在有可预约的时段，请直接预约。"
SLOT_NOT_FOUND = "该时段不存在，请重新选择。"
CONFIRM_PROMPT = "请核对以下预约信息，确认无误后点击「确定」。"


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
    """The business counts step (the web's 预约办理业务 table): names and counts in the text."""
    lines = ["请选择需要办理的业务及数量（点击「＋」「－」调整）："]
    lines += count_lines(counts)
    lines += ["", total_line(minutes, cap), f"预约总时长不超过{cap}分钟！", ""]
    lines += [f"{b.label}：{b.covers}" for b in BusinessType]
    return "\n".join(lines)


def short_date(day: date) -> str:
    """12/2 — a date on a button, where width is scarce."""
    return f"{day.month}/{day.day}"


def slot_label(cell: Availability, minutes: int, in_row: int = 2) -> str:
    """「12/2 上午 可预约」, 「… 紧张」 or 「… 已满」 for this basket (shorter in a row of 3+)."""
    word = LEVEL_LABELS[level(cell, minutes)]
    if in_row > 2:
        return f"{cell.session.label} {word}"
    return f"{short_date(cell.day)} {cell.session.label} {word}"


def held_label(day: date) -> str:
    """A date the unit already holds: 「12/3 本单位已约」."""
    return f"{short_date(day)} 本单位已约"


def day_heading(wday: WindowDay) -> str:
    """12月5日（周六·调休上班）."""
    mark = "·调休上班" if wday.working_weekend else ""
    return f"{wday.day.month}月{wday.day.day}日（周{WEEKDAYS[wday.day.weekday()]}{mark}）"


def window_lines(window: WindowView, minutes: int) -> list[str]:
    """One line per date: each session's level, 本单位已约, or the centre's closure and why."""
    lines = []
    for wday in window.days:
        if wday.held_code is not None:
            state = f"本单位已约（{wday.held_code}），同一日期只能保留一个预约"
        elif wday.closed_reason is not None:
            state = f"中心关闭（{wday.closed_reason}）" if wday.closed_reason else "中心关闭"
        else:
            state = "｜".join(f"{c.session.label} {LEVEL_LABELS[level(c, minutes)]}" for c in wday.cells)
        lines.append(f"{day_heading(wday)}：{state}")
    return lines


def watch_label(day: date) -> str:
    """有号提醒 12月2日."""
    return f"有号提醒 {day.month}月{day.day}日"


def availability_panel(counts: Mapping[BusinessType, int], minutes: int, window: WindowView, *, note: str = "",
                       any_free: bool, any_dates: bool) -> str:
    """The availability step: what is being booked, every date of the window, how to choose."""
    lines = [note, ""] if note else []
    lines += ["可预约信息", f"办理业务：{items_line(counts)}（共{minutes}分钟）", ""]
    lines += window_lines(window, minutes)
    if window.days:
        lines.append("")
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


def booked_prompt(code: str, deadline: datetime) -> Html:
    """After 确定: the notice's prompt (图5) — what to do next, and the change deadline."""
    return html_lines([
        f"预约成功！预约编号：{code}",
        "",
        "请注意：",
        f"1. 请点击回执中的「{NEXT_STEP_LABEL}」，逐项填写申请人信息；",
        "2. 请于办理日前在北京市工作居住证管理系统完成线上资料上传和数据填报，"
        "已预约人员信息与实际上传材料不符的不予受理，需重新预约；",
        f"3. 如需修改或取消预约，请于{fmt_instant(deadline)}前在「我的预约」中操作；"
        "届时仍未完善申请人信息的预约将被自动释放。",
    ], marked=[code])


STALE_DIALOGUE = "这是较早的确认页，已被新的预约操作取代，未作任何预约。请在最新的确认页上操作。"


def watch_added(day: date) -> str:
    """The 有号提醒 request is stored."""
    return f"已登记{day.month}月{day.day}日的有号提醒，有号时将通知您。"
