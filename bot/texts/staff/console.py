"""Texts of /staff, /schedule, /find and the booking card: review, outcome, revoke, history."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date

from bot.read_models import BookingDetails, DaySchedule, UnitView
from bot.rules.applicant import mask_id_number, mask_phone
from bot.rules.arrival import DayMark
from bot.rules.capacity import SessionSpec
from bot.rules.states import BookingState
from bot.rules.tz import TZ
from bot.storage.models import AuditEntry, Booking, Item
from bot.texts import fmt_date, fmt_full_date
from bot.texts import mismatch as mismatch_texts
from bot.texts.arrival import CHECK_IN_WAYS, board_counts, board_line, card_arrival
from bot.texts.booking import count_items, items_line
from bot.texts.staff.common import RATINGS, REVIEW_LABELS, day_kind_text, fit_message


def booking_button(booking: Booking, unit_name: str) -> str:
    """001 北京示例科技… — a schedule's button to open one booking."""
    short = unit_name if len(unit_name) <= 8 else unit_name[:7] + "…"
    return f"{booking.code.rsplit('-', 1)[-1]} {short}"


def item_label(item: Item, count: int) -> str:
    """新办1 张三：通过 — the label of an item's row in the booking view."""
    name = item.applicant_name or "未填写"
    return f"{item.business.label}{item.ordinal}/{count} {name}：{REVIEW_LABELS.get(item.review, item.review)}"


def review_not_possible(state_label: str) -> str:
    """A review of a booking that ended without service."""
    return f"该预约状态为「{state_label}」，不能审核。"


def outcome_too_early(day: date) -> str:
    """已办理/未到 before the appointment date."""
    return f"办理日期为{fmt_date(day)}，当天起才能标记已办理或未到。"


def ask_fail_reason(item: Item) -> str:
    """不通过: the reason is required."""
    return f"请输入「{item.applicant_name or ''}（{item.business.label}）」审核不通过的原因（200字以内）："


def ask_revoke_reason(booking: Booking) -> str:
    """撤销预约: the reason is required."""
    return f"请输入撤销预约 {booking.code} 的原因（200字以内，将告知经办人）："


def reviewed(item: Item, told: int) -> str:
    """The staff's line after a review."""
    return f"已记录：{item.applicant_name}（{item.business.label}）{REVIEW_LABELS[item.review]}，已通知 {told} 位经办人。"


def outcome_done(booking: Booking, told: int) -> str:
    """The staff's line after an outcome."""
    return f"已将 {booking.code} 标记为「{booking.state.label}」，已通知 {told} 位经办人。"


def revoked(booking: Booking, told: int) -> str:
    """The staff's line after a revoke."""
    return f"已撤销 {booking.code}，号源已释放，已通知 {told} 位经办人。"


def console(commands: Sequence[tuple[str, str]]) -> str:
    """/staff: the console's commands with their descriptions."""
    lines = ["🛠 工作台（工作人员）", ""]
    lines += [f"/{name} {description}" for name, description in commands]
    return "\n".join(lines)


def _contact(booking: Booking) -> str:
    return f"{booking.contact_name} {mask_phone(booking.contact_phone)}"




def schedule(s: DaySchedule, *, limit: int) -> str:
    """/schedule: a date's bookings by session (the first ``limit`` bookings)."""
    lines = [f"📅 {fmt_full_date(s.day)} 日程 · {day_kind_text(s.info)}"]
    if s.closed_reason is not None:
        lines.append(f"🚫 中心已关闭该日期：{s.closed_reason}")
    shown = 0
    for session in s.sessions:
        state = "（已关闭）" if session.closed else ""
        lines += ["", f"【{session.spec.label} {session.spec.hours}】已约 {session.used}/{session.capacity} 分钟{state}"]
        if not session.entries:
            lines.append("（无预约）")
        marks = [e.mark for e in session.entries if e.mark is not None]
        if any(m is not DayMark.WAITING for m in marks):
            lines.append(board_counts(marks))
        for e in session.entries:
            if shown >= limit:
                break
            shown += 1
            b = e.booking
            lines.append(f"· {board_line(e.at, e.mark, e.checked_in_at)}｜{b.code} {e.unit_name}")
            lines.append(f"  {items_line(count_items(i.business for i in e.items))}｜{b.minutes}分钟｜{b.state.label}")
            lines.append(f"  经办人 {_contact(b)}")
    total = len(s.entries)
    if total > shown:
        lines += ["", f"……共 {total} 个预约，仅列出前 {shown} 个；完整列表请用 /export 导出。"]
    if s.ended:
        lines += ["", f"另有 {s.ended} 个已取消/释放/撤销的预约未列出。"]
    return fit_message("\n".join(lines), "……列表过长，完整列表请用 /export 导出。")




def booking_view(d: BookingDetails, spec: SessionSpec | None, note: str = "") -> str:
    """The staff's view of one booking: items with review results, state, contact."""
    b = d.booking
    counts: dict[str, int] = {}
    for i in d.items:
        counts[i.business.value] = counts.get(i.business.value, 0) + 1
    lines = [note, ""] if note else []
    lines += [
        f"预约 {b.code}",
        f"状态：{b.state.label}",
        f"单位：{d.unit_name}",
        f"日期：{fmt_full_date(b.date)} {spec.label + ' ' + spec.hours if spec else b.session}",
        *card_arrival(d.arrival),
        f"业务：{items_line(count_items(i.business for i in d.items))}（共{b.minutes}分钟）",
        f"经办人：{_contact(b)}",
        "申请人：",
    ]
    for n, item in enumerate(d.items, 1):
        count = counts[item.business.value]
        head = f"{n}. {item.business.label} {item.ordinal}/{count}"
        if not item.filled:
            lines.append(f"{head} （未填写）")
            continue
        review = REVIEW_LABELS.get(item.review, item.review or "")
        if item.review == "fail" and item.review_reason:
            review += f"（{item.review_reason}）"
        lines.append(f"{head} {item.applicant_name} {mask_id_number(item.id_number or '')}｜审核：{review}")
    if b.ended_reason and b.state not in (BookingState.INCOMPLETE, BookingState.PENDING):
        lines.append(f"说明：{b.ended_reason}")
    if d.evaluation is not None:
        lines.append(f"满意度：{RATINGS.get(d.evaluation[0], d.evaluation[0])}"
                     + (f"（{d.evaluation[1]}）" if d.evaluation[1] else ""))
    return "\n".join(lines)


