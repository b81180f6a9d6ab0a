"""Every Chinese string the user sees, with the small helpers that render them.

Handlers and services build user-facing text only through this module, so that a
wording change is one edit and a reviewer can read the whole product voice here.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.rules.tz import TZ

WEEKDAYS = "一二三四五六日"


def fmt_date(day: date) -> str:
    """12月1日（周二）— the form dates take in every message."""
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def fmt_full_date(day: date) -> str:
    """2026年12月1日（周二）."""
    return f"{day.year}年{fmt_date(day)}"


def fmt_instant(at: datetime) -> str:
    """2026年12月1日（周二）09:00; midnight is written as 24:00 of the day before."""
    local = at.astimezone(TZ)
    if local.hour == 0 and local.minute == 0:
        from datetime import timedelta

        prev = local.date() - timedelta(days=1)
        return f"{fmt_full_date(prev)}24:00"
    return f"{fmt_full_date(local.date())}{local:%H:%M}"


# ---------------------------------------------------------------- booking refusals

def booking_closed_until(opens: datetime) -> str:
    """Refusal before 09:00 or on a statutory holiday."""
    return f"预约系统每日9:00开放（国家法定节假日除外），现在暂不能预约。\n下次开放时间：{fmt_instant(opens)}。"


DATE_NOT_BOOKABLE = "该日期不在可预约范围内（可预约次日起5个工作日内的号源），请重新查询可预约信息。"


def unit_frozen(until: datetime, count: int) -> str:
    """Refusal while the unit is frozen for mismatches."""
    return (
        f"本单位本月“材料与预约信息不符”已累计{count}次，超过3次，本月预约权限已冻结。\n"
        f"将于{fmt_instant(until)}自动解冻，届时可再次预约。"
    )


UNRATED_SERVED = "请先完成上次已办理预约的满意度评价，再进行新的预约（下次预约前完成本次满意度评价）。"


def already_booked(day: date, code: str) -> str:
    """Refusal of a second active booking on the same date."""
    return f"本单位在{fmt_date(day)}已有预约（{code}），同一日期只能保留一个预约。如需调整，请在“我的预约”中修改。"


SESSION_FULL = "很抱歉，该时段的号源刚刚约满。请查看最新的可预约信息，重新选择。"
SESSION_CLOSED = "该时段已停止预约，请选择其他时段。"
CHANGE_DEADLINE_PASSED = "已超过修改/取消截止时间（办理日前1个工作日24:00），不能再修改或取消。如有特殊情况请联系中心。"
BOOKING_NOT_FOUND = "未找到该预约，或该预约不属于本单位。"
BOOKING_NOT_ACTIVE = "该预约已结束，不能再修改。"
DUPLICATE_PERSON = "该申请人（证件号码）在本单位的有效预约中已有同类业务，不能重复预约。"
