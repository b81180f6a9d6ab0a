"""Texts of 已办理预约 and 满意度评价 (SPEC §5.8, §8)."""

from __future__ import annotations

from bot.read_models import HistoryEntry, HistoryPage
from bot.rules.capacity import SessionSpec
from bot.rules.states import BookingState
from bot.storage.models import Booking, ReviewedItem
from bot.texts import fmt_full_date
from bot.texts.booking import count_items

RATE_LABEL = "满意度评价"
SKIP_LABEL = "跳过"
PREV_LABEL = "上一页"
NEXT_LABEL = "下一页"
BOOK_LABEL = "业务预约"

# Stored value → label, best first (the order of the buttons).
RATINGS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}

NO_HISTORY = "本单位还没有已办理的预约。"
NOT_SERVED = "只有已办理的预约才能进行满意度评价。"
ALREADY_RATED = "该预约已完成满意度评价，感谢您的反馈。"
BAD_RATING = "请选择评价等级。"


def comment_too_long(length: int, limit: int) -> str:
    """Refusal of an over-long comment."""
    return f"评价意见最多{limit}个字，您输入了{length}个字，请精简后重新输入。"


def review_result(item: ReviewedItem) -> str:
    """通过 / 不通过（原因） / 材料不符 / 审核中."""
    if item.review == "pass":
        return "通过"
    if item.review == "fail":
        return f"不通过（{item.review_reason}）" if item.review_reason else "不通过"
    if item.review == "mismatch":
        return "材料不符"
    return "审核中"


def rating_line(evaluation: tuple[int, str] | None) -> str:
    """满意度评价：满意（意见：…） or 未评价."""
    if evaluation is None:
        return f"{RATE_LABEL}：未评价"
    rating, comment = evaluation
    return f"{RATE_LABEL}：{RATINGS.get(rating, str(rating))}" + (f"（意见：{comment}）" if comment else "")


def history_entry(number: int, entry: HistoryEntry, spec: SessionSpec | None) -> str:
    """One finished booking: code, date, state, each item's review result, the rating."""
    b = entry.booking
    label = spec.label if spec else b.session
    totals = count_items(i.business for i in entry.items)
    lines = [f"{number}. {b.code}　{fmt_full_date(b.date)} {label}　{b.state.label}"]
    for item in entry.items:
        name = f" {item.applicant_name}" if item.applicant_name else ""
        lines.append(f"   {item.business.label} {item.ordinal}/{totals[item.business]}{name}：{review_result(item)}")
    if b.state is BookingState.SERVED:
        lines.append(f"   {rating_line(entry.evaluation)}")
    return "\n".join(lines)


def history_page(page: HistoryPage, specs: dict[str, SessionSpec | None]) -> str:
    """A page of 已办理预约."""
    head = f"已办理预约（共{page.total}个" + (f"，第{page.page + 1}/{page.pages}页）" if page.pages > 1 else "）")
    start = page.page * page.per_page + 1
    text = "\n\n".join([head, *(history_entry(start + i, e, specs.get(e.booking.session))
                                for i, e in enumerate(page.entries))])
    if any(e.ratable for e in page.entries):
        text += "\n\n已办理的预约请完成满意度评价（下次预约前须完成本次满意度评价）。"
    return text


def rate_button(code: str, several: bool) -> str:
    """The 满意度评价 button; with several on a page it names the booking."""
    return f"{RATE_LABEL}（{code}）" if several else RATE_LABEL


def ask_rating(booking: Booking) -> str:
    """The rating question."""
    return (f"请对本次办理进行满意度评价：\n预约编号：{booking.code}\n"
            f"办理日期：{fmt_full_date(booking.date)}")


def ask_comment(rating: int) -> str:
    """The optional comment question."""
    return (f"您的评价：{RATINGS[rating]}。\n如有意见或建议，请直接输入（200字以内）；"
            f"没有请点击「{SKIP_LABEL}」。")


def thanks(remaining: int) -> str:
    """After rating: booking is possible again (or how many ratings are still owed)."""
    if remaining:
        return f"感谢您的评价！本单位还有{remaining}个已办理预约待评价，完成后即可再次预约。"
    return "感谢您的评价！本单位现在可以再次预约。"


RATING_DRAFT_LOST = "评价已中断，请在「已办理预约」中重新评价。"
