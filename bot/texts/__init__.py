"""Every Chinese string the user sees, with the small helpers that render them.

This package is the product voice: common texts and refusals here, one module per
conversation area beside it (login, booking, applicants, my_bookings, history,
account, staff, reminders).

Handlers and services build user-facing text only through this module, so that a
wording change is one edit and a reviewer can read the whole product voice here.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.rules.tz import TZ

WEEKDAYS = "一二三四五六日"


TELEGRAM_MAX_TEXT = 4096  # a message's text, in UTF-16 code units
TELEGRAM_MAX_CAPTION = 1024


def utf16_len(text: str) -> int:
    """The length of a text as Telegram counts it: UTF-16 code units (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


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


def unit_frozen(count: int) -> str:
    """Refusal while the unit is frozen for mismatches (until the 1st of next month)."""
    return (
        f"本单位本月「材料与预约信息不符」已计{count}次，本月预约权限已冻结，次月1日起可再次预约。"
        "已有的预约不受影响。"
    )


UNRATED_SERVED = "请先完成上次已办理预约的满意度评价，再进行新的预约（下次预约前完成本次满意度评价）。"


def already_booked(day: date, code: str) -> str:
    """Refusal of a second active booking on the same date."""
    return f"本单位在{fmt_date(day)}已有预约（{code}），同一日期只能保留一个预约。如需调整，请在「我的预约」中修改。"


SESSION_FULL = "很抱歉，该时段的号源刚刚约满。请查看最新的可预约信息，重新选择。"
SESSION_CLOSED = "该时段已停止预约，请选择其他时段。"
CHANGE_DEADLINE_PASSED = "已超过修改/取消截止时间（办理日前1个工作日24:00），不能再修改或取消。"


def centre_contact(phone: str) -> str:
    """Where a clerk turns when the bot cannot help: the centre, with its phone."""
    return f"如有特殊情况，请致电中心：{phone}。"


BOOKING_NOT_FOUND = "未找到该预约，或该预约不属于本单位。"
BOOKING_NOT_ACTIVE = "该预约已结束，不能再修改。"
DUPLICATE_PERSON = "该申请人（证件号码）在本单位的有效预约中已有同类业务，不能重复预约。"


# ---------------------------------------------------------------- common

BOT_TITLE = "朝阳区办理北京市工作居住证网上预约"
PRIVATE_ONLY = "本机器人只在私聊中提供服务（预约信息涉及个人数据）。请点击机器人头像，在私聊中使用。"
STALE_BUTTON = "该按钮已失效，请重新操作。"
BOOKING_CHANGED_SINCE = "该预约在此确认页显示后已有变更，本次未作任何修改。请在「我的预约」中查看最新信息后再操作。"
NOT_LOGGED_IN = "您尚未登录。请先使用 /login 以本单位的预约账户登录。"
MUST_SET_PASSWORD = "请先设置本单位的新密码，再继续使用。"
CANCELLED = "已退出当前操作。已确认的预约不受影响。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
SYSTEM_ERROR = "系统繁忙，请稍后再试。如多次出现，请联系中心：{phone}。"
TEXT_EXPECTED = "请直接输入文字回答。"
TOO_LONG = "输入内容过长，请重新输入。"
BACK = "返回"
MENU = "主菜单"


def idle_timeout(minutes: int, kept_basket: bool) -> str:
    """A flow ended for inactivity; says what was kept (the prepared basket) and what not."""
    kept = "已选的办理业务和经办人信息已为您保留，" if kept_basket else ""
    return (f"您已超过{minutes}分钟未操作，本次操作已结束；{kept}其余未确认的内容已丢弃，"
            "已确认的预约不受影响。需要时请重新开始。")


MENU_BOOK = "业务预约"
MENU_MY = "我的预约"
MENU_HISTORY = "已办理预约"
MENU_ACCOUNT = "我的账户"
MENU_HELP = "帮助"
MENU_LOGIN = "登录"


BOT_DESCRIPTION = (
    "朝阳区人力资源公共服务中心 · 北京市工作居住证业务预约。\n\n"
    "已在朝阳区开户的用人单位经办人，可在此预约新办、续办、个人信息变更、单位信息变更业务，"
    "查看审核结果，修改、改约或取消预约，并进行满意度评价。\n\n"
    "请点击「开始」，再用本单位的预约账户登录（账户由中心发放）。"
)
BOT_SHORT_DESCRIPTION = "朝阳区工作居住证业务预约：预约、审核结果、改约与取消。经办人用单位预约账户登录使用。"


def recover_account(phone: str) -> str:
    """How a unit gets back into its account: only the centre resets a password."""
    return (f"忘记密码：请致电中心（{phone}）重置，新的一次性密码由中心当面发放；"
            "重置后本单位所有经办人需重新登录。")


def rename_unit(phone: str) -> str:
    """How a unit's name is changed: by the centre."""
    return f"单位名称变更：由中心办理，请致电中心（{phone}）；变更后立即显示新名称。"


def welcome_guest(phone: str = "") -> str:
    """/start for someone not logged in."""
    lines = [
        f"您好！这里是{BOT_TITLE}。",
        "",
        "已在朝阳区办理北京市工作居住证开户的用人单位经办人，可在此预约到朝阳区人力资源公共服务中心"
        "办理新办、续办、个人信息变更、单位信息变更业务，查看和修改预约，并进行满意度评价。",
        "",
        "请先使用本单位的预约账户登录：/login（账户由中心现场发放）",
    ]
    if phone:
        lines.append(recover_account(phone))
    return "\n".join(lines)


def welcome_clerk(unit_name: str) -> str:
    """/start and the main menu for a logged-in clerk."""
    return f"您好，{unit_name}的经办人。\n请选择要办理的事项："


def help_text(phone: str) -> str:
    """/help."""
    return (
        "可用命令：\n"
        "/book 业务预约\n"
        "/my 我的预约（待办理预约：修改信息、改约、取消预约）\n"
        "/history 已办理预约与满意度评价\n"
        "/me 我的账户\n"
        "/settings 提醒设置\n"
        "/login 登录　/logout 退出登录\n"
        "/cancel 退出当前操作\n\n"
        f"{rename_unit(phone)}\n{recover_account(phone)}\n\n"
        "说明：系统每日9:00开放（国家法定节假日除外），可预约次日起5个工作日内的号源；"
        "修改、取消须在办理日前1个工作日24:00前完成。\n"
        "工作居住证开户、单位跨区信息变更两项业务不需预约，请直接登录北京市工作居住证管理系统申报。\n"
        f"咨询电话：{phone}"
    )


NOT_BOOKABLE_KEYWORDS = ("开户", "跨区", "主管部门变更", "开通单位业务办理权限")
NOT_BOOKABLE = (
    "工作居住证开户（开通单位业务办理权限）和单位跨区信息变更（单位主管部门变更）两项业务不需要预约，"
    "请直接登录北京市工作居住证管理系统完成申报材料上传和系统数据填报。\n"
    "可预约的业务为：新办、续办、个人信息变更、单位信息变更。"
)


USE_PANEL_BUTTONS = "当前操作需要点击上方消息中的按钮继续；如需退出，请发送 /cancel。"


def unknown_input() -> str:
    """Anything unexpected outside a flow."""
    return "抱歉，没有理解您的消息。请使用下方菜单，或发送 /help 查看可用命令。"
