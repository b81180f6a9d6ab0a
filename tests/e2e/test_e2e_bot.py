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

from bot.texts import MENU_BOOK, MENU_MY
from bot.texts import booking as tb
from tests.support.e2e import E2E, OWN_PASSWORD, TOKEN, UNIT_NAME, book_first_free_slot, log_in, prepare_basket, press

pytestmark = pytest.mark.e2e


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
