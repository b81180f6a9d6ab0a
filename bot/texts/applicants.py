"""Texts of filling in the applicants of a booking (SPEC §5 step 6, §6).

Saved identity and phone numbers are only ever shown masked here (110105********1234,
138****8000): every render helper masks them itself, so a handler cannot forget. The
one exception is the review before saving, which shows what the clerk has just typed
in full (SPEC §6), so a typo can be seen before it is stored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bot.read_models import ApplicantPanel
from bot.rules.applicant import (
    FIELD_LABELS,
    FIELD_PROMPTS,
    IdType,
    id_number_prompt,
    mask_id_number,
    mask_phone,
)
from bot.rules.basket import BusinessType
from bot.rules.capacity import SessionSpec
from bot.storage.models import Item, Mismatch
from bot.texts import CHANGE_DEADLINE_PASSED, centre_contact, fmt_full_date, fmt_instant
from bot.texts import mismatch as mismatch_texts

DONE_MARK = "📝"  # saved, not reviewed yet: never ✅ (that is 通过)
REVIEW_MARKS = {"pass": "✅", "fail": "❌", "mismatch": "⚠️"}
SAVE_LABEL = "确认保存"
BACK_LABEL = "返回"
MY_BOOKINGS_LABEL = "我的预约"
MAIN_MENU_LABEL = "主菜单"

# 「修改…」 buttons of the review panel; 证件 re-asks the type and then the number,
# because a number is only valid for the document it was checked against.
FIX_LABELS: dict[str, str] = {
    "name": "修改姓名",
    "id_type": "修改证件",
    "phone": "修改手机号码",
    "permit_number": "修改居住证编号",
    "change_description": "修改变更内容说明",
}

CHOOSE_BY_BUTTON = "请点击下方按钮选择证件类型。"
USE_BUTTONS = "请点击下方按钮确认保存或修改。"
DRAFT_GONE = "该填写已结束，请重新打开申请人列表。"


def item_label(business: BusinessType, ordinal: int, count: int, *, filled: bool = False,
               review: str | None = None) -> str:
    """新办 1/1, 续办 2/2; a saved one is marked 📝 续办 1/2, a reviewed one ✅ / ⚠️ / ❌."""
    label = f"{business.label} {ordinal}/{count}"
    if review in REVIEW_MARKS:
        return f"{REVIEW_MARKS[review]} {label}"
    return f"{DONE_MARK} {label}" if filled else label


def item_button_label(panel: ApplicantPanel, item: Item) -> str:
    """The label of an item's button on the list panel."""
    return item_label(item.business, item.ordinal, panel.count_of(item), filled=item.filled, review=item.review)


def item_result(item: Item, mismatch: Mismatch | None) -> str:
    """An item's review result as the clerk reads it (SPEC §8): never ✅ before 通过."""
    if not item.filled:
        return "未填写"
    if item.review == "pass":
        return "✅ 通过"
    if item.review == "fail":
        return f"❌ 不通过（{item.review_reason}）" if item.review_reason else "❌ 不通过"
    if item.review == "mismatch":
        state = mismatch_texts.state_mark(mismatch.state if mismatch else None)
        reason = f"：{item.review_reason}" if item.review_reason else ""
        return f"⚠️ 材料不符{reason}" + (f"（{state}）" if state else "")
    return "已填写，待审核"


def correct_label(panel: ApplicantPanel, item: Item) -> str:
    """「已更正，请复核」; with the item named when several items await correction."""
    if len(panel.to_correct) <= 1:
        return mismatch_texts.CORRECTED_LABEL
    return f"{mismatch_texts.CORRECTED_LABEL}·{item.business.label}{item.ordinal}"


def panel_text(panel: ApplicantPanel, spec: SessionSpec | None, *, note: str = "", phone: str = "") -> str:
    """The list panel: code, date, state, progress, each item's result, and why nothing can
    change (if so) with the centre's phone."""
    b = panel.booking
    session = f"{spec.label} {spec.hours}" if spec else b.session
    lines = [note, ""] if note else []
    lines += [
        "👤 申请人信息",
        f"预约编号：{b.code}",
        f"办理日期：{fmt_full_date(b.date)} {session}",
        f"状态：{b.state.label}",
        f"已完善 {panel.filled}/{len(panel.items)}",
    ]
    for item in panel.items:
        label = item_label(item.business, item.ordinal, panel.count_of(item))
        name = f"　{item.applicant_name}" if item.filled else ""
        lines.append(f"· {label}{name}　{item_result(item, panel.mismatch_of(item))}")
    lines.append("")
    if panel.to_correct:
        lines.append(
            f"⚠️ 标记「材料不符」的申请人：请点击该项目修改信息，再点击「{mismatch_texts.CORRECTED_LABEL}」通知中心复核；"
            f"{fmt_instant(panel.deadline)}前未更正的，计入本单位本月「材料不符」次数。"
        )
    if panel.problem is not None:
        lines.append(panel.problem)
        if phone and panel.problem == CHANGE_DEADLINE_PASSED:
            lines.append(centre_contact(phone))
    else:
        lines.append(f"修改截止：{fmt_instant(panel.deadline)}")
        if panel.filled < len(panel.items):
            lines.append("请点击下方按钮，逐项填写申请人信息；已完成的项目可点击修改。")
        else:
            lines.append("申请人信息已全部完善。如需更正，可点击对应项目修改。")
    return "\n".join(lines)


def saved_note(label: str, completed: bool) -> str:
    """Said on top of the list panel after a save."""
    if completed:
        return f"已保存：{label}。\n🎉 申请人信息已全部完善，预约状态已变为「待办理」。请按时携带材料到中心办理。"
    return f"已保存：{label}。"


def question(label: str, field: str, id_type: str | None = None) -> str:
    """The question for one field of the applicant of item ``label``."""
    prompt = id_number_prompt(id_type) if field == "id_number" and id_type else FIELD_PROMPTS[field]
    return f"【{label}】{prompt}"


def id_type_chosen(label: str, id_type: str) -> str:
    """The id-type question after a choice (its buttons are removed)."""
    return f"【{label}】证件类型：{IdType(id_type).label}"


def shown_value(field: str, value: str) -> str:
    """One field as displayed: numbers masked, the id type by its Chinese name."""
    if field == "id_number":
        return mask_id_number(value)
    if field == "phone":
        return mask_phone(value)
    if field == "id_type":
        return IdType(value).label
    return value


def review(label: str, fields: Mapping[str, str], order: tuple[str, ...], *, problem: str = "",
           in_full: Collection[str] = ()) -> str:
    """The review panel of one applicant before saving.

    What the clerk has just typed (``in_full``) is shown in full, so a typo can be seen;
    numbers loaded from a saved applicant stay masked (SPEC §6).
    """
    lines = [f"⚠️ {problem}", ""] if problem else []
    lines.append(f"【{label}】请核对申请人信息：")
    for field in order:
        value = fields.get(field)
        if not value:
            shown = "（未填写）"
        elif field in in_full and field != "id_type":
            shown = value
        else:
            shown = shown_value(field, value)
        lines.append(f"{FIELD_LABELS[field]}：{shown}")
    lines += ["", f"核对无误请点击「{SAVE_LABEL}」。"]
    return "\n".join(lines)


def left_panel(filled: int, total: int, deadline_text: str) -> str:
    """After 「返回」 on the list panel."""
    return (
        f"已退出申请人信息填写（已完善 {filled}/{total}）。\n"
        f"截止前可随时在「{MY_BOOKINGS_LABEL}」中点击「修改信息」继续填写或修改。{deadline_text}"
    )
