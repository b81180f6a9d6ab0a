"""The real ``python -m bot`` process against the tgemu Bot API emulator.

A unit is created with the operator's command; a clerk logs in through the emulator
(the password messages must disappear from the chat), books by pressing the buttons,
the bot is stopped with SIGINT and started again on the same database, and the clerk
is still logged in and the booking (or, while booking is closed, the prepared draft
and the conversation) is still there. No Bot API call may fail, and the bot's log
holds neither the token nor a password.

The bot runs on the system clock, so whether booking is open depends on when the
test runs (09:00–24:00 except statutory holidays): open, it books end to end; closed,
it checks the "下次开放时间" answer and that the prepared basket survives the restart.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from bot.notice import ACCEPT_LABEL
from bot.texts import MENU_BOOK, MENU_MY
from bot.texts import booking as tb
from bot.texts import login as tl
from tests.e2e.conftest import E2E, TOKEN

pytestmark = pytest.mark.e2e

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


def calendar_file(clerk: Any, name: str) -> Any:
    """The document message carrying the file ``name`` (sent right after the receipt)."""
    def sent(messages: list[Any]) -> list[Any]:
        return [m for m in messages if m.document and m.document.get("file_name") == name]

    if not sent(clerk.bot_messages()):
        clerk.wait_for_events(until=lambda events: bool(sent([e.message for e in events if e.type == "message"])))
    return sent(clerk.bot_messages())[-1]


def booking_codes(e2e: E2E) -> list[str]:
    """The booking codes in the database file."""
    conn = sqlite3.connect(e2e.db_path)
    try:
        return [row[0] for row in conn.execute("SELECT code FROM bookings ORDER BY id")]
    finally:
        conn.close()


def test_login_and_booking_survive_a_restart(e2e: E2E) -> None:
    one_time_password = e2e.create_unit("acme", UNIT_NAME)
    bot = e2e.start_bot()
    try:
        clerk = e2e.emu.user(20001, "王经办")
        log_in(clerk, one_time_password)
        panel = prepare_basket(clerk)
        is_open = "下次开放时间" not in panel.text
        if is_open:
            code = book_first_free_slot(clerk, panel)
            assert b"BEGIN:VCALENDAR" in e2e.emu.download(calendar_file(clerk, f"{code}.ics").file_id)
        else:
            assert tb.PREPARED in panel.text

        assert bot.stop() == 0  # SIGINT: a graceful stop
        bot = e2e.start_bot()

        if not is_open:
            # the conversation and its draft survived: 返回 on the same panel shows the basket
            basket = press(clerk, "bk:back:basket", message=panel)
            assert "新办（15分钟/个）：1" in basket.text and "合计：15分钟" in basket.text
        clerk.send_command("start")
        menu = clerk.wait_for_text(UNIT_NAME)
        assert MENU_BOOK in menu.button_texts and MENU_MY in menu.button_texts
        if is_open:
            clerk.send_command("my")
            card = clerk.wait_for_text(code)
            assert "新办 ×1" in card.text
            assert booking_codes(e2e) == [code]
        else:
            assert booking_codes(e2e) == []
    finally:
        bot.stop()

    e2e.emu.assert_no_failed_calls()
    log = bot.log_text()
    assert "logged in to unit" in log  # the log is there, and it is the bot's
    for secret in (TOKEN, TOKEN.split(":", 1)[1], one_time_password, OWN_PASSWORD, "13800138000"):
        assert secret not in log
