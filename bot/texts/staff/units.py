"""Texts of /units: unit accounts (SPEC §9)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.storage.models import TgUser, Unit
from bot.texts import fmt_instant

# ---------------------------------------------------------------- /units

MENU = (
    "单位账户管理\n"
    "· 输入用户名或单位名称（的一部分）查找单位，可改名、重置密码、解绑经办人；\n"
    "· 或点击下方按钮新建单位、从表格（Excel 或 CSV）导入单位。"
)
NEW_LABEL = "新建单位"
IMPORT_LABEL = "导入表格"
RENAME_LABEL = "改名"
RESET_LABEL = "重置密码"
RESET_CONFIRM_LABEL = "确认重置"
BACK_TO_MENU_LABEL = "返回"
BACK_TO_UNIT_LABEL = "返回单位"
COPIED_LABEL = "已抄录"
PASSWORD_GONE = "含一次性密码的消息已删除。"

ASK_USERNAME = "新建单位（1/2）\n请输入用户名（3–32位英文字母、数字或 _ - .）："
ASK_NAME = "新建单位（2/2）\n请输入单位名称（2–100字）："
ASK_CSV = (
    "请上传 Excel（.xlsx）或 CSV（UTF-8 编码）文件，第一行为表头：用户名,单位名称,密码\n"
    "（也可用 username,name,password）。密码列可省略或留空，由系统生成一次性密码。\n"
    "文件有任何错误时不会导入任何单位。发送 /cancel 退出。"
)
CSV_EXPECTED = "请以文件形式发送 Excel 或 CSV 表格（点击📎选择文件）。"
XLSX_UNREADABLE = "无法读取该 Excel 文件，请确认是 .xlsx 格式（或另存为“CSV UTF-8”）后重新上传。"
CSV_NOT_TEXT = "无法读取该文件：请以 UTF-8（“CSV UTF-8”）格式保存后重新上传。"
CSV_TOO_BIG = "文件过大（上限 1 MB），请拆分后分批上传。"
PASSWORDS_CAPTION = (
    "各单位的一次性密码（仅发送这一次，请妥善保管，当面交给各单位经办人；"
    "首次登录后须设置本单位的新密码）。"
)
NO_CLERKS = "该单位目前没有已绑定的经办人。"
CLERK_GONE = "该经办人已不再绑定此单位。"
UNBOUND = "已解除绑定。"


def search_results(query: str, count: int) -> str:
    """Heading of the search results."""
    if not count:
        return f"未找到与“{query}”相关的单位。请换个关键词，或点击“新建单位”。"
    return f"与“{query}”相关的单位（{count}个），点击查看："


def unit_button(unit: Unit) -> str:
    """A unit in a list of buttons."""
    return f"{unit.name}（{unit.username}）"


def username_taken(username: str) -> str:
    """The username exists already."""
    return f"用户名 {username} 已存在，请换一个。"


def created(unit: Unit, password: str) -> str:
    """The new unit and its one-time password — shown this one time only."""
    return (
        "单位账户已创建。\n"
        f"单位名称：{unit.name}\n"
        f"用户名：{unit.username}\n"
        f"一次性密码：{password}\n\n"
        "⚠️ 一次性密码仅显示这一次，系统不保存明文，之后无法再次查看。"
        "请当面交给单位经办人；首次登录后须设置本单位的新密码。\n"
        "抄录后请点「已抄录」，本消息将被删除（5分钟后也会自动删除）。"
    )


def csv_problems(problems: Sequence[tuple[int, str]], shown: int = 40) -> str:
    """Every bad line of a refused import (the first ``shown`` of them)."""
    lines = [f"CSV 文件有{len(problems)}处错误，未导入任何单位："]
    lines += [f"第{line}行：{reason}" for line, reason in problems[:shown]]
    if len(problems) > shown:
        lines.append(f"……另有{len(problems) - shown}处错误未列出。")
    lines.append("请修改后重新上传，或发送 /cancel 退出。")
    return "\n".join(lines)


def imported(count: int, generated: int) -> str:
    """A successful import."""
    return f"已导入{count}个单位（其中{generated}个由系统生成一次性密码）。密码清单见下方文件。"


def unit_card(unit: Unit, clerks: Sequence[TgUser]) -> str:
    """One unit as staff see it."""
    password = "一次性密码（尚未设置本单位密码）" if unit.password_temporary else "已设置本单位密码"
    return (
        f"单位：{unit.name}\n"
        f"用户名：{unit.username}\n"
        f"密码状态：{password}\n"
        f"已绑定经办人：{len(clerks)}人\n"
        f"创建时间：{fmt_instant(unit.created_at)}"
    )


def clerks_button_label(count: int) -> str:
    """The button listing the bound clerks."""
    return f"解绑经办人（{count}）"


def clerk_list(unit: Unit, count: int) -> str:
    """Heading of the bound-clerk list."""
    return f"{unit.name} 已绑定的经办人（{count}人），点击即解除该经办人的绑定："


def clerk_button(n: int, clerk: TgUser) -> str:
    """One bound clerk by name, numbered (two clerks may share a name)."""
    return f"解绑 {n}：{clerk.first_name or '经办人'}"


def ask_new_name(unit: Unit) -> str:
    """Rename: the question."""
    return f"单位名称变更\n当前名称：{unit.name}\n请输入新的单位名称（2–100字）："


def renamed(unit: Unit) -> str:
    """Rename: done."""
    return f"已将单位名称变更为：{unit.name}。该单位的经办人已收到通知。"


def rename_notice(old: str, new: str) -> str:
    """Told to each clerk of a renamed unit."""
    return f"中心已将贵单位的名称由“{old}”变更为“{new}”。"


def confirm_reset(unit: Unit, clerks: int) -> str:
    """Reset: are you sure."""
    return (
        f"确认为“{unit.name}”（{unit.username}）重置密码？\n"
        f"将生成新的一次性密码，并解除该单位全部{clerks}名经办人的登录绑定。"
    )


def reset_done(unit: Unit, password: str, unbound: int) -> str:
    """Reset: the new one-time password — shown this one time only."""
    return (
        f"已重置“{unit.name}”的密码，并解除了{unbound}名经办人的绑定。\n"
        f"用户名：{unit.username}\n"
        f"新的一次性密码：{password}\n\n"
        "⚠️ 一次性密码仅显示这一次，请当面交给单位经办人；首次登录后须设置本单位的新密码。\n"
        "抄录后请点「已抄录」，本消息将被删除（5分钟后也会自动删除）。"
    )


RESET_NOTICE = "您的单位账户密码已由中心重置，请使用新密码重新登录"


def unbind_notice(unit_name: str) -> str:
    """Told to a clerk whom staff unbound."""
    return f"中心已解除您与“{unit_name}”预约账户的绑定。如需继续使用，请重新登录：/login"


def passwords_file_name(now: datetime) -> str:
    """The name of the CSV of generated passwords."""
    return f"units-passwords-{now:%Y%m%d-%H%M}.csv"


