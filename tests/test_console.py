"""``python -m bot console``: the real application in a terminal.

The end-to-end test runs the console as a subprocess on a scripted stdin, exactly as
an operator would: create a unit with ``python -m bot units create``, log in, book
by pressing numbered buttons, and find the receipt and the ``.ics`` file. The other
tests call ``bot.console.main`` in-process for the console's own commands.
"""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.console import CONSOLE_ADMIN_ID, Console, ConsoleClock, main, parse_duration, parse_instant
from bot.deps import Deps
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import CLI
from tests.support import at

REPO = Path(__file__).resolve().parent.parent
OWN_PASSWORD = "Own-Password-9"


def run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in tmp_path (no .env), no token, cheap password hashes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "PYTHONIOENCODING": "utf-8",
        "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_ARGON2_MEMORY_KIB": "1024",
        "BOT_ARGON2_TIME_COST": "1",
    })
    result = subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, input=stdin,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def one_time_password(tmp_path: Path) -> str:
    """Create the unit acme the operator's way; its one-time password."""
    out = run(tmp_path, "units", "create", "acme", "示例单位").stdout
    return out.split("one-time password:", 1)[1].strip()


def login_script(password: str) -> list[str]:
    """/login with the one-time password, then the unit's own password twice."""
    return ["/login", "acme", password, OWN_PASSWORD, OWN_PASSWORD]


def test_console_books_end_to_end_through_numbered_buttons(tmp_path: Path) -> None:
    otp = one_time_password(tmp_path)
    script = [
        *login_script(otp),
        "/book",
        "#1",            # 我已认真阅读并接受以上协议
        "#1",            # 填写经办人信息
        "李雷",
        "13800138000",
        "#2",            # ＋ 新办
        "#9",            # 查询可预约信息
        "#1",            # the first cell: 12月2日 上午
        "#1",            # 确定
        "/my",
        "\\quit",
    ]
    result = run(tmp_path, "console", "--now", "2026-12-01T09:30", "--files", str(tmp_path / "saved"), stdin="\n".join(script) + "\n")
    out = result.stdout

    assert "2026年12月1日（周二）09:30" in out  # the banner's clock
    assert "登录成功：示例单位。" in out
    assert out.count("🗑 你的消息") == 3  # the one-time and both new password messages
    for label in ("我已认真阅读并接受以上协议", "填写经办人信息", "＋ 新办", "查询可预约信息", "确定"):
        assert f"👆 {label}\n" in out
    assert "  [1] 业务预约  [2] 我的预约" in out
    assert "✎ 编辑 #" in out
    assert "预约编号：CY20261202-001" in out
    assert "📎 CY20261202-001.ics (" in out
    assert "已退出控制台。" in out
    # a password shows only where the console echoes the typed line, never in a log
    assert out.count(otp) == 1 and out.count(OWN_PASSWORD) == 2
    assert otp not in result.stderr and OWN_PASSWORD not in result.stderr

    ics = (tmp_path / "saved" / "CY20261202-001.ics").read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in ics and "CY20261202-001" in ics
    conn = sqlite3.connect(tmp_path / "bot.sqlite3")
    try:
        rows = conn.execute("SELECT code, date, session FROM bookings").fetchall()
    finally:
        conn.close()
    assert rows == [("CY20261202-001", "2026-12-02", "am")]


def test_console_needs_no_token_and_says_how_to_create_a_unit(tmp_path: Path) -> None:
    result = run(tmp_path, "console", stdin="/start\n")  # end of input ends the session
    assert "python -m bot units create USERNAME NAME" in result.stdout
    assert f"本控制台把 {CONSOLE_ADMIN_ID} 作为管理员" in result.stdout
    assert "系统时钟" in result.stdout
    assert "请先使用本单位的预约账户登录：/login" in result.stdout
    assert "[1] 登录" in result.stdout


def session(settings: Settings, script: list[str], tmp_path: Path, encoding: str = "utf-8") -> str:
    """Run the console in-process on ``script``; what it printed."""
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding=encoding, newline="\n")
    code = main(settings, now=at("2026-12-01 09:30"), files=tmp_path / "files",
                stdin=io.StringIO("\n".join(script) + "\n"), stdout=out)
    assert code == 0
    out.flush()
    return raw.getvalue().decode(encoding)


