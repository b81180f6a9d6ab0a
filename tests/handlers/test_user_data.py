"""Typed user_data slots: the right type or nothing, plain keys, safe to copy."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from bot.handlers.booking import DRAFT
from bot.harness import Harness
from bot.persistence import EncodedUserData, UserData, decode_user_data, encode_user_data
from bot.storage import repo
from bot.user_data import Slot
from tests.support.booking import to_basket
from tests.support.clerks import logged_in

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


async def test_ptb_copies_a_users_data_as_its_json_and_stores_that_snapshot(harness: Harness) -> None:
    """PTB deep-copies each changed user's data every persistence round; a ``UserData``'s copy
    is its encoding (no deep copy of the drafts), taken at that moment and stored as such."""
    await logged_in(harness)
    user = harness.user(1001)
    await to_basket(user)
    data = harness.app.user_data[1001]
    assert isinstance(data, UserData)
    snapshot = copy.deepcopy(data)
    assert isinstance(snapshot, EncodedUserData)
    assert decode_user_data(snapshot) == dict(data)
    NAME.write(data, "changed afterwards")  # the snapshot does not follow
    assert "changed afterwards" not in snapshot
    await harness.flush()
    async with harness.deps.db.read() as conn:
        stored = decode_user_data((await repo.load_user_data(conn))[1001])
    assert stored["login_username"] == "changed afterwards"  # the round's own, newer copy
    draft = DRAFT.read(stored)
    assert draft is not None and draft.contact_name == "李雷"
    await harness.restart()  # what comes back is a UserData again, with the draft
    restored = harness.app.user_data[1001]
    assert isinstance(restored, UserData) and DRAFT.read(restored) == draft
