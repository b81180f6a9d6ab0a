"""Texts of the staff console (SPEC §11) and of the notices it sends to clerks (§3, §8).

Staff screens are dense but short lines, for a phone. Clerk notices name the booking
code and the applicant by name only (no identity or phone numbers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.rules.applicant import mask_id_number, mask_phone
from bot.rules.calendar import DayInfo
from bot.rules.freeze import FreezeStatus
from bot.rules.states import BookingState
from bot.rules.tz import TZ
from bot.storage.models import AuditEntry, Booking, Item
from bot.texts import WEEKDAYS, fmt_date, fmt_full_date, fmt_instant, utf16_len
from bot.texts.booking import count_items, items_line

if TYPE_CHECKING:
    from bot.rules.capacity import Availability, SessionSpec
    from bot.services.booking import BookingDetails
    from bot.services.staff import CalendarDay, DaySchedule, RebookOption, UnitView

# ---------------------------------------------------------------- labels (buttons)

PREV_DAY = "前一天"
NEXT_DAY = "后一天"
PASS = "通过"
FAIL = "不通过"
MISMATCH = "材料不符"
SERVED = "已办理"
NO_SHOW = "未到"
REVOKE = "撤销预约"
HISTORY = "历史记录"
RATE = "满意度评价"
CONSOLE = "工作台"
TODAY_SCHEDULE = "今日日程"
FIND = "查询"
CAPACITY = "容量与关闭"
CALENDAR = "工作日历"
EXPORT_TODAY = "导出今日"
CHART = "利用率图表"
STAFF_ADMIN = "工作人员管理"
UNIT_INFO = "单位信息"
DAY_SCHEDULE = "当日日程"
CLOSE_DATE = "关闭整日"
REOPEN_DATE = "取消关闭"
CONFIRM_CLOSE = "确认关闭"
BACK = "返回"
SET_OVERRIDE = "设置调整"
DELETE_OVERRIDE = "删除调整"
PREV_30 = "前30天"
NEXT_30 = "后30天"
ADD_STAFF = "添加工作人员"
CONFIRM_REMOVE = "确认移除"
KIND_LABELS = {"workday": "工作日", "off": "休息日", "holiday": "法定节假日"}
REVIEW_LABELS = {"pass": PASS, "fail": FAIL, "mismatch": MISMATCH, None: "未审核"}


def session_capacity_label(spec: SessionSpec) -> str:
    """上午 设容量."""
    return f"{spec.label} 设容量"


def session_close_label(spec: SessionSpec, closed: bool) -> str:
    """上午 关闭时段 / 上午 重新开放."""
    return f"{spec.label} {'重新开放' if closed else '关闭时段'}"


def rebook_label(day: date, spec: SessionSpec) -> str:
    """改约至 12月3日（周四）上午."""
    return f"改约至 {fmt_date(day)}{spec.label}"


def confirm_year_label(year: int) -> str:
    """确认2027年日历."""
    return f"确认{year}年日历"


def remove_staff_label(user_id: int, name: str) -> str:
    """移除 123 张三."""
    return f"移除 {user_id} {name}".strip()


def booking_button(booking: Booking, unit_name: str) -> str:
    """001 北京示例科技… — a schedule's button to open one booking."""
    short = unit_name if len(unit_name) <= 8 else unit_name[:7] + "…"
    return f"{booking.code.rsplit('-', 1)[-1]} {short}"


def item_label(item: Item, count: int) -> str:
    """新办1 张三：通过 — the label of an item's row in the booking view."""
    name = item.applicant_name or "未填写"
    return f"{item.business.label}{item.ordinal}/{count} {name}：{REVIEW_LABELS.get(item.review, item.review)}"


# ---------------------------------------------------------------- refusals and prompts

REASON_EMPTY = "内容不能为空，请重新输入。"


def reason_too_long(limit: int, got: int) -> str:
    """A typed reason over its limit."""
    return f"最多{limit}个字，您输入了{got}个字，请精简后重新输入。"


