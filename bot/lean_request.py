"""The Bot API transport, minus the work of reading back keyboards we just sent.

Telegram answers every sendMessage / editMessageText with the whole message, inline
keyboard included, and PTB builds an object for every button of it: for an
18-button panel that is four times the cost of the rest of the message, on every
tap. The bot never reads a keyboard back from its own sent messages (it knows what
it sent), so ``LeanReplies`` drops ``reply_markup`` from those answers before PTB
parses them. Everything else passes through unchanged; incoming updates (the
pressed message and its buttons) are not touched.
"""

from __future__ import annotations

from typing import Any

from telegram.request import BaseRequest, RequestData

DEFAULT_NONE = BaseRequest.DEFAULT_NONE
Timeout = Any  # a float, None, or PTB's "not given" marker

# Methods whose answer is the message the bot sent or edited.
SENT_MESSAGE_METHODS = frozenset({
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption",
    "sendDocument", "sendPhoto",
})


class LeanReplies(BaseRequest):
    """Wraps the real transport; answers to sent messages come back without their keyboard."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        """The wrapped transport's read timeout."""
        return self.inner.read_timeout

    async def initialize(self) -> None:
        """Initialise the wrapped transport."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Shut the wrapped transport down."""
        await self.inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Timeout = DEFAULT_NONE,
                         write_timeout: Timeout = DEFAULT_NONE,
                         connect_timeout: Timeout = DEFAULT_NONE,
                         pool_timeout: Timeout = DEFAULT_NONE) -> tuple[int, bytes]:
        """Send through the wrapped transport."""
        return await self.inner.do_request(url, method, request_data, read_timeout=read_timeout,
                                           write_timeout=write_timeout, connect_timeout=connect_timeout,
                                           pool_timeout=pool_timeout)

    async def post(  # type: ignore[misc]  # PTB marks it final; this wrapper must see every answer
            self, url: str, request_data: RequestData | None = None,
                   read_timeout: Timeout = DEFAULT_NONE,
                   write_timeout: Timeout = DEFAULT_NONE,
                   connect_timeout: Timeout = DEFAULT_NONE,
                   pool_timeout: Timeout = DEFAULT_NONE) -> Any:
        """Post as PTB does; a sent message's answer loses its ``reply_markup``."""
        result = await super().post(url, request_data, read_timeout=read_timeout, write_timeout=write_timeout,
                                    connect_timeout=connect_timeout, pool_timeout=pool_timeout)
        if isinstance(result, dict) and url.rsplit("/", 1)[-1] in SENT_MESSAGE_METHODS:
            result.pop("reply_markup", None)
        return result
