"""Texts of /export and /chart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.rules.capacity import Availability
from bot.storage.models import Item
from bot.texts import WEEKDAYS
from bot.texts.staff.common import REVIEW_LABELS


def export_too_long(days: int) -> str:
    """A too-long export range."""
    return f"导出范围最多{days}天，请缩小日期范围。"


def export_caption(start: date, end: date, rows: int) -> str:
    """The caption of the export documents."""
    span = start.isoformat() if start == end else f"{start.isoformat()} 至 {end.isoformat()}"
    return f"预约日程导出：{span}（共 {rows} 位申请人）"


EXPORT_HEADER = ["预约编号", "日期", "时段", "单位", "业务", "序号", "申请人", "审核结果", "审核原因", "预约状态",
                 "经办人", "经办人电话", "预约分钟"]
EXPORT_UNFILLED = "（未填写）"


def review_label(item: Item) -> str:
    """通过 / 不通过 / 材料不符, 未审核 for a filled item, 未填写 for an empty one."""
    if not item.filled:
        return "未填写"
    return REVIEW_LABELS.get(item.review, "未审核")


CHART_TITLE = "未来可约日号源利用率"
CHART_LEGEND = "深色：已约分钟　浅色：容量"
CHART_EMPTY = "暂无可约日期。"
CHART_UNAVAILABLE = "图表暂不可用（服务器缺少中文字体），请联系管理员。可先使用 /export 导出日程。"


def chart_caption(cells: Sequence[Availability]) -> str:
    """The chart's caption: totals."""
    used = sum(a.used for a in cells)
    capacity = sum(a.capacity for a in cells if not a.closed)
    return f"{CHART_TITLE}：已约 {used}/{capacity} 分钟"


def chart_label(a: Availability) -> str:
    """12/3 周四 上午 — one bar's label."""
    return f"{a.day.month}/{a.day.day} 周{WEEKDAYS[a.day.weekday()]} {a.session.label}"


def chart_value(a: Availability) -> str:
    """What stands right of a bar: the booked share, or 已关闭."""
    if a.closed:
        return "已关闭"
    return f"{round(100 * a.used / a.capacity)}%" if a.capacity else "无容量"
