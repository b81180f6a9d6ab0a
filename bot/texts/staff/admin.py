"""Texts of /staffadmin: adding and removing staff."""

from __future__ import annotations

pass

from collections.abc import Sequence


def remove_staff_label(user_id: int, name: str) -> str:
    """移除 123 张三."""
    return f"移除 {user_id} {name}".strip()


def staff_added(user_id: int, name: str) -> str:
    """After an admin added staff."""
    return f"已添加工作人员 {user_id} {name}".strip() + "。对方私聊机器人后即可看到工作人员命令。"


def staff_removed(user_id: int) -> str:
    """After an admin removed staff."""
    return f"已移除工作人员 {user_id}。"


def confirm_remove(user_id: int, name: str) -> str:
    """The last word before staff are removed."""
    return f"确认移除工作人员 {user_id} {name}？".replace("  ", " ")


def staff_list(admins: Sequence[int], staff: Sequence[tuple[int, str]], note: str = "") -> str:
    """/staffadmin: admins (configuration) and staff (added here)."""
    lines = [note, ""] if note else []
    lines += ["👥 工作人员管理", "管理员（配置文件）：" + "、".join(str(a) for a in admins)]
    lines.append("工作人员：" if staff else "工作人员：暂无")
    lines += [f"· {user_id} {name}".rstrip() for user_id, name in staff]
    return "\n".join(lines)