BOOKING_NOT_FOUND = "未找到该预约。"
UNIT_NOT_FOUND = "未找到该单位。"
ITEM_NOT_FILLED = "该申请人信息尚未填写，暂不能审核。"
REVIEW_UNCHANGED = "审核结果没有变化。"
CAPACITY_NEGATIVE = "容量不能小于0分钟。"
def capacity_too_big(limit: int) -> str:
    """A capacity beyond any real day."""
    return f"容量不能超过{limit}分钟，请检查后重新输入。"


CAPACITY_BAD = "请输入容量分钟数（0 或正整数，例如 540）。"
DATE_IN_PAST = "不能关闭已经过去的日期。"
DATE_IN_PAST_CALENDAR = "不能调整已经过去的日期，请输入今天或以后的日期。"
DATE_ALREADY_CLOSED = "该日期已经关闭。"
DATE_NOT_CLOSED = "该日期没有关闭。"
REBOOK_NOT_POSSIBLE = "该预约不能改约（仅限因中心关闭日期或时段而取消的预约）。"
REBOOK_DONE = "该预约已经改约过了，请在“我的预约”中查看。"
NO_OVERRIDE = "该日期没有人工调整。"
STAFF_ID_BAD = "请输入对方的 Telegram 用户ID（纯数字），可在后面加姓名，例如：123456789 张三"
ALREADY_ADMIN = "该用户是管理员（配置文件中设置），无需添加。"
ALREADY_STAFF = "该用户已经是工作人员。"
CANNOT_REMOVE_ADMIN = "管理员在配置文件中设置，不能在此移除。"
NOT_STAFF = "该用户不是工作人员（可能已被移除）。"
DATE_BAD = "日期格式不正确，请输入如 2026-12-02 的日期。"
DRAFT_GONE = "该操作已失效，请重新开始。"
SCHEDULE_USAGE = "用法：/schedule 或 /schedule 2026-12-02"
EXPORT_USAGE = "用法：/export（今天）、/export 2026-12-02 或 /export 2026-12-01..2026-12-05"
ASK_FIND = "请输入预约编号（如 CY20261202-001），或单位用户名/名称的一部分："
FIND_NOTHING = "没有找到匹配的预约或单位，请换个关键词重新输入："
ASK_DATE = "请输入日期（如 2027-02-07）："
ASK_NOTE = "请输入说明（如“春节调休上班”，100字以内）："
ASK_STAFF_ID = "请输入要添加的工作人员的 Telegram 用户ID（数字），可在后面加姓名，例如：123456789 张三"


def review_not_possible(state_label: str) -> str:
    """A review of a booking that ended without service."""
    return f"该预约状态为「{state_label}」，不能审核。"


def outcome_too_early(day: date) -> str:
    """已办理/未到 before the appointment date."""
    return f"办理日期为{fmt_date(day)}，当天起才能标记已办理或未到。"


def year_covered(year: int) -> str:
    """Confirming a year the official data already covers."""
    return f"{year}年已有官方日历数据，无需确认。"


def year_already_confirmed(year: int) -> str:
    """Confirming a year twice."""
    return f"{year}年日历已经确认过了。"


def export_too_long(days: int) -> str:
    """A too-long export range."""
    return f"导出范围最多{days}天，请缩小日期范围。"


def ask_fail_reason(item: Item) -> str:
    """不通过: the reason is required."""
    return f"请输入「{item.applicant_name or ''}（{item.business.label}）」审核不通过的原因（200字以内）："


def ask_revoke_reason(booking: Booking) -> str:
    """撤销预约: the reason is required."""
    return f"请输入撤销预约 {booking.code} 的原因（200字以内，将告知经办人）："


def ask_capacity(day: date, a: Availability) -> str:
    """The capacity question of one session."""
    return (f"请输入 {fmt_date(day)}{a.session.label} 的容量（分钟，0 或正整数）。\n"
            f"当前容量 {a.capacity} 分钟，已约 {a.used} 分钟。")


def ask_close_reason(day: date) -> str:
    """关闭整日: the reason is required (it is told to the clerks)."""
    return f"请输入关闭 {fmt_full_date(day)} 的原因（100字以内，将告知受影响的经办人）："


def confirm_close(day: date, reason: str, active: int) -> str:
    """The last word before a date is closed."""
    return (f"将关闭 {fmt_full_date(day)} 整日，原因：{reason}\n"
            f"该日 {active} 个有效预约将被取消、号源释放，并通知经办人（附改约按钮）。\n确认关闭？")


