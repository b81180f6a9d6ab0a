"""A check-in token is a secret: scanning, re-scanning or forging one leaves it out of every log line."""

from __future__ import annotations

from bot.__main__ import redact
from bot.harness import Harness
from tests.support import at
from tests.support.checkin import STAFF, STRANGER, clerk_booked, token_of
from tests.support.logs import LogRecorder


async def test_check_in_tokens_never_reach_the_log(harness: Harness, all_logs: LogRecorder) -> None:
    clerk, _, link = await clerk_booked(harness)
    token = token_of(link)
    harness.clock.set(at("2026-12-02 09:52"))
    staff = harness.user(STAFF)
    await harness.user(STRANGER).command("start", f"ci_{token}")
    await staff.command("start", f"ci_{token}")
    await staff.command("start", f"ci_{token}")  # spent
    await staff.command("start", f"ci_{token[::-1]}")  # forged
    await staff.command("checkin", f"ci_{token}")
    assert all_logs.records, "nothing was logged: the test would prove nothing"
    assert [line for line in all_logs.lines() if token in line or token[::-1] in line] == []
    del clerk


def test_the_log_formatter_redacts_a_check_in_link_that_slips_through() -> None:
    token = "0123456789abcdef0123456789abcdef"
    line = f"BadRequest for https://t.me/Bot?start=ci_{token} and ci_{token}"
    assert token not in redact(line)
