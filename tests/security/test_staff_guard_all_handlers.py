"""Every handler on the application, walked by people who are not staff.

The handlers are not listed by hand: they are read from ``application.handlers``
(conversations opened up), so a staff command or button added later is covered
too. A handler whose callback lives in ``bot.handlers.staff`` must refuse a clerk
and a guest exactly as an unknown command or a stale button is refused — no
message revealing the console, no document, no conversation entered, no row
changed — whatever arguments the press carries. The one clerk-facing button the
staff modules register (``bk:rebook``, on a cancellation notice) must refuse
another unit's booking.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from bot import texts
from bot.callbacks import pack
from bot.handlers.flow import current_flows
from bot.harness import Harness
from bot.rules.basket import BusinessType
from tests.support.clerks import logged_in
from tests.support.fuzz import expand, snapshot
from tests.support.logs import LogRecorder

CLERK_FACING = {"bk:rebook"}  # registered by a staff module for the clerks' cancellation notice


def staff_handlers(handlers: dict[int, list[Any]]) -> tuple[set[str], set[str]]:
    """(commands, callback prefixes) of every handler whose callback is a staff module's."""
    commands: set[str] = set()
    prefixes: set[str] = set()

    def walk(handler: Any) -> None:
        if isinstance(handler, ConversationHandler):
            for inner in [*handler.entry_points, *[h for hs in handler.states.values() for h in hs],
                          *handler.fallbacks]:
                walk(inner)
            return
        module = getattr(handler.callback, "__module__", "")
        if not module.startswith("bot.handlers.staff"):
            return
        if isinstance(handler, CommandHandler):
            commands.update(handler.commands)
        elif isinstance(handler, CallbackQueryHandler):
            prefixes.update(p.rstrip(":") for p in expand(handler.pattern.pattern))

    for group in handlers.values():
        for handler in group:
            walk(handler)
    return commands, prefixes


@pytest.fixture
async def world(harness: Harness) -> dict[str, Any]:
    """Two units with bookings; clerk 1001 belongs to acme."""
    acme = await logged_in(harness, 1001, "acme")
    other = await logged_in(harness, 1002, "other", "北京另一家有限公司")
    bookings = harness.deps.bookings
    mine = await bookings.book(unit_id=acme, user_id=1001, day=date(2026, 12, 2), session="am",
                               counts={BusinessType.NEW: 1}, contact_name="李雷", contact_phone="13800138000")
    theirs = await bookings.book(unit_id=other, user_id=1002, day=date(2026, 12, 3), session="pm",
                                 counts={BusinessType.RENEW: 1}, contact_name="王五", contact_phone="13900139000")
    items = [i.id for b in (mine, theirs) for i in await bookings.items(b.id)]
    return {"units": [acme, other], "bookings": [mine.id, theirs.id], "items": items, "theirs": theirs}


def argument_sets(world: dict[str, Any]) -> list[list[object]]:
    """Arguments real staff buttons carry, pointed at real rows."""
    unit, booking, item = world["units"][0], world["bookings"][1], world["items"][0]
    return [
        [], [unit], [booking], [item], ["20261202"], ["20261202", "am"], ["20261202", "am", 1], [item, "pass"],
        [item, "mismatch"], [booking, "serve"], [booking, "no_show"], [unit, 1001], [2027],
        ["20261205", "workday"], ["20261201", "20261231"], ["all"], ["date"],
    ]


async def test_the_walk_covers_the_whole_console(harness: Harness) -> None:
    commands, prefixes = staff_handlers(harness.app.handlers)
    assert {"staff", "schedule", "find", "units", "broadcast", "stats", "capacity", "calendar", "staffadmin",
            "export", "chart"} <= commands
    assert {"st:menu", "st:uresetok", "st:uunbind", "st:bsend", "st:rv", "st:out", "st:dcloseok", "st:calyr",
            "st:sarmok", "st:srange", "bk:rebook"} <= prefixes


@pytest.mark.parametrize("who", [1001, 5005], ids=["clerk", "guest"])
async def test_no_staff_command_answers_a_non_staff_user(harness: Harness, world: dict[str, Any],
                                                         all_logs: LogRecorder, who: int) -> None:
    commands, _ = staff_handlers(harness.app.handlers)
    user = harness.user(who)
    before = snapshot(harness.settings.bot_db_path)
    for command in sorted(commands):
        for args in ("", "2026-12-02", "acme", "CY20261203-001", "900002 王工", "13900139000"):
            reply = await user.command(command, args)
            assert reply is not None and reply.text == texts.unknown_input(), (command, args, reply and reply.text)
            assert not current_flows(harness.app, who, who), (command, args)
    assert not [m for m in user.bot_messages() if m.document or m.photo]
    assert snapshot(harness.settings.bot_db_path) == before
    assert all_logs.errors() == []


@pytest.mark.parametrize("who", [1001, 5005], ids=["clerk", "guest"])
async def test_no_staff_button_works_for_a_non_staff_user(harness: Harness, world: dict[str, Any],
                                                          all_logs: LogRecorder, who: int) -> None:
    _, prefixes = staff_handlers(harness.app.handlers)
    user = harness.user(who)
    await user.command("start")
    seen = len(user.bot_messages())
    before = snapshot(harness.settings.bot_db_path)
    for prefix in sorted(prefixes - CLERK_FACING):
        ns, action = prefix.split(":", 1)
        for args in argument_sets(world):
            data = pack(ns, action, *args) if ":" not in action else ":".join([prefix, *map(str, args)])
            await user.press_data(data)
            answered = user.answer_of_last_press()
            assert answered.get("text") == texts.STALE_BUTTON and answered.get("show_alert") is True, data
            assert not current_flows(harness.app, who, who), data
        # a typed answer afterwards is not taken by any staff question
        assert (await user.send("100")).text == texts.unknown_input(), prefix
        seen += 1
    assert len(user.bot_messages()) == seen
    assert snapshot(harness.settings.bot_db_path) == before
    assert all_logs.errors() == []


async def test_the_rebook_button_refuses_another_units_booking(harness: Harness, world: dict[str, Any]) -> None:
    theirs = world["theirs"]
    await harness.deps.bookings.cancel(theirs.id, unit_id=world["units"][1], user_id=1002)
    clerk = harness.user(1001)
    before = snapshot(harness.settings.bot_db_path)
    for day in ("20261203", "20261204"):
        for session in ("am", "pm"):
            await clerk.press_data(pack("bk", "rebook", day, session, theirs.id))
    assert snapshot(harness.settings.bot_db_path) == before
