"""Command menus: clerks see the clerk commands; staff also see theirs (per-chat scopes).

Staff commands appear only in the command menus of staff members' private chats
(BotCommandScopeChat) and are refreshed whenever staff are added or removed.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from bot.deps import deps_of
from bot.services.roles import Role, role_of, staff_ids

log = logging.getLogger(__name__)

CLERK_COMMANDS = [
    BotCommand("start", "开始 / 主菜单"),
    BotCommand("book", "业务预约"),
    BotCommand("my", "我的预约（修改、改约、取消）"),
    BotCommand("history", "已办理预约与满意度评价"),
    BotCommand("me", "我的账户"),
    BotCommand("settings", "提醒设置"),
    BotCommand("login", "登录"),
    BotCommand("logout", "退出登录"),
    BotCommand("help", "帮助"),
    BotCommand("cancel", "退出当前操作"),
]

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
    """Clerk menu for all private chats; staff and admin menus per staff chat."""
    await application.bot.set_my_commands(CLERK_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(CLERK_COMMANDS)
    deps = deps_of(application)
    for user_id in sorted(await staff_ids(deps.db, deps.settings)):
        await refresh_staff_menu(application, user_id)


async def refresh_staff_menu(application: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    """Set (or, for someone no longer staff, remove) the staff menu of one user's chat."""
    deps = deps_of(application)
    role = await role_of(deps.db, deps.settings, user_id)
    scope = BotCommandScopeChat(user_id)
    try:
        if role is Role.NONE:
            await application.bot.delete_my_commands(scope=scope)
        else:
            extra = ADMIN_COMMANDS if role is Role.ADMIN else []
            await application.bot.set_my_commands([*CLERK_COMMANDS, *STAFF_COMMANDS, *extra], scope=scope)
    except TelegramError:
        # A staff member who never opened the bot has no chat yet: the menu comes at /start.
        log.info("could not set the staff menu of a chat yet")
