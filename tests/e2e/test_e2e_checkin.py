"""Check-in at the counter end to end: the real ``python -m bot`` over the tgemu emulator.

A clerk books through the emulator and receives the receipt's QR code; the code is
downloaded and decoded (zxing-cpp); the appointment day is made today in the
database file (the bot runs on the system clock, and bookings start tomorrow); a
staff member then sends ``/start ci_<token>`` taken from the QR code — as a phone
camera opening the link would — and the booking is 已到达, with the clerk's receipt
edited to say 已签到. The clerk sending the same link changes nothing.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime

import pytest
import zxingcpp
from PIL import Image

from bot.rules.tz import TZ
from bot.texts import arrival as ta
from tests.support.e2e import E2E, UNIT_NAME, book_first_free_slot, log_in, prepare_basket

pytestmark = pytest.mark.e2e

STAFF_ID = 30001


def checked_in_at(e2e: E2E, code: str) -> str | None:
    conn = sqlite3.connect(e2e.db_path)
    try:
        row = conn.execute("SELECT a.checked_in_at FROM booking_arrivals a JOIN bookings b ON b.id = a.booking_id"
                           " WHERE b.code = ?", (code,)).fetchone()
    finally:
        conn.close()
    assert row is not None
    return row[0]


def make_today(e2e: E2E, code: str) -> None:
    """The appointment day has come (the process reads the date from the database)."""
    conn = sqlite3.connect(e2e.db_path)
    try:
        with conn:
            conn.execute("UPDATE bookings SET date = ? WHERE code = ?", (datetime.now(TZ).date().isoformat(), code))
    finally:
        conn.close()


def test_staff_scanning_the_receipts_qr_code_checks_the_booking_in(e2e: E2E) -> None:
    e2e.settings["BOT_ADMIN_IDS"] = str(STAFF_ID)
    one_time_password = e2e.create_unit("acme", UNIT_NAME)
    bot = e2e.start_bot()
    try:
        clerk = e2e.emu.user(20001, "王经办")
        log_in(clerk, one_time_password)
        panel = prepare_basket(clerk)
        if "下次开放时间" in panel.text:
            pytest.skip("booking is closed at this hour (09:00–24:00 Beijing time); nothing to check in")
        code = book_first_free_slot(clerk, panel)
        qr = clerk.wait_for_text("签到码") if not [m for m in clerk.bot_messages() if m.photo] else None
        photo = qr or next(m for m in clerk.bot_messages() if m.photo)
        assert code in photo.content and "建议" in photo.content
        (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(e2e.emu.download(photo.file_id))))
        link = found.text
        username = e2e.emu.bot_api("getMe")["username"]
        prefix = f"https://t.me/{username}?start="
        assert link.startswith(f"{prefix}ci_"), link
        payload = link[len(prefix):]

        make_today(e2e, code)
        clerk.send_command("start", payload)  # the clerk's own phone opening the link
        clerk.wait_for_text(ta.NOT_STAFF_SCAN)
        assert checked_in_at(e2e, code) is None

        staff = e2e.emu.user(STAFF_ID, "王工作人员")
        staff.send_command("start", payload)
        card = staff.wait_for_text("已签到")
        assert card.text.startswith(f"✅ {code} 已签到") and f"预约 {code}" in card.text
        assert checked_in_at(e2e, code) is not None
        receipt = clerk.wait_for_text("到达时间：已签到")
        assert "📋 预约回执" in receipt.text and code in receipt.text

        staff.send_command("start", payload)  # scanned again: refused, unchanged
        assert "签到码不能重复使用" in staff.wait_for_text("不能重复使用").text
        e2e.emu.assert_no_failed_calls()
    finally:
        assert bot.stop() == 0
