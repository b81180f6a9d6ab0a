"""Texts of 我的预约: the list, 修改信息, 办理数量, 改约 and 取消预约 (SPEC §5.7, §7)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from bot.read_models import BookingDetails, MoveOption
from bot.rules.applicant import mask_phone
from bot.rules.availability import LEVEL_LABELS, level
from bot.rules.basket import MAX_MINUTES, BusinessType
from bot.rules.capacity import SessionSpec
from bot.rules.states import BookingState
from bot.storage.models import Booking, Item
from bot.texts import CHANGE_DEADLINE_PASSED, centre_contact, fmt_date, fmt_full_date, fmt_instant
from bot.texts.applicants import item_result
from bot.texts.arrival import receipt_arrival
from bot.texts.booking import NEXT_STEP_LABEL, code_line, count_items, items_line, session_line, short_date
from bot.texts.counts import count_lines
from bot.texts.html import Html, html_lines

# Button labels quoted in the SPEC / brief: contracts, verbatim.
EDIT_LABEL = "修改信息"
RESCHEDULE_LABEL = "改约"
CANCEL_LABEL = "取消预约"
CONFIRM_CANCEL_LABEL = "确认取消"
APPLICANTS_LABEL = "申请人信息"
CONTACT_LABEL = "经办人信息"
COUNTS_LABEL = "办理数量"
CONFIRM_LABEL = "确定"
BOOK_LABEL = "业务预约"
MY_LABEL = "我的预约"
KEEP_NAME_LABEL = "姓名不变"
ICS_LABEL = "下载新的日历文件"

NO_BOOKINGS = "您目前没有待办理的预约。"


def list_header(count: int) -> str:
    """The first message of 我的预约."""
    return f"我的预约（待办理预约）：共{count}个。\n截止时间前可修改信息、改约或取消预约。"


def booking_card(details: BookingDetails, spec: SessionSpec | None, phone: str) -> Html:
    """One active booking as 我的预约 shows it (HTML: the code is tap-to-copy).

    Each item's review result is shown (SPEC §8: ✅ 通过 / ⚠️ 材料不符 / ❌ 不通过, a filled
    but unreviewed item is not ✅); after the deadline it says why nothing can change and
    how to reach the centre.
    """
    b = details.booking
    filled = sum(1 for i in details.items if i.filled)
    counts = count_items(i.business for i in details.items)
    lines = [
        code_line(b.code, b.date),
        f"状态：{b.state.label}",
        f"办理日期：{fmt_full_date(b.date)}",
        f"时段：{session_line(spec, b.session)}",
        *receipt_arrival(b.state, details.arrival),
        f"办理业务：{items_line(counts)}（共{b.minutes}分钟）",
        f"申请人信息：已完善 {filled}/{len(details.items)}",
    ]
    for item in details.items:
        name = f" {item.applicant_name}" if item.filled else ""
        result = item_result(item, details.mismatches.get(item.id))
        lines.append(f"· {item.business.label} {item.ordinal}/{counts[item.business]}{name}　{result}")
    lines += [
        f"经办人：{b.contact_name} {mask_phone(b.contact_phone)}",
        f"修改/取消截止：{fmt_instant(details.deadline)}",
    ]
    if not b.state.is_active:
        lines += ["", f"该预约状态为「{b.state.label}」，不能再修改。"]
    elif not details.changeable:
        lines += ["", CHANGE_DEADLINE_PASSED, centre_contact(phone)]
    elif b.state is BookingState.INCOMPLETE:
        lines += ["", f"请点击「{NEXT_STEP_LABEL}」完善申请人信息；截止时仍未完善的预约将被自动释放。"]
    return html_lines(lines, marked=[b.code])


def edit_menu(code: str) -> str:
    """修改信息: what can be changed."""
    return f"修改预约 {code} 的信息，请选择："


# ---------------------------------------------------------------- 经办人信息


def ask_contact_name(current: str) -> str:
    """First question of the contact edit."""
    return f"请输入新的经办人姓名（当前：{current}）。\n如姓名不变，请点击「{KEEP_NAME_LABEL}」。"


def ask_contact_phone(current_masked: str) -> str:
    """Second question of the contact edit."""
    return f"请输入经办人的11位手机号码（当前：{current_masked}）："


def contact_changed(code: str, name: str, phone: str) -> str:
    """The contact edit was saved."""
    return f"预约 {code} 的经办人信息已修改为：{name} {mask_phone(phone)}。"


CONTACT_DRAFT_LOST = "修改已中断，请在「我的预约」中重新操作。"


# ---------------------------------------------------------------- 办理数量


def counts_editor(code: str, before: Mapping[BusinessType, int], before_minutes: int,
                  now: Mapping[BusinessType, int], now_minutes: int) -> str:
    """The +/− editor of the item counts."""
    return "\n".join([
        f"修改办理数量（预约编号 {code}）",
        f"原：{items_line(before)}（共{before_minutes}分钟）",
        f"现：{items_line(now)}（共{now_minutes}分钟）",
        "",
        *count_lines(now),
        f"合计：{now_minutes}分钟 / {MAX_MINUTES}分钟",
        "",
        f"预约总时长不超过{MAX_MINUTES}分钟；增加的时长须在本时段剩余号源之内。",
        "点击「＋」「－」调整数量，完成后点击「确定」。",
    ])


def over_limit(business: BusinessType, minutes: int) -> str:
    """Refusal of a + that would pass the 60-minute cap."""
    return (f"预约总时长不超过{MAX_MINUTES}分钟：当前已{minutes}分钟，"
            f"再增加一项{business.label}（{business.minutes}分钟）将超出。")


def none_to_remove(business: BusinessType) -> str:
    """Refusal of a − on a type with no items."""
    return f"{business.label}的数量已为0。"


COUNTS_UNCHANGED = "办理数量没有变化。"
COUNTS_NO_ROOM = "本时段剩余号源不足，不能增加办理数量。可减少数量，或通过「改约」选择有余量的时段。"


def cannot_remove_reviewed(business: BusinessType, ordinal: int) -> str:
    """Refusal: a reviewed item stays (its result is on record)."""
    return f"{business.label} 第{ordinal}项已经中心审核，不能删除。如需调整，请联系中心。"


def item_title(item: Item, total: int) -> str:
    """新办 1/2 张三."""
    name = f" {item.applicant_name}" if item.applicant_name else ""
    return f"{item.business.label} {item.ordinal}/{total}{name}"


def confirm_counts(code: str, before: Mapping[BusinessType, int], before_minutes: int,
                   after: Mapping[BusinessType, int], after_minutes: int,
                   removed_filled: Iterable[str], added: int) -> str:
    """The confirmation of new counts, with a warning for filled items that will go."""
    lines = [
        "确认修改办理数量？",
        f"预约编号：{code}",
        f"原：{items_line(before)}（共{before_minutes}分钟）",
        f"新：{items_line(after)}（共{after_minutes}分钟）",
    ]
    removed = list(removed_filled)
    if removed:
        lines += ["", "⚠️ 以下已填写的申请人信息将被删除：", *(f"· {r}" for r in removed)]
    if added:
        lines += ["", f"新增{added}项需补充申请人信息；截止时仍未完善的预约将被自动释放。"]
    return "\n".join(lines)


def counts_changed(code: str, counts: Mapping[BusinessType, int], minutes: int, incomplete: bool) -> str:
    """The new counts were saved."""
    text = f"预约 {code} 的办理数量已修改为：{items_line(counts)}（共{minutes}分钟）。"
    if incomplete:
        text += f"\n请点击「{APPLICANTS_LABEL}」补充新增申请人的信息。"
    return text


# ---------------------------------------------------------------- 改约


_MOVE_STATES = {"current": "当前预约", "full": "已满", "held": "本单位已约"}


def move_options(booking: Booking, spec: SessionSpec | None, options: list[MoveOption]) -> str:
    """The bookable window for a move, one line per date: each session 可预约 / 紧张 / 已满, or why not."""
    lines = [
        f"改约：预约 {booking.code}（{fmt_date(booking.date)} {session_line(spec, booking.session)}，"
        f"共{booking.minutes}分钟）",
        "可改约的日期和时段：",
    ]
    by_day: dict[date, list[MoveOption]] = {}
    for option in options:
        by_day.setdefault(option.cell.day, []).append(option)
    for day, found in by_day.items():
        cells = "｜".join(f"{o.cell.session.label} {move_state(o, booking.minutes)}" for o in found)
        lines.append(f"{fmt_date(day)}：{cells}")
    if any(o.status == "free" for o in options):
        lines += ["", "请选择新的日期和时段："]
    else:
        lines += ["", "目前没有可改约的时段，请稍后再查询。"]
    return "\n".join(lines)


def move_state(option: MoveOption, minutes: int) -> str:
    """当前预约, 可预约 / 紧张, 已满 or 本单位已约."""
    if option.status == "free":
        return LEVEL_LABELS[level(option.cell, minutes)]
    return _MOVE_STATES[option.status]


def move_button(option: MoveOption, minutes: int) -> str:
    """One bookable cell of the move list: 「12/3 上午 可预约」."""
    cell = option.cell
    return f"{short_date(cell.day)} {cell.session.label} {move_state(option, minutes)}"


def confirm_move(booking: Booking, old: SessionSpec | None, day: date, new: SessionSpec | None,
                 session: str) -> str:
    """The confirmation of a move."""
    return (
        "确认改约？\n"
        f"预约编号：{booking.code}\n"
        f"原：{fmt_full_date(booking.date)} {session_line(old, booking.session)}\n"
        f"新：{fmt_full_date(day)} {session_line(new, session)}\n"
        "确认后新时段立即生效，原时段的号源将释放。"
    )


def moved(booking: Booking, spec: SessionSpec | None) -> Html:
    """The move was made; the code stays and the calendar file follows."""
    return html_lines([
        f"改约成功：预约 {booking.code} 已改至{fmt_full_date(booking.date)} {session_line(spec, booking.session)}。",
        "预约编号不变；回执已更新，新的日历文件随后发送，打开即可更新手机日历中的日程。",
    ], marked=[booking.code])


def move_failed(reason: str) -> str:
    """The move was refused; the old booking is untouched."""
    return f"{reason}\n原预约保持不变。以下是最新的可预约信息：\n"


# ---------------------------------------------------------------- 取消预约


def confirm_cancel(booking: Booking, spec: SessionSpec | None) -> str:
    """The confirmation of a cancellation."""
    return (
        f"确认取消预约 {booking.code}（{fmt_full_date(booking.date)} {session_line(spec, booking.session)}）？\n"
        "取消后号源将释放给其他单位，不能恢复。"
    )


def cancelled(code: str) -> str:
    """The booking was cancelled."""
    return f"预约 {code} 已取消，号源已释放。如需办理，请重新预约。"
