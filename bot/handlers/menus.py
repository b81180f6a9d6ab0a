"""Command menus: clerks see the clerk commands; staff see theirs too (per-chat scopes)."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import Application

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


async def publish_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Set the clerk command menu for private chats (staff menus are set per chat)."""
    await application.bot.set_my_commands(CLERK_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(CLERK_COMMANDS)
