"""The bot's lean sends (``bot.delivery.lean_bot``) post what PTB's own send methods post.

``LeanBot.send_text`` / ``send_photo_bytes`` / ``send_document_bytes`` skip building a
``Message`` of Telegram's answer and return only which message was made. They go
through PTB's ``Bot._post``: these tests pin that each one reaches Telegram exactly as
PTB's ``send_message`` / ``send_photo`` / ``send_document`` would, returns the id
Telegram gave, raises what PTB raises, and passes ``rate_limit_args`` to the rate
limiter — so a PTB upgrade that changes that path fails here, not in a clerk's chat.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from telegram.error import Forbidden

from bot.delivery.lean_bot import LeanBot, Sent
from bot.delivery.limiter import BULK
from bot.fake_telegram import ApiCall, ApiError
from bot.harness import Harness
from bot.keyboards import NO_PREVIEWS, markup

CHAT = 4242
PANEL = markup([[("确定", "bk:ok"), ("返回", "bk:back")]])


def _bot(h: Harness) -> LeanBot:
    assert h.app is not None and isinstance(h.app.bot, LeanBot)
    h.api.chat(CHAT)
    return h.app.bot


def _posted(call: ApiCall) -> tuple[str, dict[str, Any], dict[str, tuple[str, bytes]]]:
    return call.method, call.params, call.files


async def test_send_text_posts_what_send_message_posts_and_returns_the_new_message(harness: Harness) -> None:
    bot = _bot(harness)
    ptb = await bot.send_message(CHAT, "<b>预约成功</b> 请按时到场", reply_markup=PANEL, parse_mode="HTML",
                                 link_preview_options=NO_PREVIEWS)
    lean = await bot.send_text(CHAT, "<b>预约成功</b> 请按时到场", reply_markup=PANEL, parse_mode="HTML")
    theirs, ours = harness.api.calls[-2:]
    assert _posted(ours) == _posted(theirs)
    assert ours.params["link_preview_options"] == {"is_disabled": True}
    assert lean == Sent(CHAT, ptb.message_id + 1)
    shown = harness.api.messages[lean.message_id]
    assert (shown.chat_id, shown.text, shown.labels) == (CHAT, "预约成功 请按时到场", ["确定", "返回"])


async def test_send_text_without_markup_or_mode_posts_neither(harness: Harness) -> None:
    bot = _bot(harness)
    await bot.send_message(CHAT, "好", link_preview_options=NO_PREVIEWS)
    await bot.send_text(CHAT, "好")
    theirs, ours = harness.api.calls[-2:]
    assert _posted(ours) == _posted(theirs)
    assert set(ours.params) == {"chat_id", "text", "link_preview_options"}


async def test_photo_and_document_bytes_post_what_send_photo_and_send_document_post(harness: Harness) -> None:
    bot = _bot(harness)
    png, ics = b"\x89PNG\r\n\x1a\n" + bytes(range(64)), b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    await bot.send_photo(CHAT, io.BytesIO(png), caption="到场签到码", filename="签到码.png", reply_markup=PANEL)
    photo = await bot.send_photo_bytes(CHAT, png, filename="签到码.png", caption="到场签到码", reply_markup=PANEL)
    theirs, ours = harness.api.calls[-2:]
    assert _posted(ours) == _posted(theirs)
    assert ours.files == {"photo": ("签到码.png", png)}
    assert harness.api.messages[photo.message_id].photo == png

    await bot.send_document(CHAT, io.BytesIO(ics), filename="CY20261202-001.ics", caption="加入日历")
    document = await bot.send_document_bytes(CHAT, ics, filename="CY20261202-001.ics", caption="加入日历")
    theirs, ours = harness.api.calls[-2:]
    assert _posted(ours) == _posted(theirs)
    assert harness.api.messages[document.message_id].document == ("CY20261202-001.ics", ics)
    assert document.chat_id == photo.chat_id == CHAT


async def test_a_refused_lean_send_raises_what_ptb_raises(harness: Harness) -> None:
    bot = _bot(harness)
    harness.api.behaviour = lambda method, params: ApiError.blocked()
    with pytest.raises(Forbidden):
        await bot.send_text(CHAT, "您的预约已取消")
    with pytest.raises(Forbidden):
        await bot.send_document_bytes(CHAT, b"x", filename="a.ics")


async def test_rate_limit_args_reach_the_rate_limiter(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = _bot(harness)
    limiter = bot.rate_limiter
    assert limiter is not None
    seen: list[tuple[str, Any]] = []
    through = limiter.process_request

    async def recording(callback: Any, args: Any, kwargs: Any, endpoint: str, data: Any, rate_limit_args: Any) -> Any:
        seen.append((endpoint, rate_limit_args))
        return await through(callback, args, kwargs, endpoint, data, rate_limit_args)

    monkeypatch.setattr(limiter, "process_request", recording)
    await bot.send_text(CHAT, "公告", rate_limit_args=BULK)
    await bot.send_photo_bytes(CHAT, b"\x89PNG", filename="a.png")
    assert seen == [("sendMessage", BULK), ("sendPhoto", None)]
    assert harness.api.sent("sendMessage", chat_id=CHAT)[-1].params["text"] == "公告"
