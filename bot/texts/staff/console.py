"""Texts of /staff, /schedule, /find and the booking card: review, outcome, revoke, history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.read_models import BookingDetails, DaySchedule, ScheduleEntry, SessionSchedule, UnitView
from bot.rules.applicant import IdType, mask_id_number
from bot.rules.arrival import DayMark
from bot.rules.capacity import SessionSpec
from bot.rules.freeze import MismatchState
from bot.rules.states import BookingState
from bot.storage.models import Booking, Item
from bot.texts import fmt_date, fmt_full_date
from bot.texts import mismatch as mismatch_texts
from bot.texts.arrival import board_counts, board_line, card_arrival
from bot.texts.booking import count_items, items_line
from bot.texts.staff.common import RATINGS, REVIEW_LABELS, day_kind_text, fit_message


def item_label(item: Item, count: int, mismatch: MismatchState | None = None) -> str:
    """新办1 张三：通过 (材料不符·待更正) — the label of an item's row in the booking view."""
    name = item.applicant_name or "未填写"
    state = f"·{mismatch.label}" if mismatch is not None else ""
    return f"{item.business.label}{item.ordinal}/{count} {name}：{REVIEW_LABELS.get(item.review, '未审核')}{state}"


def review_not_possible(state_label: str) -> str:
    """A review of a booking that ended without service."""
    return f"该预约状态为「{state_label}」，不能审核。"


def outcome_too_early(day: date) -> str:
    """已办理/未到 before the appointment date."""
    return f"办理日期为{fmt_date(day)}，当天起才能标记已办理或未到。"


QUICK_REASONS: dict[str, tuple[str, ...]] = {
    # ≤ 8 CJK characters each: two to a row on a phone
    "fail": ("材料不齐全", "证件照片不清晰", "信息填写有误", "不符合办理条件"),
    "mismatch": ("姓名不一致", "证件号码不一致", "业务类型不符", "单位信息不符"),
}
CONFIRM_REVIEW = "确认"
CHANGE_REASON = "修改原因"
REVIEW_DRAFT_GONE = "该审核操作已失效（可能已重新选择了原因），请在最新的消息中确认。"


def ask_review_reason(item: Item, result: str) -> str:
    """不通过 / 材料不符: a reason is required — a quick pick or typed."""
    return (f"审核「{item.applicant_name or ''}（{item.business.label}{item.ordinal}）」为【{REVIEW_LABELS[result]}】\n"
            f"请选择原因，或直接输入原因（200字以内，将告知经办人）：")


def confirm_review(item: Item, result: str, reason: str) -> str:
    """The last word before 不通过 / 材料不符 is saved and the clerks told."""
    lines = [f"确认将「{item.applicant_name or ''}（{item.business.label}{item.ordinal}）」审核为【{REVIEW_LABELS[result]}】？",
             f"原因：{reason}", "", "确认后将立即通知该单位的经办人。"]
    if result == "mismatch":
        lines.append("经办人须在修改截止前更正并提交复核；未及时更正的，计入本单位当月“材料不符”次数。")
    return "\n".join(lines)


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
    """The clerk by name with the full phone number (staff must be able to call, SPEC §6)."""
    return f"{booking.contact_name} {booking.contact_phone}"


def schedule_entry(n: int, e: ScheduleEntry) -> list[str]:
    """One booking of a schedule: its number (the number on its button), the unit in full,
    code, items, minutes, state, and the clerk with the full phone."""
    b = e.booking
    return [
        f"{n}. {board_line(e.at, e.mark, e.checked_in_at)}｜{e.unit_name}",
        f"   {b.code}｜{items_line(count_items(i.business for i in e.items))}｜{b.minutes}分钟｜{b.state.label}",
        f"   经办人 {_contact(b)}",
    ]


def schedule_session_head(session: SessionSchedule) -> str:
    """【上午 09:00–12:00】已约 25/540 分钟 — a session's heading in the schedule."""
    state = "（已关闭）" if session.closed else ""
    return f"【{session.spec.label} {session.spec.hours}】已约 {session.used}/{session.capacity} 分钟{state}"


