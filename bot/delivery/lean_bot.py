"""Sending without reading back: the bot's sends return which message they made, nothing more.

Telegram answers every sendMessage / sendPhoto / sendDocument with the whole message,
and PTB's ``send_*`` build a ``Message`` of it — about a hundred attributes, each set
through ``TelegramObject.__setattr__``: some 55 µs, even for the three fields
``bot.lean_request`` leaves of the answer. The bot reads only the id (to edit the
panel or the receipt later, or to delete a password). A clerk's booking sends six
messages (three panels, the receipt's three parts); at the 09:00 rush building those
messages was about a twelfth of the bot's CPU (``benchmarks/bench_rush_handlers.py``).

``LeanBot.send_text`` / ``send_photo_bytes`` / ``send_document_bytes`` send through
PTB's own path — ``Bot._post``, the method PTB's ``send_*`` themselves end in, for
subclasses to build on: defaults, the rate limiter (``rate_limit_args`` as PTB's),
the transport, the errors raised — with the parameters PTB's ``send_*`` send, and
return a ``Sent``: the chat and the message id. Everything else of the bot (and
every other send) is PTB's own. ``tests/handlers/test_lean_sends.py`` pins the
requests and the answers, so a PTB upgrade that changes ``_post`` fails there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InputFile, LinkPreviewOptions
from telegram.ext import ExtBot

from bot.keyboards import NO_PREVIEWS

Markup = Any  # an InlineKeyboardMarkup or None


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the bot sent: where it is, which it is."""

    chat_id: int
    message_id: int


class LeanBot(ExtBot[dict[str, Any]]):
    """PTB's ExtBot, with sends that return only the sent message's id (module docstring)."""

    async def send_text(self, chat_id: int, text: str, *, reply_markup: Markup = None,
                        parse_mode: str | None = None,
                        link_preview_options: LinkPreviewOptions = NO_PREVIEWS,
                        rate_limit_args: dict[str, Any] | None = None) -> Sent:
        """``send_message``, answered with the id only."""
        return await self._sent("sendMessage", {
            "chat_id": chat_id, "text": text, "reply_markup": reply_markup, "parse_mode": parse_mode,
            "link_preview_options": link_preview_options,
        }, rate_limit_args)

    async def send_photo_bytes(self, chat_id: int, data: bytes, *, filename: str | None = None, caption: str | None = None,
                               reply_markup: Markup = None,
                               rate_limit_args: dict[str, Any] | None = None) -> Sent:
        """``send_photo`` of an image made in memory, answered with the id only."""
        return await self._sent("sendPhoto", {
            "chat_id": chat_id, "photo": InputFile(data, filename=filename), "caption": caption,
            "reply_markup": reply_markup,
        }, rate_limit_args)

    async def send_document_bytes(self, chat_id: int, data: bytes, *, filename: str | None = None, caption: str | None = None,
                                  reply_markup: Markup = None,
                                  rate_limit_args: dict[str, Any] | None = None) -> Sent:
        """``send_document`` of a file made in memory, answered with the id only."""
        return await self._sent("sendDocument", {
            "chat_id": chat_id, "document": InputFile(data, filename=filename), "caption": caption,
            "reply_markup": reply_markup,
        }, rate_limit_args)

    async def _sent(self, endpoint: str, data: dict[str, Any], rate_limit_args: dict[str, Any] | None) -> Sent:
        result = await self._post(endpoint, data, api_kwargs=self._merge_api_rl_kwargs(None, rate_limit_args))
        return Sent(int(result["chat"]["id"]), int(result["message_id"]))