def ask_kind(info: DayInfo) -> str:
    """Choosing the kind of an override."""
    return f"{fmt_full_date(info.date)} 当前为：{day_kind_text(info)}。\n请选择调整为："


def capacity_set(day: date, a: Availability) -> str:
    """After a capacity change."""
    line = f"已将 {fmt_date(day)}{a.session.label} 的容量设为 {a.capacity} 分钟（已约 {a.used} 分钟）。"
    if a.capacity < a.used:
        line += "\n注意：新容量小于已约分钟数，已有预约不受影响，但不会再接受新预约。"
    return line


def session_closed_text(day: date, spec: SessionSpec, closed: bool) -> str:
    """After a session (holding no booking) was closed, or reopened."""
    return f"已{'关闭' if closed else '重新开放'} {fmt_date(day)}{spec.label}。" + (
        "该时段不再接受新预约。" if closed else "")


def session_has_bookings(active: int) -> str:
    """Closing a session that holds bookings (they would be cancelled)."""
    return f"该时段有 {active} 个有效预约，关闭须填写原因并确认。"


def ask_close_session_reason(day: date, spec: SessionSpec, active: int) -> str:
    """关闭时段 of a session holding bookings: the reason is required (told to the clerks)."""
    return (f"{fmt_date(day)}{spec.label} 有 {active} 个有效预约，关闭该时段将取消这些预约并通知经办人（附改约按钮）。\n"
            f"请输入关闭原因（100字以内，将告知经办人）：")


def confirm_close_session(day: date, spec: SessionSpec, reason: str, active: int) -> str:
    """The last word before a session holding bookings is closed."""
    return (f"将关闭 {fmt_full_date(day)} {spec.label}，原因：{reason}\n"
            f"该时段 {active} 个有效预约将被取消、号源释放，并通知经办人（附改约按钮）。\n确认关闭？")


def session_closed_with_bookings(day: date, spec: SessionSpec, cancelled: int, told: int) -> str:
    """After a session holding bookings was closed."""
    return f"已关闭 {fmt_date(day)}{spec.label}，取消 {cancelled} 个预约，已通知 {told} 位经办人。"


def date_closed(day: date, cancelled: int, told: int) -> str:
    """After a date was closed."""
    return f"已关闭 {fmt_full_date(day)}，取消 {cancelled} 个预约，已通知 {told} 位经办人。"


def date_reopened(day: date) -> str:
    """After a closure was undone."""
    return f"已取消对 {fmt_full_date(day)} 的关闭，该日重新开放预约（已取消的预约不会恢复）。"


def override_set(info: DayInfo, note: str, active: int) -> str:
    """After an override was set."""
    text = f"已设置：{fmt_full_date(info.date)} 为 {KIND_LABELS[info.kind]}（{note}）。"
    if active and info.kind != "workday":
        text += f"\n注意：该日有 {active} 个有效预约。如中心当天不办公，请在 /capacity 中关闭该日期，系统会通知经办人改约。"
    return text


def override_deleted(info: DayInfo) -> str:
    """After an override was removed."""
    return f"已删除 {fmt_full_date(info.date)} 的人工调整，现为：{day_kind_text(info)}。"


def year_confirmed(year: int) -> str:
    """After an admin confirmed a year."""
    return f"已确认{year}年日历。此后该年按当前设置（法定节假日与人工调整）开放预约。"


def staff_added(user_id: int, name: str) -> str:
    """After an admin added staff."""
    return f"已添加工作人员 {user_id} {name}".strip() + "。对方私聊机器人后即可看到工作人员命令。"


def staff_removed(user_id: int) -> str:
    """After an admin removed staff."""
    return f"已移除工作人员 {user_id}。"


def confirm_remove(user_id: int, name: str) -> str:
    """The last word before staff are removed."""
    return f"确认移除工作人员 {user_id} {name}？".replace("  ", " ")


def reviewed(item: Item, told: int) -> str:
    """The staff's line after a review."""
    return f"已记录：{item.applicant_name}（{item.business.label}）{REVIEW_LABELS[item.review]}，已通知 {told} 位经办人。"


