"""Keyboards are turned into Bot API JSON by the bot itself (``bot.keyboards._Keyboard``), not
by PTB's generic ``to_dict`` (~20 µs a button): the JSON must be exactly PTB's."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LoginUrl, WebAppInfo

from bot.keyboards import button, keyboard, markup


def ptb_json(kb: InlineKeyboardMarkup) -> dict[str, object]:
    return InlineKeyboardMarkup(kb.inline_keyboard).to_dict()


def test_a_keyboard_of_callback_buttons_is_written_as_ptb_writes_it() -> None:
    kb = keyboard([button("+ 新办", "bk", "add", "new"), button("− 新办", "bk", "sub", "new")],
                  button("返回", "bk", "back", "basket"))
    assert kb.to_dict() == ptb_json(kb)
    assert kb.to_dict() == {"inline_keyboard": [
        [{"text": "+ 新办", "callback_data": "bk:add:new"}, {"text": "− 新办", "callback_data": "bk:sub:new"}],
        [{"text": "返回", "callback_data": "bk:back:basket"}]]}


def test_buttons_with_more_than_a_label_and_data_are_written_by_ptb() -> None:
    odd = [InlineKeyboardButton("网站", url="https://example.org"),
           InlineKeyboardButton("登录", login_url=LoginUrl("https://example.org/login")),
           InlineKeyboardButton("应用", web_app=WebAppInfo("https://example.org/app")),
           InlineKeyboardButton("分享", switch_inline_query="x")]
    kb = keyboard(odd, [button("好", "m", "menu")])
    assert kb.to_dict() == ptb_json(kb)
    assert kb.to_dict()["inline_keyboard"][0][0] == {"text": "网站", "url": "https://example.org"}


def test_plain_rows_for_the_outbox_give_the_same_json() -> None:
    kb = markup([[("下一步，即将完成预约", "ap:list:7")], [("我的预约", "m:my")]])
    assert kb is not None
    assert kb.to_dict() == ptb_json(kb)
    assert markup([]) is None
