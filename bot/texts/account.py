"""Texts of 我的账户 and /settings (SPEC §8 freeze, §9 accounts, §10 release notice)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.rules.freeze import FreezeStatus
from bot.texts import fmt_instant

LOGOUT_LABEL = "退出登录"
CONFIRM_LOGOUT_LABEL = "确认退出"
CONFIRM_LOGOUT = "确认退出登录？退出后本聊天不再绑定本单位，再次使用需重新输入用户名和密码。"
SELF_MARK = "（本人）"


def notice_label(enabled: bool) -> str:
    """The toggle button: shows the current setting; a press switches it."""
    return f"09:00 放号提醒：{'开' if enabled else '关'}"


def notice_line(enabled: bool) -> str:
    """The release-notice setting as a line of text."""
    return f"09:00 放号提醒：{'开' if enabled else '关'}（点击下方按钮切换）"


def clerks_line(names: Iterable[tuple[str, bool]]) -> str:
    """已绑定的经办人：张三（本人）、李四."""
    shown = [f"{name or '经办人'}{SELF_MARK if me else ''}" for name, me in names]
    return "已绑定的经办人：" + ("、".join(shown) or "无")


def freeze_lines(status: FreezeStatus) -> list[str]:
    """The month's mismatch count and whether booking is frozen, until when."""
    lines = [f"本月材料不符次数：{status.display}（超过{status.limit}次将冻结本月预约权限）"]
    if status.frozen and status.until is not None:
        lines.append(f"预约权限：已冻结，将于{fmt_instant(status.until)}自动解冻。已有的预约不受影响。")
    else:
        lines.append("预约权限：正常")
    return lines


def account(unit_name: str, username: str, clerks: Iterable[tuple[str, bool]], status: FreezeStatus,
            release_notice: bool) -> str:
    """我的账户."""
    return "\n".join([
        "我的账户",
        f"单位：{unit_name}",
        f"用户名：{username}",
        clerks_line(clerks),
        *freeze_lines(status),
        notice_line(release_notice),
    ])


def settings(release_notice: bool) -> str:
    """/settings."""
    return (
        "提醒设置\n"
        f"{notice_line(release_notice)}\n"
        "开启后，每个开放日9:00系统放号时，会告知当日可预约的日期和剩余号源。"
    )


def notice_switched(enabled: bool) -> str:
    """The answer to a toggle press."""
    return "已开启09:00放号提醒。" if enabled else "已关闭09:00放号提醒。"
