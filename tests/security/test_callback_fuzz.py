"""Forged and malformed button presses through the real Application.

Thousands of callback-data strings — random bytes, every registered pattern with
junk, foreign and huge arguments, over-long and non-ASCII data, data Telegram
would never send — are pressed by a logged-in clerk. Every press is answered,
nothing is logged at ERROR, and no booking, slot, unit, staff or audit row
changes. Plus: the scheme itself (``pack`` / ``unpack`` / ``pattern``) accepts only
its own shape, and real ids never make a button longer than Telegram's 64 bytes.
"""

from __future__ import annotations

import random
import re
import string
from datetime import date
from typing import Any

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.callbacks import MAX_BYTES, NAMESPACES, pack, pattern, unpack
from bot.harness import Harness
from bot.rules.basket import BusinessType
from tests.support.clerks import logged_in
from tests.support.fuzz import expand, snapshot
from tests.support.logs import LogRecorder

# The clerk's own settings and session are theirs to change: everything else must not move.


def callback_patterns(handlers: dict[int, list[Any]]) -> list[str]:
    """The regex of every CallbackQueryHandler, conversations included."""
    found: list[str] = []

    def walk(handler: Any) -> None:
        if isinstance(handler, ConversationHandler):
            for inner in [*handler.entry_points, *[h for hs in handler.states.values() for h in hs],
                          *handler.fallbacks]:
                walk(inner)
        elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            found.append(handler.pattern.pattern if isinstance(handler.pattern, re.Pattern) else handler.pattern)

    for group in handlers.values():
        for handler in group:
            walk(handler)
    return found


def junk_args(rng: random.Random, foreign: list[int]) -> list[str]:
    """Arguments a forger would try."""
    pool = [str(i) for i in foreign] + [
        "0", "-1", "99999999999999999999", "1e3", "20261302", "20261202", "19000101", "new", "renew",
        "am", "pm", "x", "", "%s", "../", "' OR 1=1 --", "1\n", " 1", "٣", "１", "None", "null", "NaN",
    ]
    return [rng.choice(pool) for _ in range(rng.randint(0, 5))]


def generate(rng: random.Random, prefixes: list[str], foreign: list[int], count: int) -> list[str]:
    """``count`` callback-data strings of every kind."""
    printable = string.printable + "中文：·🙂\u200b\x00"
    out: list[str] = []
    while len(out) < count:
        kind = rng.random()
        if kind < 0.15:
            data = "".join(rng.choice(printable) for _ in range(rng.randint(1, 80)))
        elif kind < 0.25:
            ns = rng.choice(sorted(NAMESPACES) + ["zz", "M", "st ", ""])
            data = ns + ":" + "".join(rng.choice(string.ascii_letters + ":") for _ in range(rng.randint(0, 20)))
        else:
            prefix = rng.choice(prefixes).rstrip(":")
            data = ":".join([prefix, *junk_args(rng, foreign)])
            if rng.random() < 0.1:
                data += rng.choice(["\n", ":" * 3, "x" * 70, "中", " "])
        out.append(data)
    return out


@pytest.fixture
async def scene(harness: Harness) -> dict[str, Any]:
    """A clerk of unit acme with a booking, and another unit's booking to forge presses at."""
    acme = await logged_in(harness, 1001, "acme")
    other = await logged_in(harness, 1002, "other", "北京另一家有限公司")
    own = await harness.deps.bookings.book(unit_id=acme, user_id=1001, day=date(2026, 12, 2), session="am",
                                           counts={BusinessType.NEW: 1}, contact_name="李雷",
                                           contact_phone="13800138000")
    foreign = await harness.deps.bookings.book(unit_id=other, user_id=1002, day=date(2026, 12, 2), session="pm",
                                               counts={BusinessType.RENEW: 2}, contact_name="王五",
                                               contact_phone="13900139000")
    foreign_items = [i.id for i in await harness.deps.bookings.items(foreign.id)]
    return {"own": own, "foreign_ids": [other, foreign.id, *foreign_items, 1002, 900001]}


async def test_thousands_of_forged_presses_change_nothing(harness: Harness, scene: dict[str, Any],
                                                          all_logs: LogRecorder) -> None:
    rng = random.Random(20261201)
    prefixes = sorted({p for regex in callback_patterns(harness.app.handlers) for p in expand(regex)})
    assert len(prefixes) > 60 and "st:uresetok" in prefixes and "my:canceldo" not in prefixes
    prefixes += ["my:" + a for a in ("card", "edit", "move", "pick", "movedo", "cancel", "canceldo", "contact",
                                     "keepname", "qty", "qs", "qa", "qe", "qok", "qdo")]
    clerk = harness.user(1001)
    before = snapshot(harness.settings.bot_db_path)
    pressed = generate(rng, prefixes, scene["foreign_ids"], 2000)
    for data in pressed:
        if data.startswith("ac:logoutok"):
            continue  # logging oneself out is no forgery
        await clerk.press_data(data)  # asserts the press was answered
    assert all_logs.errors() == []
    after = snapshot(harness.settings.bot_db_path)
    assert {t: [r for r in after[t] if r not in before[t]] for t in after if after[t] != before[t]} == {}


