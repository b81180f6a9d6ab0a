"""Command menus, shown by state (issue 10 item 11): per-chat scopes over a guest default.

=====================  =============================================================
who                    menu
=====================  =============================================================
not logged in          the default of every private chat: /start, /login, /help
logged-in clerk        their chat: the clerk commands with /logout, without /login
staff / admin          their chat: the same by login state, plus the staff commands
=====================  =============================================================

A chat's menu is set when its state changes (login, the unit's own password set,
logout, staff added or removed) and refreshed at /start, so a clerk never sees
/login while logged in nor /logout while not. Staff commands appear only in staff
members' own chats.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from bot import texts
from bot.deps import deps_of
from bot.services.roles import Role, role_of, staff_ids

log = logging.getLogger(__name__)

_START = BotCommand("start", "开始 / 主菜单")
_LOGIN = BotCommand("login", "登录")
_LOGOUT = BotCommand("logout", "退出登录")
_HELP = BotCommand("help", "帮助")
_CANCEL = BotCommand("cancel", "退出当前操作")

GUEST_COMMANDS = [_START, _LOGIN, _HELP]
LOGGED_IN_COMMANDS = [
    _START,
    BotCommand("book", "业务预约"),
    BotCommand("my", "我的预约（修改、改约、取消）"),
    BotCommand("history", "已办理预约与满意度评价"),
    BotCommand("me", "我的账户"),
    BotCommand("settings", "提醒设置"),
    _LOGOUT,
    _HELP,
    _CANCEL,
]
# Every clerk command, whatever the menu shows: each starts (or leaves) a flow.
CLERK_COMMANDS = [*LOGGED_IN_COMMANDS[:-3], _LOGIN, *LOGGED_IN_COMMANDS[-3:]]

STAFF_COMMANDS = [
    BotCommand("staff", "工作台（工作人员）"),
    BotCommand("schedule", "日程：某日预约（默认今天）"),
    BotCommand("find", "查询预约编号或单位"),
    BotCommand("checkin", "签到：输入预约编号"),
    BotCommand("export", "导出日程 CSV/XLSX"),
    BotCommand("chart", "未来可约日利用率图表"),
    BotCommand("capacity", "设置时段容量 / 关闭日期"),
    BotCommand("calendar", "工作日历与调整"),
    BotCommand("units", "单位账户：新建、导入、改名、重置密码"),
    BotCommand("broadcast", "群发通知"),
    BotCommand("stats", "统计"),
]

ADMIN_COMMANDS = [
    BotCommand("staffadmin", "工作人员管理（管理员）"),
]


async def publish_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The guest menu for every private chat; staff chats get theirs by role and login state."""
    await application.bot.set_my_commands(GUEST_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(GUEST_COMMANDS)
    # What an empty chat shows before START, and the bot's profile line.
    await application.bot.set_my_description(texts.BOT_DESCRIPTION)
    await application.bot.set_my_short_description(texts.BOT_SHORT_DESCRIPTION)
    deps = deps_of(application)
    for user_id in sorted(await staff_ids(deps.db, deps.settings)):
        await refresh_menu(application, user_id)


def commands_for(role: Role, logged_in: bool) -> list[BotCommand] | None:
    """A chat's menu; None: the guest default (no menu of its own)."""
    base = LOGGED_IN_COMMANDS if logged_in else GUEST_COMMANDS
    if role is Role.NONE:
        return base if logged_in else None
    extra = ADMIN_COMMANDS if role is Role.ADMIN else []
    return [*base, *STAFF_COMMANDS, *extra]


async def refresh_menu(application: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    """Set (or remove, back to the guest default) one user's chat menu for their role and login state."""
    deps = deps_of(application)
    role = await role_of(deps.db, deps.settings, user_id)
    found = await deps.accounts.unit_of_user(user_id)
    commands = commands_for(role, found is not None and not found[0].must_set_password)
    scope = BotCommandScopeChat(user_id)
    try:
        if commands is None:
            await application.bot.delete_my_commands(scope=scope)
        else:
            await application.bot.set_my_commands(commands, scope=scope)
    except TelegramError:
        # Someone who never opened the bot has no chat yet: the menu comes at /start.
        log.info("could not set the menu of a chat yet")


# Staff membership changes refresh the same menu.
refresh_staff_menu = refresh_menu