def item_view(booking: Booking, item: Item) -> str:
    """One item's details for staff (identity masked)."""
    lines = [
        f"预约 {booking.code} · {item.business.label} {item.ordinal}",
        f"申请人：{item.applicant_name or '（未填写）'}",
    ]
    if item.filled:
        lines += [
            f"证件：{item.id_type or ''} {mask_id_number(item.id_number or '')}",
            f"手机：{mask_phone(item.phone or '')}",
        ]
        if item.permit_number:
            lines.append(f"工作居住证编号：{mask_id_number(item.permit_number)}")
        if item.change_description:
            lines.append(f"变更说明：{item.change_description}")
    lines.append(f"审核：{REVIEW_LABELS.get(item.review, item.review)}"
                 + (f"（{item.review_reason}）" if item.review_reason else ""))
    return "\n".join(lines)


_ACTIONS = {
    "book": "预约", "cancel": "取消", "release": "释放", "revoke": "撤销", "reschedule": "改约",
    "review": "审核", "serve": "已办理", "no_show": "未到", "complete": "信息完善",
    "applicant": "填写申请人", "rebooked": "已改约", "copy_applicants": "带入申请人信息",
    "change_contact": "修改经办人", "change_counts": "修改业务数量", "evaluate": "满意度评价",
    "check_in": "签到",
}
_KEYS = {"state": "状态", "reason": "原因", "date": "日期", "session": "时段", "review": "审核",
         "item": "申请项", "minutes": "分钟", "code": "编号", "to": "改约至", "from": "来自",
         "contact_name": "经办人", "contact_phone": "电话", "name": "姓名", "id_type": "证件类型",
         "id_number": "证件号码", "phone": "手机", "permit_number": "居住证编号", "rating": "评分",
         "via": "方式"}


def _value(key: str, value: object) -> str:
    if key == "state" and isinstance(value, str):
        try:
            return BookingState(value).label
        except ValueError:
            return value
    if key == "review":
        return REVIEW_LABELS.get(value, str(value))  # type: ignore[arg-type]
    if key == "via":
        return CHECK_IN_WAYS.get(str(value), str(value))
    return "—" if value is None else str(value)


def _changes(before: str | None, after: str | None) -> str:
    old = json.loads(before) if before else {}
    new = json.loads(after) if after else {}
    parts = []
    for key in dict.fromkeys([*old, *new]):
        if key in {"items"} and isinstance(new.get(key), dict):
            continue
        a, b = old.get(key), new.get(key)
        if key == "item" or a == b:
            continue
        label = _KEYS.get(key, key)
        parts.append(f"{label}：{_value(key, a)}→{_value(key, b)}" if key in old else f"{label}：{_value(key, b)}")
    return "；".join(parts)


def _actor_label(actor: str) -> str:
    return {"system": "系统", "cli": "命令行"}.get(actor, actor)


def _item_of(entry: AuditEntry, items: Mapping[int, str]) -> str:
    """Which applicant an audit line is about (「新办2」), if it names an item."""
    for raw in (entry.after, entry.before):
        value = json.loads(raw).get("item") if raw else None
        if isinstance(value, int) and value in items:
            return items[value]
    return ""


def history(booking: Booking, entries: Sequence[AuditEntry], items: Sequence[Item] = ()) -> str:
    """A booking's audit lines: time, actor, action (and which applicant), before → after."""
    labels = {i.id: f"{i.business.label}{i.ordinal}" for i in items}
    lines = [f"预约 {booking.code} 历史记录"]
    for e in entries:
        local = e.at.astimezone(TZ)
        change = _changes(e.before, e.after)
        item = _item_of(e, labels)
        lines.append(f"{local:%m-%d %H:%M} {_actor_label(e.actor)} {_ACTIONS.get(e.action, e.action)}"
                     + (f"〔{item}〕" if item else "") + (f"：{change}" if change else ""))
    if len(entries) == 0:
        lines.append("（无记录）")
    return fit_message("\n".join(lines), "……记录过长，仅显示前面部分。")


def unit_view(v: UnitView, sessions: Mapping[str, str]) -> str:
    """A unit: its month's mismatches, freeze, clerks and bookings."""
    lines = [
        f"单位：{v.unit.name}（用户名 {v.unit.username}）",
        *mismatch_texts.account_lines(v.freeze),
    ]
    if v.clerks:
        lines.append("绑定经办人：" + "、".join(f"{c.first_name or '经办人'}（{c.user_id}）" for c in v.clerks))
    else:
        lines.append("绑定经办人：无")
    lines.append("有效预约：" if v.active else "有效预约：无")
    lines += [f"· {b.code} {fmt_date(b.date)}{sessions.get(b.session, b.session)} {b.state.label}"
              for b in v.active]
    if v.recent:
        lines.append("最近预约：")
        lines += [f"· {b.code} {fmt_date(b.date)}{sessions.get(b.session, b.session)} {b.state.label}"
                  for b in v.recent]
    return "\n".join(lines)


def units_found(count: int) -> str:
    """Several units matched."""
    return f"找到 {count} 个单位，请选择："


