"""Stored conversation data that cannot be read back must not keep the bot from starting.

A damaged ``user_data`` or ``conversations`` row (a bad restore, a hand edit, a model
renamed between versions) is dropped with a warning that names the user id only —
never the stored text, which may hold a draft's identity or phone numbers.
"""

from __future__ import annotations

import json

from bot.handlers.booking import BookingDraft
from bot.harness import Harness
from bot.persistence import decode_user_data
from tests.support.logs import LogRecorder
from tests.support.personal import ID_NUMBER


async def test_damaged_rows_are_dropped_and_the_bot_starts(harness: Harness, all_logs: LogRecorder) -> None:
    good = json.dumps({"last_seen": "2026-12-01T10:00:00+08:00", "draft_booking": {
        "__model__": "BookingDraft", "v": {"counts": {"new": 1}, "contact_name": "李雷"}}})
    async with harness.deps.db.write() as conn:
        for user_id, text in ((77, "{not json " + ID_NUMBER), (78, "[1, 2]"), (79, good),
                              (80, json.dumps({"draft_applicant": {"__model__": "ApplicantDraft",
                                                                   "v": {"fields": {"id_number": ID_NUMBER}}}}))):
            await conn.execute("INSERT INTO user_data (user_id, data) VALUES (?, ?)", (user_id, text))
        await conn.execute("INSERT INTO conversations (name, key, state) VALUES ('booking', 'garbage', '3')")
        await conn.execute("INSERT INTO conversations (name, key, state) VALUES ('booking', '[79, 79]', '{bad')")
    await harness.restart()

    assert "可用命令" in (await harness.user(1001).command("help")).text
    assert isinstance(harness.app.user_data[79]["draft_booking"], BookingDraft)
    assert 77 not in harness.app.user_data
    assert "draft_applicant" not in harness.app.user_data.get(80, {})
    warnings = [line for line in all_logs.lines() if "WARNING bot.persistence" in line]
    assert any("user 77" in w for w in warnings) and any("conversation booking" in w for w in warnings)
    assert not any(ID_NUMBER in line for line in all_logs.lines())


def test_a_stored_draft_that_no_longer_validates_is_named_not_shown() -> None:
    data = decode_user_data(json.dumps({"draft_booking": {"__model__": "BookingDraft",
                                                          "v": {"counts": "13800138000"}}, "keep": 1}))
    assert data == {"keep": 1}
