"""The Bot API transport, minus the work of reading back what the bot just sent.

Telegram answers every sendMessage / editMessageText with the whole message — its
text, entities, sender, inline keyboard — and PTB builds an object for every part of
it (for an 18-button panel, four times the cost of the rest). At the 09:00 rush that
is most of a tap's CPU after the tap itself. The bot never reads back what it sent:

* of a message it **sent**, only which message it is (``message_id``, ``chat``,
  ``date``: to edit or delete it later); ``LeanReplies`` keeps just those, for the
  sends that still go through PTB's ``send_*`` (the panels and the receipts skip
  building a ``Message`` at all: ``bot.delivery.lean_bot``);
* of a message it **edited**, nothing — it knows what it wrote — so the answer
  becomes ``True``, which PTB already returns for edits of inline messages.

Every other answer passes through unchanged, and incoming updates (the pressed
message and its buttons) are not touched.
"""

from __future__ import annotations

from typing import Any

from telegram.request import BaseRequest, RequestData

DEFAULT_NONE = BaseRequest.DEFAULT_NONE
Timeout = Any  # a float, None, or PTB's "not given" marker

# Methods whose answer is the message the bot sent: kept are the fields that say which it is.
SENT_MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
KEPT_OF_SENT = ("message_id", "date", "chat", "message_thread_id")
# Methods whose answer is the message the bot edited: not read.
EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})


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
        """Post as PTB does; a sent message's answer keeps only which message it is, an edit's is ``True``."""
        result = await super().post(url, request_data, read_timeout=read_timeout, write_timeout=write_timeout,
                                    connect_timeout=connect_timeout, pool_timeout=pool_timeout)
        if isinstance(result, dict):
            method = url.rsplit("/", 1)[-1]
            if method in SENT_MESSAGE_METHODS:
                return {key: result[key] for key in KEPT_OF_SENT if key in result}
            if method in EDIT_METHODS:
                return True
        return result