async def test_junk_on_staff_buttons_never_fails_for_an_admin(harness: Harness, scene: dict[str, Any],
                                                              all_logs: LogRecorder) -> None:
    """Staff may change things with their buttons; junk arguments must still only be refused."""
    rng = random.Random(7)
    prefixes = sorted({p for regex in callback_patterns(harness.app.handlers) for p in expand(regex)
                       if p.startswith("st:")})
    admin = harness.user(900001)
    await admin.command("staff")
    for data in generate(rng, prefixes, scene["foreign_ids"], 150):
        await admin.press_data(data)
    assert all_logs.errors() == []


@pytest.mark.parametrize("data", ["", None])
async def test_a_press_without_data_is_answered_and_changes_nothing(harness: Harness, scene: dict[str, Any],
                                                                   all_logs: LogRecorder, data: str | None) -> None:
    """Telegram sends no ``data`` for game buttons; PTB then lets every pattern match."""
    clerk = harness.user(1001)
    await clerk.press_data(pack("ap", "list", scene["own"].id))  # in a flow: its states' handlers go first
    await clerk.press("新办 1/1")
    before = snapshot(harness.settings.bot_db_path)
    seen = len(clerk.bot_messages())
    query: dict[str, Any] = {"id": "q-no-data", "from": clerk.user_json, "chat_instance": "ci",
                             "message": clerk.last.to_api(harness.api.bot_user, harness.api.chats[1001])}
    if data is not None:
        query["data"] = data
    await clerk.feed(Update.de_json({"update_id": 9_000_001, "callback_query": query}, harness.app.bot))
    assert "q-no-data" in harness.api.answered
    assert len(clerk.bot_messages()) == seen
    assert all_logs.errors() == []
    assert snapshot(harness.settings.bot_db_path) == before


# ---------------------------------------------------------------- the scheme itself


@pytest.mark.parametrize("data", ["bk:add:new\n", "m:menu\n", "my:cancel:5\n", "bk:\nadd", "st:menu:\x00"])
def test_unpack_refuses_what_pack_never_makes(data: str) -> None:
    assert unpack(data) is None


@pytest.mark.parametrize("part", ["new\n", "a b", "中", "x:y", ""])
def test_pack_refuses_unsafe_parts(part: str) -> None:
    if part == "":
        assert unpack(pack("bk", "add", part)) is not None  # an empty argument is harmless
        return
    with pytest.raises(ValueError):
        pack("bk", "add", part)


def test_patterns_match_only_the_scheme() -> None:
    regex = pattern("bk", "add")
    assert regex.match("bk:add") and regex.match("bk:add:new")
    for data in ("bk:add\n", "bk:addx", "bk:ad", "xbk:add", "bk:add\n:new"):
        assert not regex.match(data), data
    assert not pattern("my").match("myx:card")


def test_realistic_ids_fit_in_64_bytes() -> None:
    """Ids of a busy decade and Telegram's 52-bit user ids still fit."""
    big_id, user_id, day = 10**12, 2**52, date(2099, 12, 31)
    longest = [
        pack("my", "qs", big_id, 15, 15, 15, 15, 3), pack("my", "qdo", big_id, 15, 15, 15, 15),
        pack("my", "movedo", big_id, day, "pm"), pack("st", "uunbind", big_id, user_id),
        pack("bk", "rebook", day, "pm", big_id), pack("st", "capcl", day, "pm", 1),
        pack("ap", "prev", big_id, "change_description"), pack("ap", "fix", big_id, "change_description"),
        pack("st", "calkind", day, "holiday"), pack("st", "srange", day, day), pack("st", "rv", big_id, "mismatch"),
        pack("hs", "star", big_id, 5), pack("ac", "notice", 1, "settings"),
    ]
    assert all(len(d.encode()) <= MAX_BYTES for d in longest)


async def test_every_registered_pattern_refuses_what_unpack_refuses(harness: Harness) -> None:
    """A pattern must not take data the scheme would not make (``$`` lets a trailing newline in)."""
    loose = []
    for regex in callback_patterns(harness.app.handlers):
        for prefix in expand(regex):
            for junk in ("\n", "\x00", " ", "中"):
                data = prefix.rstrip(":") + junk
                if re.match(regex, data) and unpack(data) is None:
                    loose.append((regex, data))
    assert loose == []