def outcome_done(booking: Booking, told: int) -> str:
    """The staff's line after an outcome."""
    return f"已将 {booking.code} 标记为「{booking.state.label}」，已通知 {told} 位经办人。"


def revoked(booking: Booking, told: int) -> str:
    """The staff's line after a revoke."""
    return f"已撤销 {booking.code}，号源已释放，已通知 {told} 位经办人。"


# ---------------------------------------------------------------- screens


def console(commands: Sequence[tuple[str, str]]) -> str:
    """/staff: the console's commands with their descriptions."""
    lines = ["🛠 工作台（工作人员）", ""]
    lines += [f"/{name} {description}" for name, description in commands]
    return "\n".join(lines)


def _contact(booking: Booking) -> str:
    return f"{booking.contact_name} {mask_phone(booking.contact_phone)}"


def day_kind_text(info: DayInfo) -> str:
    """工作日 / 休息日 / 法定节假日·元旦, with 调休 and override marks."""
    text = KIND_LABELS[info.kind]
    if info.kind == "holiday" and info.holiday_name:
        text += f"·{info.holiday_name}"
    weekend = info.date.weekday() >= 5
    if info.kind == "workday" and weekend:
        text += "（调休上班）"
    elif info.kind == "off" and not weekend:
        text += "（调休）"
    if info.source == "override":
        text += "〔调〕"
    if not info.year_confirmed:
        text += "⚠"
    return text


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
        for e in session.entries:
            if shown >= limit:
                break
            shown += 1
            b = e.booking
            lines.append(f"· {b.code} {e.unit_name}")
            lines.append(f"  {items_line(count_items(i.business for i in e.items))}｜{b.minutes}分钟｜{b.state.label}")
            lines.append(f"  经办人 {_contact(b)}")
    total = len(s.entries)
    if total > shown:
        lines += ["", f"……共 {total} 个预约，仅列出前 {shown} 个；完整列表请用 /export 导出。"]
    if s.ended:
        lines += ["", f"另有 {s.ended} 个已取消/释放/撤销的预约未列出。"]
    return _fit("\n".join(lines), "……列表过长，完整列表请用 /export 导出。")


MESSAGE_LIMIT = 4000  # Telegram allows 4096 UTF-16 code units per message


def _fit(text: str, tail: str) -> str:
    """Cut an over-long screen at a line break and say where the rest is (lengths in UTF-16 units)."""
    if utf16_len(text) <= MESSAGE_LIMIT:
        return text
    kept: list[str] = []
    room = MESSAGE_LIMIT - utf16_len(tail) - 1
    for line in text.split("\n"):
        room -= utf16_len(line) + 1
        if room < 0:
            break
        kept.append(line)
    return "\n".join([*kept, tail])


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


RATINGS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


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
}
_KEYS = {"state": "状态", "reason": "原因", "date": "日期", "session": "时段", "review": "审核",
         "item": "申请项", "minutes": "分钟", "code": "编号", "to": "改约至", "from": "来自",
         "contact_name": "经办人", "contact_phone": "电话", "name": "姓名", "id_type": "证件类型",
         "id_number": "证件号码", "phone": "手机", "permit_number": "居住证编号", "rating": "评分"}


def _value(key: str, value: object) -> str:
    if key == "state" and isinstance(value, str):
        try:
            return BookingState(value).label
        except ValueError:
            return value
    if key == "review":
        return REVIEW_LABELS.get(value, str(value))  # type: ignore[arg-type]
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


def _actor(actor: str) -> str:
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
        lines.append(f"{local:%m-%d %H:%M} {_actor(e.actor)} {_ACTIONS.get(e.action, e.action)}"
                     + (f"〔{item}〕" if item else "") + (f"：{change}" if change else ""))
    if len(entries) == 0:
        lines.append("（无记录）")
    return _fit("\n".join(lines), "……记录过长，仅显示前面部分。")


