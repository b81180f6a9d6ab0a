"""The real ``python -m bot`` at BOT_LOG_LEVEL=DEBUG, the most it can be made to log.

Against the tgemu Bot API emulator (the e2e tier's fixtures): a clerk logs in with
a one-time password, chooses a password, types a contact phone and, outside any
flow, an identity number. The process's whole log (stderr) must hold none of them
nor the token — PTB's DEBUG lines carry every incoming text and every Bot API URL,
so this proves the logger floors and the redacting formatter of ``setup_logging``.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.notice import ACCEPT_LABEL
from bot.texts import booking as tb
from bot.texts import login as tl
from tests.support.e2e import E2E, TOKEN
from tests.support.personal import CONTACT_PHONE, ID_NUMBER, OWN

pytestmark = pytest.mark.e2e


class DebugE2E(E2E):
    """The e2e workspace with the bot logging at DEBUG."""

    def env(self) -> dict[str, str]:
        env = super().env()
        env["BOT_LOG_LEVEL"] = "DEBUG"
        return env


def test_a_debug_log_holds_no_secret(e2e: E2E) -> None:
    run = DebugE2E(e2e.tgemu, e2e.emu, e2e.tmp_path)
    one_time = run.create_unit("acme", "北京示例科技有限公司")
    bot = run.start_bot()
    try:
        clerk: Any = run.emu.user(20002, "李经办")
        clerk.send_command("login")
        clerk.wait_for_text(tl.ASK_USERNAME)
        clerk.send_text("acme")
        clerk.wait_for_text(tl.ASK_PASSWORD)
        clerk.send_text(one_time)
        clerk.wait_for_text(tl.ASK_NEW_PASSWORD)
        clerk.send_text(OWN)
        clerk.wait_for_text(tl.ASK_CONFIRM_PASSWORD)
        clerk.send_text(OWN)
        clerk.wait_for_text(tl.PASSWORD_SET)
        clerk.send_command("book")
        clerk.wait_for_text(tb.NOTICE_PROMPT)
        clerk.press_button(ACCEPT_LABEL)
        clerk.press_button(tb.FILL_CONTACT_LABEL)
        clerk.send_text("李雷")
        clerk.wait_for_text(tb.ASK_CONTACT_PHONE)
        clerk.send_text(CONTACT_PHONE)
        clerk.wait_for_text("合计：0分钟")
        clerk.send_command("cancel")
        clerk.wait_for_text("已退出")
        clerk.send_text(ID_NUMBER)  # outside a flow: the short help
        clerk.wait_for_text("/help")
    finally:
        bot.stop()
    log = bot.log_text()
    assert " DEBUG " in log and "logged in to unit" in log  # it really logged at DEBUG
    for secret in (TOKEN, TOKEN.split(":", 1)[1], one_time, OWN, CONTACT_PHONE, ID_NUMBER):
        assert secret not in log, secret
