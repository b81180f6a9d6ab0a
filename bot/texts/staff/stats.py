"""Texts of /stats."""

from __future__ import annotations

from bot.read_models import Stats
from bot.rules.states import BookingState
from bot.texts import fmt_full_date
from bot.texts.staff.common import fit_message

# ---------------------------------------------------------------- /stats

RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
THIS_MONTH_LABEL = "本月"
LAST_MONTH_LABEL = "上月"
ASK_RANGE = "如需其他时段，请输入日期或日期范围（例如 2026-11-01至2026-11-30，或 12月1日至12月5日）"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def stats(s: Stats, arrival: str = "") -> str:
    """The statistics of a date range (``arrival``: the per-session arrival block, SPEC §4)."""
    lines = [
        f"统计：{fmt_full_date(s.start)} 至 {fmt_full_date(s.end)}",
        "",
        f"预约总数：{s.total_bookings}",
        *(f"· {state.label}：{s.by_state.get(state, 0)}" for state in BookingState),
        "",
        f"已约时长：{s.booked_minutes} / {s.capacity_minutes} 分钟（利用率 {_percent(s.utilisation)}）",
        f"（{s.working_days}个工作日；已约含待完善信息、待办理、已办理、未到）",
        "",
        f"未到率：{_percent(s.no_show_rate)}（未到 {s.by_state.get(BookingState.NO_SHOW, 0)} / "
        f"已办理+未到 {s.by_state.get(BookingState.SERVED, 0) + s.by_state.get(BookingState.NO_SHOW, 0)}）",
        "",
    ]
    if s.average_rating is None:
        lines.append("满意度：暂无评价")
    else:
        lines.append(f"满意度：平均 {s.average_rating:.2f} 分（共{s.rating_count}条评价，5分为非常满意）")
    lines += [f"· {RATING_LABELS[r]}（{r}分）：{s.ratings.get(r, 0)}" for r in sorted(RATING_LABELS, reverse=True)]
    if arrival:
        lines += ["", arrival]
    lines += comment_lines(s)
    lines += ["", ASK_RANGE]
    return fit_message("\n".join(lines), ASK_RANGE)


def comment_lines(s: Stats) -> list[str]:
    """The clerks' satisfaction comments of the range, newest first (the most recent ones)."""
    if not s.comment_count:
        return ["", "评价留言：暂无"]
    shown = len(s.comments)
    head = f"评价留言（共{s.comment_count}条" + (f"，显示最近{shown}条）：" if shown < s.comment_count else "）：")
    return ["", head] + [f"· {c.day.month}月{c.day.day}日 {c.unit}（{RATING_LABELS.get(c.rating, '')}）：{c.comment}"
                         for c in s.comments]
