"""Texts of 我的账户 and /settings (SPEC §8 freeze, §9 accounts, §10 release notice)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time

from bot.rules.freeze import FreezeStatus
from bot.texts import mismatch as mismatch_texts
from bot.texts import recover_account, rename_unit

LOGOUT_LABEL = "退出登录"
CONFIRM_LOGOUT_LABEL = "确认退出"
CONFIRM_LOGOUT = "确认退出登录？退出后本聊天不再绑定本单位，再次使用需重新输入用户名和密码。"
SELF_MARK = "（本人）"
DEFAULT_RELEASE = time(9, 0)


def notice_label(enabled: bool, at: time = DEFAULT_RELEASE) -> str:
    """The toggle button: shows the current setting; a press switches it."""
    return f"{at:%H:%M} 放号提醒：{'开' if enabled else '关'}"


def notice_line(enabled: bool, at: time = DEFAULT_RELEASE) -> str:
    """The release-notice setting as a line of text."""
    return f"{notice_label(enabled, at)}（点击下方按钮切换）"


def clerks_line(names: Iterable[tuple[str, bool]]) -> str:
    """已绑定的经办人：张三（本人）、李四."""
    shown = [f"{name or '经办人'}{SELF_MARK if me else ''}" for name, me in names]
    return "已绑定的经办人：" + ("、".join(shown) or "无")


def freeze_lines(status: FreezeStatus) -> list[str]:
    """The month's counted mismatches and whether the unit may book (SPEC §8)."""
    return mismatch_texts.account_lines(status)


def through_centre(phone: str) -> list[str]:
    """What only the centre can do for a unit, and how to reach it."""
    return [rename_unit(phone), recover_account(phone)]


def account(unit_name: str, username: str, clerks: Iterable[tuple[str, bool]], status: FreezeStatus,
            release_notice: bool, at: time = DEFAULT_RELEASE, *, phone: str = "") -> str:
    """我的账户: the unit, its clerks, where it stands on 材料不符, the release notice, what the centre does."""
    return "\n".join([
        "我的账户",
        f"单位：{unit_name}",
        f"用户名：{username}",
        clerks_line(clerks),
        *freeze_lines(status),
        notice_line(release_notice, at),
        *(["", *through_centre(phone)] if phone else []),
    ])


def settings(release_notice: bool, at: time = DEFAULT_RELEASE) -> str:
    """/settings."""
    return (
        "提醒设置\n"
        f"{notice_line(release_notice, at)}\n"
        f"开启后，每个开放日{at:%H:%M}系统放号时，会告知当日可预约的日期和剩余号源。"
    )


def notice_switched(enabled: bool, at: time = DEFAULT_RELEASE) -> str:
    """The answer to a toggle press."""
    return f"已{'开启' if enabled else '关闭'}{at:%H:%M}放号提醒。"
