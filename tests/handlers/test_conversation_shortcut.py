"""Every update passes group 0's conversations until one takes it. A button press whose
namespace none of a conversation's entry points takes, by a user that conversation holds
no state for, is refused at once (``_Conversation._cannot_match``) instead of by checking
every entry point; a user inside the conversation still gets PTB's whole check."""

from __future__ import annotations

import re
from typing import Any

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.deps import deps_of
from bot.handlers.flow import _entry_namespaces
from bot.harness import Harness
from tests.support.booking import to_basket
from tests.support.clerks import logged_in


def _flow(h: Harness, name: str) -> Any:
    assert h.app is not None
    return next(c for c in deps_of(h.app).runtime.flows if c.name == name)


async def _noop(update: object, context: object) -> None:
    """A callback for handlers that are only matched, never run."""


async def test_a_press_for_another_flow_is_refused_without_the_full_check(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    panel = await to_basket(user)
    press = user.callback_update(next(d for _, d in panel.buttons if d.startswith("bk:")), panel)
    applicants, booking = _flow(harness, "applicants"), _flow(harness, "booking")
    assert applicants._cannot_match(press)  # noqa: SLF001 - ap:… entries only, and the clerk is not in it
    assert applicants.check_update(press) is None
    assert not booking._cannot_match(press)  # noqa: SLF001 - the clerk is in the booking flow
    assert booking.check_update(press) not in (None, False)
    # A press the clerk's own flow takes still finds it whatever the shortcut says of the others.
    await user.press_data(press.callback_query.data, panel)  # type: ignore[union-attr]
    assert user.last is not None and "合计：" in user.last.text


async def test_inside_a_flow_its_states_decide_even_for_a_foreign_namespace(harness: Harness) -> None:
    await logged_in(harness)
    user = harness.user(1001)
    panel = await to_basket(user)
    booking = _flow(harness, "booking")
    foreign = user.callback_update("wt:add:20261202", panel)  # not an entry of the booking flow ...
    assert not booking._cannot_match(foreign)  # noqa: SLF001 - ... but the clerk is in it


def test_entry_points_that_cannot_be_read_turn_the_shortcut_off() -> None:
    command = CommandHandler("book", _noop)
    bk = CallbackQueryHandler(_noop, pattern=re.compile(r"^bk:(add|sub)(:|\Z)"))
    menu = CallbackQueryHandler(_noop, pattern=re.compile(r"^m:"))
    assert _entry_namespaces([command, bk, menu]) == frozenset({"bk", "m"})
    assert _entry_namespaces([bk, MessageHandler(filters.TEXT, _noop)]) is None
    assert _entry_namespaces([CallbackQueryHandler(_noop)]) is None  # any press
    assert _entry_namespaces([CallbackQueryHandler(_noop, pattern=lambda data: True)]) is None
