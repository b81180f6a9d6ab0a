"""Texts of /staffadmin: adding and removing staff, everyone by name."""

from __future__ import annotations

from collections.abc import Sequence

ADD_STAFF = "添加工作人员"
CONFIRM_REMOVE = "确认移除"
PICK_STAFF = "👤 选择联系人"
PICK_PLACEHOLDER = "点下方按钮选择，或转发对方的消息"
ASK_STAFF_ID = ("添加工作人员：请点击下方「👤 选择联系人」选择对方；\n"
                "或把对方发给您的任意一条消息转发到这里；\n"
                "也可直接输入对方的 Telegram 用户ID（数字），后面可加姓名，例如：123456789 张三")
STAFF_ID_BAD = "没有识别到要添加的人。请点击下方「👤 选择联系人」，转发对方的消息，或输入对方的 Telegram 用户ID（纯数字）。"
PICK_AGAIN = "请点击下方「👤 选择联系人」重新选择。"
FORWARD_HIDDEN = "对方的隐私设置隐藏了转发来源，无法识别是谁。请改用「👤 选择联系人」，或输入对方的 Telegram 用户ID。"
UNNAMED = "（未登记姓名）"


def remove_staff_label(name: str) -> str:
    """移除 张三."""
    return f"移除 {name}"


def staff_added(name: str) -> str:
    """After an admin added staff."""
    return f"已添加工作人员 {name or UNNAMED}。对方私聊机器人发送 /start 即可进入工作台。"


def staff_removed(name: str) -> str:
    """After an admin removed staff."""
    return f"已移除工作人员 {name}。"


def confirm_remove(name: str) -> str:
    """The last word before staff are removed."""
    return f"确认移除工作人员 {name}？移除后对方将不能再使用工作台。"


def staff_list(admins: Sequence[str], staff: Sequence[tuple[int, str]], note: str = "") -> str:
    """/staffadmin: admins (configuration) and staff (added here), by name."""
    lines = [note, ""] if note else []
    lines += ["👥 工作人员管理", "管理员（配置文件）：" + ("、".join(admins) or "无")]
    lines.append("工作人员：" if staff else "工作人员：暂无")
    lines += [f"· {name}" for _, name in staff]
    return "\n".join(lines)
