"""A booking's history as staff read it (SPEC §11): every audit line in Chinese, people by name.

The audit log stores stable keys (``{"state": "pending", "session": "am"}``); this
module is the one place that turns them into words. Each key has a label and a
way to show its value; a key this table does not know is left out rather than
shown raw, and a value that is a code (state, review, session, business, id type,
day kind) is always shown by its Chinese name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

from bot.rules.applicant import IdType
from bot.rules.basket import BusinessType
from bot.rules.freeze import MismatchState
from bot.rules.states import BookingState
from bot.rules.tz import TZ
from bot.storage.models import AuditEntry, Booking, Item
from bot.texts import fmt_date, fmt_instant
from bot.texts.arrival import CHECK_IN_WAYS
from bot.texts.booking import items_line
from bot.texts.staff.common import KIND_LABELS, RATINGS, REVIEW_LABELS, fit_message

ACTIONS = {
    "book": "预约", "cancel": "取消", "release": "释放", "revoke": "撤销", "reschedule": "改约",
    "review": "审核", "serve": "已办理", "no_show": "未到", "complete": "信息完善",
    "applicant": "填写申请人", "rebooked": "已改约", "copy_applicants": "带入申请人信息",
    "change_contact": "修改经办人", "change_counts": "修改业务数量", "evaluate": "满意度评价",
    "reveal_id": "查看证件号", "mismatch": "计入材料不符", "mismatch_withdrawn": "撤回材料不符",
    "freeze": "冻结预约权限", "arrive": "已到达", "check_in": "签到", "correct": "已更正",
    "mismatch_corrected": "已更正，请复核", "mismatch_counted": "材料不符计入", "mismatch_given": "材料不符待更正",
}
NOBODY = "—"
UNKNOWN_ACTION = "操作"


def _state(value: object) -> str:
    try:
        return BookingState(str(value)).label
    except ValueError:
        return NOBODY


def _business(value: object) -> str:
    try:
        return BusinessType(str(value)).label
    except ValueError:
        return NOBODY


def _id_type(value: object) -> str:
    try:
        return IdType(str(value)).label
    except ValueError:
        return str(value) if value and not str(value).isascii() else NOBODY


def _items(value: object) -> str:
    if not isinstance(value, dict):
        return NOBODY
    counts: dict[BusinessType, int] = {}
    for key, n in value.items():
        try:
            counts[BusinessType(key)] = int(n)
        except ValueError:
            continue
    return items_line(counts) if counts else "无"


def _day(value: object) -> str:
    try:
        return fmt_date(date.fromisoformat(str(value)))
    except ValueError:
        return NOBODY


def _plain(value: object) -> str:
    if value is None:
        return NOBODY
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _mismatch(value: object) -> str:
    try:
        return MismatchState(str(value)).label
    except ValueError:
        return NOBODY


def _instant(value: object) -> str:
    try:
        return fmt_instant(datetime.fromisoformat(str(value)))
    except ValueError:
        return NOBODY


def _chars(value: object) -> str:
    return f"{value}字"


Shown = Callable[[object], str]


def _keys(sessions: Mapping[str, str], people: Mapping[int, str]) -> dict[str, tuple[str, Shown]]:
    """key → (label, value renderer); ``sessions`` and ``people`` name session keys and user ids."""
    return {
        "state": ("状态", _state),
        "reason": ("原因", _plain),
        "date": ("日期", _day),
        "session": ("时段", lambda v: sessions.get(str(v), NOBODY)),
        "review": ("审核", lambda v: REVIEW_LABELS.get(v if isinstance(v, str) else None, NOBODY)),
        "minutes": ("分钟", _plain),
        "code": ("编号", _plain),
        "to": ("改约至", _plain),
        "from": ("来自", _plain),
        "contact_name": ("经办人", _plain),
        "contact_phone": ("电话", _plain),
        "name": ("姓名", _plain),
        "id_type": ("证件类型", _id_type),
        "id_number": ("证件号码", _plain),
        "phone": ("手机", _plain),
        "permit_number": ("居住证编号", _plain),
        "change_description": ("变更说明", _plain),
        "business": ("业务", _business),
        "ordinal": ("序号", _plain),
        "items": ("业务", _items),
        "removed_filled": ("删除已填申请人", _plain),
        "rating": ("评分", lambda v: RATINGS.get(v, NOBODY) if isinstance(v, int) else NOBODY),
        "comment_chars": ("留言", _chars),
        "month": ("月份", _plain),
        "count": ("本月计数", _plain),
        "frozen": ("冻结", _plain),
        "closed": ("关闭", _plain),
        "capacity": ("容量", _plain),
        "kind": ("类型", lambda v: KIND_LABELS.get(str(v), NOBODY)),
        "note": ("说明", _plain),
        "staff": ("工作人员", _plain),
        "via": ("方式", lambda v: CHECK_IN_WAYS.get(str(v), NOBODY)),
        "mismatch": ("材料不符", _mismatch),
        "deadline": ("修改截止", _instant),
        "user_id": ("人员", lambda v: people.get(v, "用户") if isinstance(v, int) else NOBODY),
    }


HIDDEN = {"item", "booking", "unit_id", "password", "one_time_password", "notice_version", "until"}


def _changes(before: str | None, after: str | None, keys: Mapping[str, tuple[str, Shown]]) -> str:
    old = json.loads(before) if before else {}
    new = json.loads(after) if after else {}
    parts = []
    for key in dict.fromkeys([*old, *new]):
        if key in HIDDEN or key not in keys:
            continue
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        label, shown = keys[key]
        parts.append(f"{label}：{shown(a)}→{shown(b)}" if key in old else f"{label}：{shown(b)}")
    return "；".join(parts)


def actor_name(actor: str, people: Mapping[int, str]) -> str:
    """Who did it, by name: 系统, 命令行, or the person (``tg:<id>``) as ``people`` names them."""
    if actor == "system":
        return "系统"
    if actor == "cli":
        return "命令行"
    head, _, raw = actor.partition(":")
    if head == "tg" and raw.isdigit():
        return people.get(int(raw), "用户")
    return "用户"


def _item_of(entry: AuditEntry, items: Mapping[int, str]) -> str:
    """Which applicant an audit line is about (「新办2」), if it names an item."""
    for raw in (entry.after, entry.before):
        value = json.loads(raw).get("item") if raw else None
        if isinstance(value, int) and value in items:
            return items[value]
    return ""


def history(booking: Booking, entries: Sequence[AuditEntry], items: Sequence[Item] = (), *,
            sessions: Mapping[str, str] | None = None, people: Mapping[int, str] | None = None) -> str:
    """A booking's audit lines: time, who (by name), what (and which applicant), before → after."""
    keys = _keys(sessions or {}, people or {})
    labels = {i.id: f"{i.business.label}{i.ordinal}" for i in items}
    lines = [f"预约 {booking.code} 历史记录"]
    for e in entries:
        local = e.at.astimezone(TZ)
        change = _changes(e.before, e.after, keys)
        item = _item_of(e, labels)
        lines.append(f"{local:%m-%d %H:%M} {actor_name(e.actor, people or {})} {ACTIONS.get(e.action, UNKNOWN_ACTION)}"
                     + (f"〔{item}〕" if item else "") + (f"：{change}" if change else ""))
    if len(entries) == 0:
        lines.append("（无记录）")
    return fit_message("\n".join(lines), "……记录过长，仅显示前面部分。")
