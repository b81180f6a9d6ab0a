"""Typed user_data slots: the right type or nothing, plain keys, safe to copy."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from bot.persistence import decode_user_data, encode_user_data
from bot.user_data import Slot

NAME = Slot("login_username", str)


@dataclass
class _Context:
    """Just what a Slot reads of a callback context."""

    user_data: dict[Any, Any] | None = field(default_factory=dict)


def test_a_slot_gives_back_only_its_own_type() -> None:
    context = _Context()
    assert NAME.get(context) is None
    NAME.put(context, "acme")
    assert NAME.get(context) == "acme"
    context.user_data = {"login_username": 42}
    assert NAME.get(context) is None
    assert NAME.pop(context) is None
    assert context.user_data == {}


def test_stored_keys_are_plain_strings_that_survive_copy_and_persistence() -> None:
    context = _Context()
    NAME.put(context, "acme")
    assert context.user_data is not None
    assert [type(k) for k in context.user_data] == [str]
    restored = decode_user_data(encode_user_data(copy.deepcopy(context.user_data)))
    assert NAME.get(_Context(restored)) == "acme"
    assert copy.deepcopy(NAME).kind is str


def test_a_user_less_update_stores_nothing() -> None:
    context = _Context(user_data=None)
    NAME.put(context, "acme")
    assert NAME.get(context) is None