def unit_view(v: UnitView, sessions: Mapping[str, str]) -> str:
    """A unit: its month's mismatches, freeze, clerks and bookings."""
    lines = [
        f"单位：{v.unit.name}（用户名 {v.unit.username}）",
        f"本月材料不符：{v.freeze.display}",
    ]
    if v.freeze.frozen and v.freeze.until is not None:
        lines.append(f"预约权限已冻结，{fmt_instant(v.freeze.until)}自动解冻。")
    else:
        lines.append("预约权限：正常")
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


def capacity_view(day: date, info: DayInfo, cells: Sequence[Availability], closed_reason: str | None,
                  note: str = "") -> str:
    """/capacity: a date's sessions with used/capacity and closures."""
    lines = [note, ""] if note else []
    lines.append(f"⚙ {fmt_full_date(day)} 时段容量 · {day_kind_text(info)}")
    for a in cells:
        state = "已关闭" if a.closed else "开放"
        lines.append(f"{a.session.label} {a.session.hours}：已约 {a.used}/{a.capacity} 分钟，{state}")
    if closed_reason is not None:
        lines.append(f"🚫 整日已关闭：{closed_reason}")
    return "\n".join(lines)


def calendar_view(days: Sequence[CalendarDay], unconfirmed: Sequence[int], note: str = "") -> str:
    """/calendar: the days as the bot sees them, with marks and the years to confirm."""
    lines = [note, ""] if note else []
    lines.append(f"🗓 工作日历：{fmt_full_date(days[0].info.date)}起{len(days)}天")
    year = days[0].info.date.year
    for d in days:
        day = d.info.date
        if day.year != year:
            year = day.year
            lines.append(f"—— {year}年 ——")
        line = f"{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]} {day_kind_text(d.info)}"
        if d.override_note:
            line += f" {d.override_note}"
        if d.closed_reason is not None:
            line += f" 🚫中心关闭：{d.closed_reason}"
        lines.append(line)
    lines.append("标记：〔调〕人工调整　⚠ 未确认年份（按法定节日推算）　🚫 中心关闭")
    for y in unconfirmed:
        lines.append(f"⚠ {y}年尚无官方日历数据：请按国务院公布的放假调休安排设置调整，再由管理员确认{y}年日历。")
    return "\n".join(lines)


def staff_list(admins: Sequence[int], staff: Sequence[tuple[int, str]], note: str = "") -> str:
    """/staffadmin: admins (configuration) and staff (added here)."""
    lines = [note, ""] if note else []
    lines += ["👥 工作人员管理", "管理员（配置文件）：" + "、".join(str(a) for a in admins)]
    lines.append("工作人员：" if staff else "工作人员：暂无")
    lines += [f"· {user_id} {name}".rstrip() for user_id, name in staff]
    return "\n".join(lines)


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


def served_notice(booking: Booking) -> str:
    """The evaluation request right after 已办理."""
    return (f"您的预约 {booking.code}（{fmt_date(booking.date)}）已办理完毕。\n"
            f"请对本次服务进行满意度评价（下次预约前须完成本次评价）。")


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


def export_caption(start: date, end: date, rows: int) -> str:
    """The caption of the export documents."""
    span = start.isoformat() if start == end else f"{start.isoformat()} 至 {end.isoformat()}"
    return f"预约日程导出：{span}（共 {rows} 条）"


EXPORT_HEADER = ["预约编号", "日期", "时段", "单位", "业务", "分钟", "状态", "经办人", "经办人电话", "申请人数"]
CHART_TITLE = "未来可约日号源利用率"
CHART_BOOKED = "已约（分钟）"
CHART_CAPACITY = "容量（分钟）"
CHART_EMPTY = "暂无可约日期。"
CHART_UNAVAILABLE = "图表暂不可用（服务器缺少中文字体），请联系管理员。可先使用 /export 导出日程。"


def chart_caption(cells: Sequence[Availability]) -> str:
    """The chart's caption: totals."""
    used = sum(a.used for a in cells)
    capacity = sum(a.capacity for a in cells if not a.closed)
    return f"{CHART_TITLE}：已约 {used}/{capacity} 分钟"


def chart_label(a: Availability) -> str:
    """12/3 周四 上午 — one bar group's label."""
    return f"{a.day.month}/{a.day.day} 周{WEEKDAYS[a.day.weekday()]}\n{a.session.label}" + ("（关）" if a.closed else "")