def schedule(s: DaySchedule, *, limit: int) -> str:
    """/schedule: a date's bookings by session (the first ``limit`` bookings, numbered as their buttons)."""
    lines = [f"📅 {fmt_full_date(s.day)} 日程 · {day_kind_text(s.info)}"]
    if s.closed_reason is not None:
        lines.append(f"🚫 中心已关闭该日期：{s.closed_reason}")
    shown = 0
    for session in s.sessions:
        lines += ["", schedule_session_head(session)]
        if not session.entries:
            lines.append("（无预约）")
        marks = [e.mark for e in session.entries if e.mark is not None]
        if any(m is not DayMark.WAITING for m in marks):
            lines.append(board_counts(marks))
        for e in session.entries:
            if shown >= limit:
                break
            shown += 1
            lines += schedule_entry(shown, e)
    total = len(s.entries)
    if total > shown:
        lines += ["", f"……共 {total} 个预约，仅列出前 {shown} 个；完整列表请用 /export 导出。"]
    if s.ended:
        lines += ["", f"另有 {s.ended} 个已取消/释放/撤销的预约未列出。"]
    if shown:
        lines += ["", "点击下方编号查看预约详情。"]
    return fit_message("\n".join(lines), "……列表过长，完整列表请用 /export 导出。")


def booking_view(d: BookingDetails, spec: SessionSpec | None, note: str = "", *,
                 mismatches: Mapping[int, MismatchState] | None = None) -> str:
    """The staff's view of one booking: items with review results (and where each 材料不符
    stands: 待更正 / 已更正，待复核 / 已计入本月次数), state, contact."""
    b = d.booking
    counts: dict[str, int] = {}
    for i in d.items:
        counts[i.business.value] = counts.get(i.business.value, 0) + 1
    lines = [note, ""] if note else []
    lines += [
        f"预约 {b.code}",
        f"状态：{b.state.label}",
        f"单位：{d.unit_name}",
        f"日期：{fmt_full_date(b.date)} {spec.label + ' ' + spec.hours if spec else ''}".rstrip(),
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
        review = REVIEW_LABELS.get(item.review, "未审核")
        if item.review in ("fail", "mismatch") and item.review_reason:
            review += f"（{item.review_reason}）"
        state = (mismatches or {}).get(item.id) if item.review == "mismatch" else None
        if state is not None:
            review += f"·{state.label}"
        lines.append(f"{head} {item.applicant_name} {mask_id_number(item.id_number or '')}｜审核：{review}")
    if b.ended_reason and b.state not in (BookingState.INCOMPLETE, BookingState.PENDING):
        lines.append(f"说明：{b.ended_reason}")
    if d.evaluation is not None:
        lines.append(f"满意度：{RATINGS.get(d.evaluation[0], d.evaluation[0])}"
                     + (f"（{d.evaluation[1]}）" if d.evaluation[1] else ""))
    return "\n".join(lines)


REVEAL_ID = "显示证件号"
HIDE_ID = "隐藏证件号"
REVEALED_NOTE = "证件号已显示（本次查看已记入审计日志）。"


def id_type_label(raw: str | None) -> str:
    """The Chinese name of a stored document type key (居民身份证, 护照, …)."""
    try:
        return IdType(raw or "").label
    except ValueError:
        return raw if raw and not raw.isascii() else "证件"


def item_view(booking: Booking, item: Item, *, revealed: bool = False) -> str:
    """One applicant for staff: phone in full; identity and permit numbers masked unless revealed."""
    lines = [f"预约 {booking.code} · {item.business.label} {item.ordinal}",
             f"申请人：{item.applicant_name or '（未填写）'}"]
    if item.filled:
        number = item.id_number or ""
        lines += [
            f"证件：{id_type_label(item.id_type)} {number if revealed else mask_id_number(number)}",
            f"手机：{item.phone or ''}",
        ]
        if item.permit_number:
            permit = item.permit_number
            lines.append(f"工作居住证编号：{permit if revealed else mask_id_number(permit)}")
        if item.change_description:
            lines.append(f"变更说明：{item.change_description}")
    lines.append(f"审核：{REVIEW_LABELS.get(item.review, '未审核')}"
                 + (f"（{item.review_reason}）" if item.review_reason else ""))
    if revealed:
        lines += ["", REVEALED_NOTE]
    return "\n".join(lines)


def unit_view(v: UnitView, sessions: Mapping[str, str]) -> str:
    """A unit: its month's mismatches, freeze, clerks and bookings."""
    lines = [
        f"单位：{v.unit.name}（用户名 {v.unit.username}）",
        *mismatch_texts.account_lines(v.freeze),
    ]
    if v.clerks:
        lines.append("绑定经办人：" + "、".join(c.first_name or "经办人" for c in v.clerks))
    else:
        lines.append("绑定经办人：无")
    lines.append("有效预约：" if v.active else "有效预约：无")
    lines += [f"· {b.code} {fmt_date(b.date)}{sessions.get(b.session, '')} {b.state.label}"
              for b in v.active]
    if v.recent:
        lines.append("最近预约：")
        lines += [f"· {b.code} {fmt_date(b.date)}{sessions.get(b.session, '')} {b.state.label}"
                  for b in v.recent]
    return "\n".join(lines)


def units_found(count: int) -> str:
    """Several units matched."""
    return f"找到 {count} 个单位，请选择："


