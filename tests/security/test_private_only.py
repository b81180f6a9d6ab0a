"""Only private chats are served (SPEC §1): a group, supergroup or channel gets one
answer that the bot works in private, and nothing else — whatever arrives there:
commands, texts, button presses, edits, membership changes. Update kinds the bot
does not use (inline queries, polls, reactions…) are ignored without an error.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from telegram import Update

from bot import texts
from bot.fake_telegram import FakeUser
from bot.handlers.flow import current_flows
from bot.harness import Harness
from tests.support.clerks import logged_in
from tests.support.fuzz import snapshot
from tests.support.logs import LogRecorder

GROUP = -100500


def _update(h: Harness, **fields: Any) -> Update:
    _update.counter += 1  # type: ignore[attr-defined]
    return Update.de_json({"update_id": 8_000_000 + _update.counter, **fields}, h.app.bot)  # type: ignore[attr-defined]


_update.counter = 0  # type: ignore[attr-defined]


def _message(h: Harness, chat: dict[str, Any], user: FakeUser | None, text: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"message_id": h.api.next_id(), "date": int(time.time()), "chat": chat, "text": text,
                            **extra}
    if user is not None:
        data["from"] = user.user_json
    if text.startswith("/"):
        data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return data


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
async def test_a_shared_chat_gets_one_answer_and_nothing_else(harness: Harness, all_logs: LogRecorder,
                                                              chat_type: str) -> None:
    await logged_in(harness)
    clerk = harness.user(1001)
    chat = harness.api.chat(GROUP, chat_type)
    before = snapshot(harness.settings.bot_db_path)
    calls = len(harness.api.calls)
    sender = None if chat_type == "channel" else clerk
    kind = "channel_post" if chat_type == "channel" else "message"
    edited = "edited_channel_post" if chat_type == "channel" else "edited_message"

    for text in ("/start", "/login", "/book", "acme", "/staff", "13800138000"):
        await clerk.feed(_update(harness, **{kind: _message(harness, chat, sender, text)}))
    await clerk.feed(_update(harness, **{edited: _message(harness, chat, sender, "/my", edit_date=int(time.time()))}))
    bot_message = {"message_id": 1, "date": int(time.time()), "chat": chat, "text": "旧消息",
                   "from": harness.api.bot_user}
    press = {"id": "group-press", "from": clerk.user_json, "chat_instance": "g", "data": "m:book",
             "message": bot_message}
    await clerk.feed(_update(harness, callback_query=press))
    member = {"chat": chat, "from": clerk.user_json, "date": int(time.time()),
              "old_chat_member": {"status": "left", "user": harness.api.bot_user},
              "new_chat_member": {"status": "member", "user": harness.api.bot_user}}
    await clerk.feed(_update(harness, my_chat_member=member))

    sent = harness.api.sent("sendMessage", chat_id=GROUP)
    assert [c.params["text"] for c in sent] == [texts.PRIVATE_ONLY]
    answered = harness.api.answered["group-press"]
    assert answered.get("text") == texts.PRIVATE_ONLY
    new_calls = {c.method for c in harness.api.calls[calls:]}
    assert new_calls <= {"sendMessage", "answerCallbackQuery"}, new_calls
    assert all(str(c.params.get("chat_id")) == str(GROUP) for c in harness.api.calls[calls:]
               if c.method == "sendMessage"), "the clerk's private chat was written to"
    assert current_flows(harness.app, 1001, GROUP) == [] and current_flows(harness.app, 1001, 1001) == []
    after = snapshot(harness.settings.bot_db_path)
    assert after == before
    assert all_logs.errors() == []


async def test_updates_without_a_chat_are_ignored_quietly(harness: Harness, all_logs: LogRecorder) -> None:
    await logged_in(harness)
    clerk = harness.user(1001)
    calls = len(harness.api.calls)
    user = clerk.user_json
    await clerk.feed(_update(harness, inline_query={"id": "iq", "from": user, "query": "13800138000",
                                                    "offset": ""}))
    await clerk.feed(_update(harness, chosen_inline_result={"result_id": "r", "from": user, "query": "x"}))
    await clerk.feed(_update(harness, poll_answer={"poll_id": "p", "user": user, "option_ids": [0],
                                                   "option_persistent_ids": ["a"]}))
    await clerk.feed(_update(harness, message_reaction={
        "chat": harness.api.chats[1001], "message_id": 1, "user": user, "date": int(time.time()),
        "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}))
    await clerk.feed(_update(harness, callback_query={"id": "inline-press", "from": user, "chat_instance": "i",
                                                      "inline_message_id": "im1", "data": "m:book"}))
    assert "inline-press" in harness.api.answered
    assert {c.method for c in harness.api.calls[calls:]} <= {"answerCallbackQuery"}
    assert all_logs.errors() == []


async def test_edited_messages_in_private_are_no_error(harness: Harness, all_logs: LogRecorder) -> None:
    """An edit of an earlier message is no new answer; during a password step it is deleted."""
    from tests.support.clerks import make_unit

    await make_unit(harness)
    clerk = harness.user(1001)
    await clerk.command("login")
    await clerk.send("acme")
    typed = [m for m in harness.api.messages_in(1001) if not m.from_bot][-1]
    edit = {"message_id": typed.message_id, "date": int(time.time()), "edit_date": int(time.time()),
            "chat": harness.api.chats[1001], "from": clerk.user_json, "text": "Start-Pass-1"}
    await clerk.feed(_update(harness, edited_message=edit))
    assert harness.api.messages[typed.message_id].deleted  # it may now hold a password
    await clerk.command("cancel")
    await clerk.feed(_update(harness, edited_message={**edit, "text": "13800138000"}))
    assert all_logs.errors() == []
    assert not any("系统繁忙" in t for t in clerk.texts())
