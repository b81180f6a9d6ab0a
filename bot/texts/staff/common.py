"""What every staff screen shares: button labels, refusals, prompts, day kinds, fitting a message."""

from __future__ import annotations

pass

from collections.abc import Sequence

from bot.rules.applicant import mask_phone
from bot.rules.calendar import DayInfo
from bot.storage.models import Booking
from bot.texts import utf16_len

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
UNITS = "单位账户"
BROADCAST = "群发通知"
STATS = "统计"
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
KIND_LABELS = {"workday": "工作日", "off": "休息日", "holiday": "法定节假日"}
REVIEW_LABELS = {"pass": PASS, "fail": FAIL, "mismatch": MISMATCH, None: "未审核"}


# ---------------------------------------------------------------- refusals and prompts

REASON_EMPTY = "内容不能为空，请重新输入。"


def reason_too_long(limit: int, got: int) -> str:
    """A typed reason over its limit."""
    return f"最多{limit}个字，您输入了{got}个字，请精简后重新输入。"


BOOKING_NOT_FOUND = "未找到该预约。"
UNIT_NOT_FOUND = "未找到该单位。"
ITEM_NOT_FILLED = "该申请人信息尚未填写，暂不能审核。"
ITEM_NOT_FILLED_REVEAL = "该申请人信息尚未填写，没有证件号可显示。"
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
ALREADY_ADMIN = "该用户是管理员（配置文件中设置），无需添加。"
ALREADY_STAFF = "该用户已经是工作人员。"
CANNOT_REMOVE_ADMIN = "管理员在配置文件中设置，不能在此移除。"
NOT_STAFF = "该用户不是工作人员（可能已被移除）。"
DRAFT_GONE = "该操作已失效，请重新开始。"
SUPERSEDED = "这是较早的确认页，已被新的操作取代；请在最新的消息中确认。"
SCHEDULE_USAGE = "用法：/schedule（今天）、/schedule 明天 或 /schedule 12月2日"
EXPORT_USAGE = "用法：/export（今天）、/export 12月2日 或 /export 12月1日至12月5日"
ASK_FIND = "请输入预约编号（如 CY20261202-001），或单位用户名/名称的一部分："
FIND_NOTHING = "没有找到匹配的预约或单位，请换个关键词重新输入："
ASK_DATE = "请输入日期（如 2月7日 或 2027-02-07）："
ASK_NOTE = "请输入说明（如“春节调休上班”，100字以内）："


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


MESSAGE_LIMIT = 4000  # Telegram allows 4096 UTF-16 units per message


def utf16_units(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units: an emoji is two)."""
    return utf16_len(text)


def fit_message(text: str, tail: str) -> str:
    """Cut an over-long screen at a line break and say where the rest is (UTF-16 units counted)."""
    if utf16_units(text) <= MESSAGE_LIMIT:
        return text
    room = MESSAGE_LIMIT - utf16_units(tail) - 1
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        cost = utf16_units(line) + (1 if kept else 0)
        if used + cost > room:
            break
        kept.append(line)
        used += cost
    return "\n".join([*kept, tail])


RATINGS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}