def test_console_commands(settings: Settings, tmp_path: Path) -> None:
    out = session(settings, [
        "\\time", "\\advance 1h30m", "\\time 2026-12-03T08:00", "\\advance bad",
        "/as 2", "hello", "\\as admin", "\\users", "#7", "\\tick", "\\bogus", "\\help",
        "\\quit", "/start",  # nothing after \quit is read
    ], tmp_path)
    assert "🕒 2026年12月1日（周二）09:30（手动设置" in out
    assert "🕒 2026年12月1日（周二）11:00" in out
    assert "🕒 2026年12月3日（周四）08:00" in out
    assert "用法：\\advance 30m" in out
    assert "现在是用户2（Telegram id 10002）。" in out
    assert "🧑2 › hello" in out and "抱歉，没有理解您的消息" in out
    assert "现在是管理员（Telegram id 900001）。" in out  # the configured admin, not 99999
    assert "  用户2  id 10002  未登录" in out and "▶ 管理员  id 900001  未登录" in out
    assert "没有这个按钮。" in out
    assert "已运行到期提醒检查：没有到期的提醒。" in out
    assert "未知的控制台命令 \\bogus" in out
    assert "#1042.3" in out  # the help
    assert "🧑admin › /start" not in out
    assert "python -m bot units create" in out  # no unit yet


def test_console_picks_and_forwards_people_for_the_staff_admin(settings: Settings, tmp_path: Path) -> None:
    out = session(settings, [
        "\\as admin", "/staffadmin", "#1", "\\share 7", "#1", "\\forward 8 你好", "\\share 9",
    ], tmp_path)
    assert "⌨ 输入框下方的按钮：👤 选择联系人" in out and "⌨ 输入框下方的按钮已收起" in out
    assert "已添加工作人员 用户7。" in out and "已添加工作人员 用户8。" in out
    assert "· 用户7\n· 用户8" in out
    assert "没有「选择联系人」按钮" in out  # \share with no picker on screen


def test_console_presses_a_button_of_a_given_message(settings: Settings, tmp_path: Path) -> None:
    out = session(settings, ["/start", "/help", "#1001.1"], tmp_path)
    assert "🤖 #1001" in out
    assert "👆 登录\n" in out  # button 1 of #1001, not of the newer /help message
    assert "请输入本单位预约账户的用户名：" in out


def test_console_output_survives_a_non_utf8_pipe(settings: Settings, tmp_path: Path) -> None:
    out = session(settings, ["/start"], tmp_path, encoding="ascii")
    assert "[1] ??" in out  # 登录, replaced instead of a UnicodeEncodeError
    assert "/login" in out


@pytest.mark.parametrize("text, minutes", [("30m", 30), ("1h30m", 90), ("2d", 2880), ("-15m", -15), ("45s", 0.75)])
def test_parse_duration(text: str, minutes: float) -> None:
    assert parse_duration(text).total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["", "30", "m", "1h 30m", "1.5h"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_parse_instant_is_shanghai_time_without_an_offset() -> None:
    assert parse_instant("2026-12-01T09:30") == at("2026-12-01 09:30")
    assert parse_instant("2026-12-01T01:30+00:00") == at("2026-12-01 09:30")


class _WaitingInput:
    """A terminal whose user types ``lines``, then waits (without typing) until ``ready()`` or 10 s."""

    def __init__(self, lines: list[str], ready: Any) -> None:
        self.lines = [f"{line}\n" for line in lines]
        self.ready = ready
        self.waited_for_it = False

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        if self.lines:
            return self.lines.pop(0)
        if not self.waited_for_it:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not self.ready():
                time.sleep(0.05)
            self.waited_for_it = self.ready()
            return "\\quit\n"
        return ""


def test_the_console_runs_broadcasts_while_it_waits_for_input(settings: Settings, tmp_path: Path) -> None:
    """Issue 8, item 9: reading input must not stop the event loop (a broadcast sat at 「已发送 0」)."""
    async def one_clerk() -> None:
        db = Database(settings.bot_db_path)
        await db.open()
        await db.migrate()
        deps = Deps.build(settings, ManualClock(at("2026-12-01 09:30")), db)
        unit, _ = await deps.accounts.create_unit("acme", "北京示例科技有限公司", actor=CLI)
        async with db.write() as conn:
            await repo.touch_tg_user(conn, 10002, "经办人", deps.clock.now())
            await repo.bind_user(conn, 10002, unit.id, must_set_password=False, now=deps.clock.now())
        await db.close()

    asyncio.run(one_clerk())
    out = io.StringIO()
    console = Console(settings, ConsoleClock(at("2026-12-01 09:30")), tmp_path / "files", out)
    console.harness.api.chat(10002)
    text = "【通知】系统维护"
    typed = _WaitingInput(["\\as admin", "/broadcast", text, "#1", "#1"], lambda: any(
        m.text == text for m in console.harness.api.messages_in(10002)) and "已完成" in out.getvalue())
    assert console.run(typed, admin_added=False) == 0
    # Delivered, and its progress shown as it finished, while the console waited for a line.
    assert typed.waited_for_it, out.getvalue()[-2000:]
