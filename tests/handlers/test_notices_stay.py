"""Messages the bot sends on its own are never edited by a later press (issue 10 item 3):
the press opens a new panel and the reminder, with the centre's address, stays."""

from __future__ import annotations

from datetime import date

from bot.callbacks import pack, unpack
from bot.harness import Harness
from bot.jobs.reminders import run_due
from tests.support import at
from tests.support.clerks import filled_booking, logged_in


def test_the_notice_marker_is_stripped_for_handlers() -> None:
    data = pack("ap", "list", 12, notice=True)
    assert data == "ap:list:12:_n"
    parsed = unpack(data)
    assert parsed is not None and parsed.notice and parsed.args == ("12",) and parsed.int_arg(0) == 12
    plain = unpack(pack("ap", "list", 12))
    assert plain is not None and not plain.notice and plain.args == ("12",)


async def test_the_appointment_reminder_survives_a_press_on_its_button(harness: Harness) -> None:
    unit_id = await logged_in(harness)
    await filled_booking(harness, unit_id, date(2026, 12, 2), session="pm")
    clerk = harness.user(1001)
    harness.clock.set(at("2026-12-02 08:00"))
    await run_due(harness.app)
    reminder = next(m for m in clerk.new_messages() if (m.text or "").startswith("📅"))
    assert harness.settings.bot_centre_address in reminder.text
    panel = await clerk.press("我的预约", reminder)
    assert panel is not None and panel.message_id != reminder.message_id and "CY20261202-001" in panel.text
    [kept] = [m for m in clerk.bot_messages() if m.message_id == reminder.message_id]
    assert kept.text == reminder.text and kept.edits == 0 and kept.buttons == reminder.buttons
    # pressing it again still leaves it alone
    again = await clerk.press("我的预约", reminder)
    assert again is not None and again.message_id not in (reminder.message_id, panel.message_id)
    [kept] = [m for m in clerk.bot_messages() if m.message_id == reminder.message_id]
    assert kept.edits == 0
