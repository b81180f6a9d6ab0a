"""The end-to-end workspace: the real ``python -m bot`` against the tgemu emulator, and the
clerk steps the e2e tests share.

The fixtures that start the emulator are in ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.notice import ACCEPT_LABEL
from bot.texts import MENU_BOOK
from bot.texts import booking as tb
from bot.texts import login as tl

REPO = Path(__file__).resolve().parents[2]


CACHE = REPO / ".cache"


TOKEN = "123456:E2E-Secret-Token-xyz"  # digits:secret, as @BotFather issues them


INSTALLED = "telegram-test-api"


def unavailable(reason: str) -> None:
    """Skip, or under CI=true fail: the e2e tier may not silently vanish from CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the e2e tests must run)", pytrace=False)
    pytest.skip(reason)


@dataclass
class E2E:
    """One emulator, one database in tmp_path, and ways to run ``python -m bot`` on it."""

    tgemu: ModuleType
    emu: Any  # tgemu_driver.EmulatorServer
    tmp_path: Path
    settings: dict[str, str] = field(default_factory=dict)  # extra BOT_* settings of the bot process

    @property
    def db_path(self) -> Path:
        """The bot's SQLite file."""
        return self.tmp_path / "bot.sqlite3"

    @property
    def log_path(self) -> Path:
        """Every run of the bot appends its output here."""
        return self.tmp_path / "bot.log"

    def env(self) -> dict[str, str]:
        """The process environment: none of the developer's BOT_* settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env.update(self.emu.bot_env())  # BOT_TOKEN, BOT_API_BASE_URL, BOT_API_FILE_URL
        env.update({
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "PYTHONIOENCODING": "utf-8",
            "BOT_DB_PATH": str(self.db_path),
            "BOT_LOG_LEVEL": "INFO",
            # cheap hashes keep the test fast; production uses the argon2 defaults
            "BOT_ARGON2_MEMORY_KIB": "1024",
            "BOT_ARGON2_TIME_COST": "1",
        })
        env.update(self.settings)
        return env

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``python -m bot ARGS`` on the same database; fails the test on an error."""
        result = subprocess.run([sys.executable, "-m", "bot", *args], cwd=self.tmp_path, env=self.env(),
                                capture_output=True, text=True, encoding="utf-8", timeout=60)
        assert result.returncode == 0, result.stderr
        return result

    def create_unit(self, username: str, name: str) -> str:
        """Create a unit with the operator's command; returns its one-time password."""
        out = self.cli("units", "create", username, name).stdout
        return out.split("one-time password:", 1)[1].strip()

    def start_bot(self) -> Any:
        """Start ``python -m bot`` and wait until it long-polls the emulator."""
        process = self.tgemu.BotProcess([sys.executable, "-m", "bot"], env=self.env(), cwd=str(self.tmp_path),
                                        log_path=self.log_path, inherit_env=False)
        return process.start(self.emu, ready_timeout=30)


UNIT_NAME = "北京示例科技有限公司"


OWN_PASSWORD = "Own-Password-9"


def log_in(clerk: Any, one_time_password: str) -> None:
    """/login with the one-time password, then choose the unit's own password; all deleted."""
    clerk.send_command("login")
    clerk.wait_for_text(tl.ASK_USERNAME)
    clerk.send_text("acme")
    clerk.wait_for_text(tl.ASK_PASSWORD)
    secret_ids = [clerk.send_text(one_time_password)]
    clerk.wait_for_text(tl.ASK_NEW_PASSWORD)
    secret_ids.append(clerk.send_text(OWN_PASSWORD))
    clerk.wait_for_text(tl.ASK_CONFIRM_PASSWORD)
    secret_ids.append(clerk.send_text(OWN_PASSWORD))
    done = clerk.wait_for_text(tl.PASSWORD_SET)
    assert MENU_BOOK in done.button_texts

    everything = {m.message_id: m for m in clerk.messages(include_deleted=True)}
    assert all(everything[i].deleted for i in secret_ids), "a password message is still in the chat"
    shown = [m.content for m in clerk.messages()]
    assert not any(one_time_password in t or OWN_PASSWORD in t for t in shown)


def press(clerk: Any, label_or_data: str, message: Any = None) -> Any:
    """Press a button whose step edits its panel; the panel as the chat shows it afterwards."""
    done = clerk.press_button(label_or_data, message=message)
    if done.message is None:  # the edit came after the quiet period (a slow machine)
        clerk.wait_for_events(until=lambda events: any(
            e.type == "edit" and e.message.message_id == done.message_id for e in events))
    return clerk.find_message(done.message_id)


def shown_or_awaited(clerk: Any, text: str) -> Any:
    """The bot message containing ``text``: already in the chat, or the next to arrive."""
    found = [m for m in clerk.bot_messages() if text in m.content]
    return found[-1] if found else clerk.wait_for_text(text)


def prepare_basket(clerk: Any) -> Any:
    """/book → accept the notice → contact → one 新办 → 查询可预约信息; the panel message."""
    clerk.send_command("book")
    clerk.wait_for_text(tb.NOTICE_PROMPT)
    press(clerk, ACCEPT_LABEL)
    press(clerk, tb.FILL_CONTACT_LABEL)
    clerk.send_text("李雷")
    clerk.wait_for_text(tb.ASK_CONTACT_PHONE)
    clerk.send_text("13800138000")
    clerk.wait_for_text("合计：0分钟")
    basket = press(clerk, "bk:add:new")  # the 新办 row's「+」(every row has one)
    assert "合计：15分钟" in basket.text
    return press(clerk, tb.QUERY_LABEL)


def book_first_free_slot(clerk: Any, panel: Any) -> str:
    """Press the first 可预约 cell, then 确定; the booking code from the receipt."""
    cell = next(b for b in panel.buttons if "可预约" in b.text)
    assert tb.CONFIRM_PROMPT in press(clerk, cell.callback_data, message=panel).text
    press(clerk, tb.CONFIRM_LABEL)
    receipt = shown_or_awaited(clerk, "📋 预约回执")
    code = receipt.text.split("预约编号：", 1)[1].split("\n", 1)[0]
    assert code.startswith("CY")
    return code
