"""Handler tests drive the real Application through the recording fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.harness import Harness


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No Bot API rate limit in handler tests (the broadcast tests set their own)."""
    return settings.model_copy(update={"bot_api_max_rate": 10_000.0})


@pytest.fixture
async def harness(settings: Settings, clock: ManualClock) -> AsyncIterator[Harness]:
    """A started application over a fresh database and a fake Bot API."""
    h = Harness(settings, clock)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def make_unit(h: Harness, username: str = "acme", name: str = "北京示例科技有限公司",
                    password: str = "Start-Pass-1") -> int:
    """Create a unit with a one-time password."""
    unit, _ = await h.deps.accounts.create_unit(username, name, password=password, actor="cli")
    return unit.id


async def logged_in(h: Harness, user_id: int = 1001, username: str = "acme",
                    name: str = "北京示例科技有限公司") -> int:
    """A unit whose own password is set, and a clerk logged into it; returns the unit id."""
    unit_id = await make_unit(h, username, name)
    clerk = h.user(user_id)
    await clerk.command("login")
    await clerk.send(username)
    await clerk.send("Start-Pass-1")
    await clerk.send("Own-Password-9")
    await clerk.send("Own-Password-9")
    return unit_id
