"""Texts of logging in, setting the unit's own password and logging out (SPEC §9)."""

from __future__ import annotations

ASK_USERNAME = "请输入本单位预约账户的用户名："
ASK_PASSWORD = "请输入密码（发送后您的密码消息会被立即删除）："
USERNAME_BAD = "用户名格式不正确，请重新输入本单位预约账户的用户名："
ASK_NEW_PASSWORD = (
    "您使用的是中心发放的一次性密码，请立即设置本单位的新密码。\n"
    "要求：至少8位，不能与用户名相同。发送后密码消息会被立即删除。\n请输入新密码："
)
ASK_CONFIRM_PASSWORD = "请再次输入新密码以确认："
PASSWORDS_DIFFER = "两次输入的密码不一致，请重新设置。\n请输入新密码："
PASSWORD_SET = "新密码已设置。今后请使用新密码登录，并妥善保管。"
LOGIN_CANCELLED = "已取消登录。"
LOGGED_OUT = "已退出登录。本聊天不再绑定任何单位。"
NOT_BOUND = "您当前未登录任何单位。"


def already_logged_in(unit_name: str) -> str:
    """/login while bound."""
    return f"您已登录：{unit_name}。如需切换单位，请先 /logout 退出登录。"


def logged_in(unit_name: str) -> str:
    """Successful login."""
    return f"登录成功：{unit_name}。"
