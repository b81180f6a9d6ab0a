"""Texts of logging in, setting the unit's own password and logging out (SPEC §9)."""

from __future__ import annotations

from datetime import datetime

from bot.rules.account import MAX_PASSWORD, MIN_PASSWORD
from bot.texts import fmt_instant, recover_account

ASK_USERNAME = "请输入本单位预约账户的用户名："
ASK_PASSWORD = "请输入密码（发送后您的密码消息会被立即删除）："
USERNAME_BAD = "用户名格式不正确，请重新输入本单位预约账户的用户名："
ASK_NEW_PASSWORD = (
    "您使用的是中心发放的一次性密码，请立即设置本单位的新密码。\n"
    "要求：至少8位，不能与用户名相同。发送后密码消息会被立即删除。\n请输入新密码："
)
ASK_CONFIRM_PASSWORD = "请再次输入新密码以确认："
PASSWORDS_DIFFER = "两次输入的密码不一致，请重新设置。\n请输入新密码："
# The first entry is kept in memory only (never written down): after a restart it is gone.
PASSWORD_FORGOTTEN = "为保护您的密码，系统未保存第一次输入的新密码（期间服务曾重启），请重新设置。\n\n" + ASK_NEW_PASSWORD
PASSWORD_SET = "新密码已设置。今后请使用新密码登录，并妥善保管。"
LOGIN_CANCELLED = "已取消登录。"
LOGGED_OUT = "已退出登录。本聊天不再绑定任何单位。如需再次使用，请点击「登录」。"
RETYPE_USERNAME_LABEL = "重新输入用户名"
LOGIN_AGAIN_LABEL = "登录"


def forgot_password(phone: str) -> str:
    """How to get back into an account: only the centre resets a password."""
    return recover_account(phone)


def ask_password_for(username: str) -> str:
    """The password question when the username came with the link (/start login_<username>)."""
    return f"用户名：{username}\n{ASK_PASSWORD}"


NOT_BOUND = "您当前未登录任何单位。"


def already_logged_in(unit_name: str) -> str:
    """/login while bound."""
    return f"您已登录：{unit_name}。如需切换单位，请先 /logout 退出登录。"


def logged_in(unit_name: str) -> str:
    """Successful login."""
    return f"登录成功：{unit_name}。"


# ---------------------------------------------------------------- unit accounts (the account service's refusals)

USERNAME_RULE = "用户名须为3–32位英文字母、数字或 _ - . 组成。"
NAME_RULE = "单位名称须为2–100个字。"
NAME_MISSING = "缺少单位名称。"
NAME_CONTROL = "单位名称不能包含换行、制表符或其他控制字符。"
HEADER_RULE = "表头应为：用户名,单位名称,密码（或 username,name,password；密码列可省略）"
PASSWORD_TOO_SHORT = f"密码至少需要{MIN_PASSWORD}位，请重新输入。"
PASSWORD_TOO_LONG = f"密码不能超过{MAX_PASSWORD}位，请重新输入。"
PASSWORD_IS_USERNAME = "密码不能与用户名相同，请重新输入。"
PASSWORD_ONE_CHAR = "密码不能由同一个字符重复组成，请重新输入。"
UNIT_NOT_LOGGED_IN = "您尚未登录单位账户，请先发送 /login 登录。"
UNIT_NOT_FOUND = "未找到该单位账户。"
CSV_EMPTY = "文件中没有任何单位。"


def username_taken(username: str) -> str:
    """Refusal of a username that already exists."""
    return f"用户名已存在：{username}"


def wrong_password(remaining: int) -> str:
    """A wrong password or an unknown username — deliberately the same text."""
    return f"用户名或密码错误，还可尝试{remaining}次。"


def login_locked(until: datetime, lock_minutes: int) -> str:
    """Refusal while the Telegram user or the username is locked."""
    return (
        f"密码错误次数过多，登录已暂停{lock_minutes}分钟，"
        f"请于{fmt_instant(until)}后再试。"
    )


def csv_failed(count: int) -> str:
    """Summary of a refused CSV import."""
    return f"CSV 文件有{count}处错误，未导入任何单位。"
