"""Texts of the staff broadcast (群发通知, SPEC §11): composing, preview, progress, report."""

from __future__ import annotations

from datetime import date

from bot.texts import fmt_date, fmt_full_date

MAX_TEXT = 3500

ASK_TEXT = f"请输入要群发的通知内容（纯文本，不超过{MAX_TEXT}字）。\n发送 /cancel 退出。"
TEXT_EMPTY = "通知内容不能为空。"
ASK_AUDIENCE = "请选择接收人："
AUDIENCE_DATE_LABEL = "某日有预约的经办人"
ASK_DATE = "请选择预约日期，或直接输入日期（例如 12月3日 或 2026-12-03）："
NO_RECIPIENTS = "没有符合条件的接收人（已绑定且未屏蔽本机器人的经办人），请重新选择。"
USE_BUTTONS = "请点击上方消息中的按钮继续，或发送 /cancel 退出。"
CONFIRM_LABEL = "确认发送"
CANCEL_LABEL = "取消"
CANCELLED = "已取消群发，未发送任何消息。"
DRAFT_GONE = "该群发草稿已失效，请重新发送 /broadcast。"


def text_too_long(length: int) -> str:
    """Refusal of an over-long broadcast text (``length`` as Telegram counts it: UTF-16 units)."""
    return f"通知内容共{length}字，超过{MAX_TEXT}字的上限，请精简后重新输入。"


def audience_all_label(count: int) -> str:
    """The 全部经办人 button, with how many would receive it."""
    return f"全部经办人（{count}人）"


def date_label(day: date, count: int) -> str:
    """A date button: 12月2日（周三）· 5人."""
    return f"{fmt_date(day)} · {count}人"


def audience_line(day: date | None) -> str:
    """Who receives it, in words."""
    if day is None:
        return "全部经办人"
    return f"{fmt_full_date(day)}有待办预约的单位的经办人"


def preview(text: str, day: date | None, count: int) -> str:
    """The preview before 确认发送."""
    return (
        "群发预览\n"
        f"接收人：{audience_line(day)}，共{count}人\n"
        "————————\n"
        f"{text}\n"
        "————————\n"
        "确认无误后点击「确认发送」。发送过程中会显示进度。"
    )


def _counts(sent: int, failed: int, blocked: int, total: int, uncertain: int) -> str:
    line = f"已发送 {sent} / 失败 {failed} / 已屏蔽 {blocked}"
    if uncertain:
        line += f" / 结果未知 {uncertain}"
    return f"{line}，共 {total}"


def progress(broadcast_id: int, sent: int, failed: int, blocked: int, total: int, uncertain: int = 0) -> str:
    """The live progress message."""
    return f"群发 #{broadcast_id} 发送中…\n{_counts(sent, failed, blocked, total, uncertain)}"


def finished(broadcast_id: int, sent: int, failed: int, blocked: int, total: int, uncertain: int = 0) -> str:
    """The progress message once everything was tried."""
    return f"群发 #{broadcast_id} 已完成。\n{_counts(sent, failed, blocked, total, uncertain)}"


def report(broadcast_id: int, sent: int, failed: int, blocked: int, total: int, uncertain: int = 0) -> str:
    """The closing report sent to the staff member who started it."""
    lines = [f"群发 #{broadcast_id} 发送完毕：共{total}人，成功{sent}人。"]
    if blocked:
        lines.append(f"{blocked}人已屏蔽本机器人，已记录，今后的群发将跳过他们。")
    if failed:
        lines.append(f"{failed}人发送失败（多次重试后仍未成功）。")
    if uncertain:
        lines.append(f"{uncertain}人结果未知：Telegram 未确认是否送达，为免重复，不再重发。")
    return "\n".join(lines)
