"""A recording, in-process Bot API: the fake at the I/O boundary, not a mock.

``FakeBotApi`` is a ``telegram.request.BaseRequest``: the real ``Application`` and
``ExtBot`` serialise every call exactly as they would for Telegram, and this class
answers it from an in-memory model of the chats (messages, edits, deletions,
documents, callback answers, command menus). Tests and the console mode talk to the
bot through ``FakeUser``, which builds real ``Update`` objects from Bot API JSON and
feeds them to the application, then reads what that user's chat shows.

Failure and latency can be injected per call (``FakeBotApi.behaviour``): answer
with ``RetryAfter`` (429), ``Forbidden`` (403, the user blocked the bot) or wait
before answering, which is how concurrency and broadcast tests are written. A
``Fault`` reproduces what the network does to a call (SPEC §13): a 5xx before the
request reached Telegram, a 5xx or a timeout *after* Telegram performed it (the
message is in the chat, the bot sees an error), a refused connection.
``FaultScript`` scripts them per method, in order or at random.
``FakeBotApi.inside_transaction`` (set by the harness) tells whether the caller is
inside a database transaction; such calls are listed in ``violations``.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.errors import FakeBadRequest

BOT_ID = 123456
BOT_USERNAME = "ChaoyangPermitBot"

# A behaviour hook: given (method, params) return None to answer normally, a number
# of seconds to wait first, a (status, description, extra parameters) error, or a Fault.
Behaviour = Callable[[str, dict[str, Any]],
                     "None | float | ApiError | Fault | Awaitable[None | float | ApiError | Fault]"]


@dataclass(frozen=True)
class ApiError:
    """An error answer: HTTP status, description and response parameters."""

    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def retry_after(seconds: int) -> ApiError:
        """429 Too Many Requests with ``retry_after``."""
        return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    @staticmethod
    def blocked() -> ApiError:
        """403: the user blocked the bot."""
        return ApiError(403, "Forbidden: bot was blocked by the user")


@dataclass(frozen=True)
class Fault:
    """A network failure around one call: where it happens decides whether Telegram performed it.

    ``when``: 'before' (the request never reached Telegram: an ``error`` answer from a
    proxy, or a refused connection if ``error`` is None) or 'after' (Telegram performed
    the call, then the answer is lost: an ``error`` answer, or a timeout if None).
    """

    when: str
    error: ApiError | None = None

    @staticmethod
    def bad_gateway_before() -> Fault:
        """502 from a proxy: the call never reached Telegram."""
        return Fault("before", ApiError(502, "Bad Gateway"))

    @staticmethod
    def connection_refused() -> Fault:
        """The connection failed: nothing was sent."""
        return Fault("before")

    @staticmethod
    def bad_gateway_after() -> Fault:
        """Telegram performed the call; the answer came back as a 502."""
        return Fault("after", ApiError(502, "Bad Gateway"))

    @staticmethod
    def timeout_after() -> Fault:
        """Telegram performed the call; the answer never came (a read timeout)."""
        return Fault("after")

    @staticmethod
    def flood(seconds: int = 1) -> Fault:
        """429 with retry_after: not performed."""
        return Fault("before", ApiError.retry_after(seconds))


FAULTS: dict[str, Callable[[], Fault]] = {
    "5xx_before": Fault.bad_gateway_before,
    "connection": Fault.connection_refused,
    "5xx_after": Fault.bad_gateway_after,
    "timeout_after": Fault.timeout_after,
    "429": Fault.flood,
}


class FaultScript:
    """A behaviour that fails chosen calls: scripted per method in order, or at random.

    ``FaultScript({"sendMessage": [Fault.timeout_after(), None]})`` fails the first
    sendMessage after delivery and lets the second through; methods not named, and
    calls past the end of a list, succeed. ``FaultScript.random(rate, faults, seed)``
    fails that share of the calls of ``methods`` (all but getUpdates by default).
    """

    def __init__(self, script: dict[str, list[Fault | None]] | None = None) -> None:
        self.script = {m: list(faults) for m, faults in (script or {}).items()}
        self.injected: list[tuple[str, Fault]] = []
        self._random: tuple[float, list[Fault], set[str] | None, Any] | None = None

    @classmethod
    def random(cls, rate: float, faults: list[Fault], *, seed: int = 1,
               methods: set[str] | None = None) -> FaultScript:
        """Fail ``rate`` of the calls with one of ``faults``, reproducibly."""
        import random

        script = cls()
        script._random = (rate, faults, methods, random.Random(seed))
        return script

    def stop(self) -> None:
        """No more faults from now on."""
        self.script.clear()
        self._random = None

    def __call__(self, method: str, params: dict[str, Any]) -> Fault | None:
        fault: Fault | None = None
        if method in self.script and self.script[method]:
            fault = self.script[method].pop(0)
        elif self._random is not None and method != "getUpdates":
            rate, faults, methods, rng = self._random
            if (methods is None or method in methods) and rng.random() < rate:
                fault = rng.choice(faults)
        if fault is not None:
            self.injected.append((method, fault))
        return fault


@dataclass
class ApiCall:
    """One recorded Bot API call."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    at: float
    error: ApiError | None = None


@dataclass
class FakeMessage:
    """A message as the chat shows it now (edits applied)."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: tuple[str, bytes] | None = None  # (file name, content)
    photo: bytes | None = None
    deleted: bool = False
    edits: int = 0
    date: int = field(default_factory=lambda: int(time.time()))
    html: str | None = None  # the text as sent with parse_mode HTML (``text`` is what it shows)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    @property
    def labels(self) -> list[str]:
        """The inline button labels."""
        return [label for label, _ in self.buttons]

    @property
    def shown(self) -> str:
        """What a client shows: the text, or the caption of a document/photo."""
        return self.text if self.text is not None else (self.caption or "")

    def to_api(self, bot_user: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
        """The Bot API JSON of this message."""
        data: dict[str, Any] = {"message_id": self.message_id, "date": self.date, "chat": chat}
        data["from"] = bot_user if self.from_bot else {"id": self.chat_id, "is_bot": False, "first_name": "U"}
        if self.text is not None:
            data["text"] = self.text
        if self.caption is not None:
            data["caption"] = self.caption
        if self.document is not None:
            data["document"] = {"file_id": f"doc{self.message_id}", "file_unique_id": f"u{self.message_id}",
                                "file_name": self.document[0], "file_size": len(self.document[1])}
        if self.photo is not None:
            data["photo"] = [{"file_id": f"ph{self.message_id}", "file_unique_id": f"p{self.message_id}",
                              "width": 800, "height": 600}]
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


_HTML_TAG = re.compile(r"<(/?)(b|strong|i|em|u|ins|s|strike|del|code|pre|a|tg-spoiler|blockquote)(\s[^<>]*)?>")
_HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def _formatted(params: dict[str, Any], key: str, mode_key: str) -> tuple[str, str | None]:
    """(what the client shows, the HTML as sent or None) of a text or caption.

    With ``parse_mode`` HTML the markup is checked as Telegram does — only its tags,
    balanced, and every ``<``, ``>`` and ``&`` that is not markup escaped — and a
    malformed text is refused with "can't parse entities".
    """
    raw = str(params.get(key, ""))
    mode = params.get(mode_key)
    if mode is None:
        return raw, None
    if str(mode).upper() != "HTML":
        raise FakeBadRequest("unsupported parse_mode")
    stack: list[str] = []
    for match in _HTML_TAG.finditer(raw):
        closing, tag = match.group(1), match.group(2)
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            raise FakeBadRequest(f"can't parse entities: unmatched end tag {tag}")
    if stack:
        raise FakeBadRequest("can't parse entities: unclosed start tag")
    bare = _HTML_TAG.sub("", raw)
    if "<" in bare or ">" in bare or "&" in _HTML_ENTITY.sub("", bare):
        raise FakeBadRequest("can't parse entities: unescaped character")
    return html.unescape(bare), raw


class FakeBotApi(BaseRequest):
    """An in-memory Bot API server that records every call."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.descriptions: dict[str, str] = {}  # setMyDescription / setMyShortDescription
        self.messages: dict[int, FakeMessage] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.answered: dict[str, dict[str, Any]] = {}
        self.reply_keyboards: dict[int, list[list[dict[str, Any]]] | None] = {}  # chat → keyboard shown
        self.behaviour: Behaviour | None = None
        # "No Telegram call inside a transaction": the harness says whether the caller is in one.
        self.inside_transaction: Callable[[], bool] | None = None
        self.violations: list[str] = []
        self._ids = itertools.count(1000)
        self.bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "朝阳工作居住证预约",
                         "username": BOT_USERNAME, "can_join_groups": False,
                         "can_read_all_group_messages": False, "supports_inline_queries": False}

    # ---------------------------------------------------------------- BaseRequest

    @property
    def read_timeout(self) -> float | None:
        """No network, so no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call (or a file download) from the in-memory chats."""
        if "/file/bot" in url:
            file_id = url.rsplit("/", 1)[-1]
            return (200, self.files[file_id][1]) if file_id in self.files else (404, b"")
        api_method = url.rsplit("/", 1)[-1]
        if self.inside_transaction is not None and self.inside_transaction():
            self.violations.append(f"{api_method} called inside a db transaction from {_bot_frames()}")
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data and request_data.contains_files:
            for name, part in (request_data.multipart_data or {}).items():
                if isinstance(part, tuple):
                    files[name] = (part[0], part[1] if isinstance(part[1], bytes) else part[1].read())
        call = ApiCall(api_method, params, files, time.monotonic())
        self.calls.append(call)
        if self.behaviour is not None:
            outcome = self.behaviour(api_method, params)
            if asyncio.iscoroutine(outcome) or isinstance(outcome, Awaitable):
                outcome = await outcome
            if isinstance(outcome, Fault) and outcome.when == "before":
                if outcome.error is None:
                    call.error = ApiError(0, "connection refused")
                    raise NetworkError("httpx.ConnectError: [Errno 111] Connection refused") from httpx.ConnectError(
                        "[Errno 111] Connection refused")
                outcome = outcome.error
            if isinstance(outcome, (int, float)) and not isinstance(outcome, bool):
                await asyncio.sleep(outcome)
            elif isinstance(outcome, ApiError):
                return self._error(call, outcome)
            elif isinstance(outcome, Fault):  # after: performed, then the answer is lost
                self._perform(call, api_method, params, files)
                if outcome.error is None:
                    call.error = ApiError(0, "timed out after delivery")
                    raise TimedOut("Timed out") from httpx.ReadTimeout("timed out")
                call.error = outcome.error
                return self._error(call, outcome.error)
        return self._perform(call, api_method, params, files)

    def _error(self, call: ApiCall, error: ApiError) -> tuple[int, bytes]:
        call.error = error
        body: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return error.status, json.dumps(body).encode()

    def _perform(self, call: ApiCall, api_method: str, params: dict[str, Any],
                 files: dict[str, tuple[str, bytes]]) -> tuple[int, bytes]:
        """Carry out the call on the in-memory chats."""
        handler = getattr(self, f"_api_{api_method.lower()}", None)
        if handler is None:
            return 400, json.dumps({"ok": False, "error_code": 400,
                                    "description": f"Bad Request: method {api_method} not faked"}).encode()
        try:
            result = handler(params, files)
        except FakeBadRequest as err:
            call.error = ApiError(400, f"Bad Request: {err}")
            return 400, json.dumps({"ok": False, "error_code": 400, "description": f"Bad Request: {err}"}).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # ---------------------------------------------------------------- chats

    def chat(self, chat_id: int, chat_type: str = "private", first_name: str = "用户") -> dict[str, Any]:
        """The chat JSON of ``chat_id`` (created on first use)."""
        if chat_id not in self.chats:
            data: dict[str, Any] = {"id": chat_id, "type": chat_type}
            if chat_type == "private":
                data["first_name"] = first_name
            else:
                data["title"] = f"群组{chat_id}"
            self.chats[chat_id] = data
        return self.chats[chat_id]

    def next_id(self) -> int:
        """A new message id (global, as in the emulator)."""
        return next(self._ids)

    def messages_in(self, chat_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        """Every message of a chat, oldest first."""
        return [m for m in self.messages.values()
                if m.chat_id == chat_id and (include_deleted or not m.deleted)]

    def sent(self, method: str | None = None, *, chat_id: int | None = None) -> list[ApiCall]:
        """Recorded calls, optionally of one method and to one chat."""
        return [c for c in self.calls
                if (method is None or c.method == method)
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def _store(self, chat_id: Any, **fields: Any) -> dict[str, Any]:
        chat_id = int(chat_id)
        if chat_id not in self.chats:
            raise FakeBadRequest("chat not found")
        msg = FakeMessage(self.next_id(), chat_id, True, **fields)
        self.messages[msg.message_id] = msg
        return msg.to_api(self.bot_user, self.chats[chat_id])

    def _message(self, params: dict[str, Any]) -> FakeMessage:
        msg = self.messages.get(int(params.get("message_id", 0)))
        if msg is None or msg.deleted or msg.chat_id != int(params.get("chat_id", 0)):
            raise FakeBadRequest("message to edit not found")
        return msg

    # ---------------------------------------------------------------- methods

    def _api_getme(self, params: dict[str, Any], files: Any) -> Any:
        return self.bot_user

    def _api_getupdates(self, params: dict[str, Any], files: Any) -> Any:
        return []

    def _api_deletewebhook(self, params: dict[str, Any], files: Any) -> Any:
        return True

    def _api_sendmessage(self, params: dict[str, Any], files: Any) -> Any:
        text, sent_html = _formatted(params, "text", "parse_mode")
        if not text.strip() or len(text.encode("utf-16-le")) // 2 > 4096:  # Telegram counts UTF-16 units
            raise FakeBadRequest("message text is empty or too long")
        markup = params.get("reply_markup")
        _check_markup(markup)
        if isinstance(markup, dict) and "inline_keyboard" not in markup:
            # A reply keyboard (or its removal) belongs to the chat's input field, not the message.
            self.reply_keyboards[int(params["chat_id"])] = markup.get("keyboard")
            markup = None
        return self._store(params["chat_id"], text=text, html=sent_html, reply_markup=markup)

    def _api_senddocument(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        name, content = next(iter(files.values())) if files else ("file", b"")
        caption, _ = _formatted(params, "caption", "parse_mode") if params.get("caption") else (None, None)
        result = self._store(params["chat_id"], document=(name, content), caption=caption,
                             reply_markup=params.get("reply_markup"))
        self.files[result["document"]["file_id"]] = (name, content)
        return result

    def _api_sendphoto(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        _, content = next(iter(files.values())) if files else ("photo", b"")
        return self._store(params["chat_id"], photo=content, caption=params.get("caption"),
                           reply_markup=params.get("reply_markup"))

    def _api_editmessagetext(self, params: dict[str, Any], files: Any) -> Any:
        msg = self._message(params)
        if msg.text is None:
            raise FakeBadRequest("there is no text in the message to edit")
        text, sent_html = _formatted(params, "text", "parse_mode")
        markup = params.get("reply_markup")
        _check_markup(markup)
        if text == msg.text and sent_html == msg.html and markup == msg.reply_markup:
            raise FakeBadRequest("message is not modified")
        msg.text, msg.html, msg.reply_markup = text, sent_html, markup
        msg.edits += 1
        return msg.to_api(self.bot_user, self.chats[msg.chat_id])

    def _api_editmessagereplymarkup(self, params: dict[str, Any], files: Any) -> Any:
        msg = self._message(params)
        markup = params.get("reply_markup")
        if markup == msg.reply_markup:
            raise FakeBadRequest("message is not modified")
        msg.reply_markup = markup
        msg.edits += 1
        return msg.to_api(self.bot_user, self.chats[msg.chat_id])

    def _api_editmessagecaption(self, params: dict[str, Any], files: Any) -> Any:
        msg = self._message(params)
        msg.caption, msg.reply_markup = params.get("caption"), params.get("reply_markup")
        msg.edits += 1
        return msg.to_api(self.bot_user, self.chats[msg.chat_id])

    def _api_deletemessage(self, params: dict[str, Any], files: Any) -> Any:
        msg = self.messages.get(int(params.get("message_id", 0)))
        if msg is None or msg.deleted:
            raise FakeBadRequest("message to delete not found")
        msg.deleted = True
        return True

    def _api_answercallbackquery(self, params: dict[str, Any], files: Any) -> Any:
        self.answered[str(params["callback_query_id"])] = params
        return True

    def _api_sendchataction(self, params: dict[str, Any], files: Any) -> Any:
        return True

    def _api_setmycommands(self, params: dict[str, Any], files: Any) -> Any:
        self.commands[_scope_key(params.get("scope"))] = list(params.get("commands", []))
        return True

    def _api_deletemycommands(self, params: dict[str, Any], files: Any) -> Any:
        self.commands.pop(_scope_key(params.get("scope")), None)
        return True

    def _api_getmycommands(self, params: dict[str, Any], files: Any) -> Any:
        return self.commands.get(_scope_key(params.get("scope")), [])

    def _api_setmydescription(self, params: dict[str, Any], files: Any) -> Any:
        self.descriptions["description"] = str(params.get("description", ""))
        return True

    def _api_setmyshortdescription(self, params: dict[str, Any], files: Any) -> Any:
        self.descriptions["short_description"] = str(params.get("short_description", ""))
        return True

    def _api_getmydescription(self, params: dict[str, Any], files: Any) -> Any:
        return {"description": self.descriptions.get("description", "")}

    def _api_getmyshortdescription(self, params: dict[str, Any], files: Any) -> Any:
        return {"short_description": self.descriptions.get("short_description", "")}

    def _api_getfile(self, params: dict[str, Any], files: Any) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise FakeBadRequest("invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id][1]),
                "file_path": file_id}


def _bot_frames() -> str:
    """The bot's own frames of the current stack, innermost last (to find the offender)."""
    frames = [f for f in traceback.extract_stack() if "/bot/" in f.filename and "fake_telegram" not in f.filename]
    return " > ".join(f"{f.filename.rsplit('/bot/', 1)[-1]}:{f.lineno}" for f in frames[-4:])


def _scope_key(scope: Any) -> str:
    if not scope:
        return "default"
    if isinstance(scope, str):
        scope = json.loads(scope)
    return f"{scope.get('type')}:{scope.get('chat_id', '')}".rstrip(":")


def _check_markup(markup: Any) -> None:
    """Telegram refuses callback_data over 64 bytes and buttons without an action."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and len(data.encode()) > 64:
                raise FakeBadRequest("BUTTON_DATA_INVALID")
            if data is None and "url" not in button:
                raise FakeBadRequest("inline keyboard button has no action")


class FakeUser:
    """A person in a private chat with the bot: types, presses buttons, reads replies."""

    _update_ids = itertools.count(1)

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], api: FakeBotApi, user_id: int, first_name: str = "经办人",
                 *, chat_id: int | None = None, chat_type: str = "private") -> None:
        self.app = app
        self.api = api
        self.user_id = user_id
        self.first_name = first_name
        self.chat_id = chat_id if chat_id is not None else user_id
        self.chat_type = chat_type
        api.chat(self.chat_id, chat_type, first_name)
        self._seen = 0

    # ---------------------------------------------------------------- acting

    @property
    def user_json(self) -> dict[str, Any]:
        """The Bot API ``User`` of this person."""
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": "zh-hans"}

    def _incoming(self, **fields: Any) -> dict[str, Any]:
        msg = FakeMessage(self.api.next_id(), self.chat_id, False, **{k: v for k, v in fields.items()
                                                                   if k in ("text", "caption", "document")})
        self.api.messages[msg.message_id] = msg
        data = {"message_id": msg.message_id, "date": int(time.time()), "chat": self.api.chats[self.chat_id],
                "from": self.user_json}
        return data

    def update_for(self, **message: Any) -> Update:
        """A message ``Update`` from this user (fields are Bot API JSON)."""
        data = self._incoming(text=message.get("text"), caption=message.get("caption"))
        data.update(message)
        return Update.de_json({"update_id": next(self._update_ids), "message": data}, self.app.bot)

    async def feed(self, update: Update) -> None:
        """Process one update to completion, as the application would."""
        await self.app.process_update(update)

    async def send(self, text: str) -> FakeMessage | None:
        """Type a text message; returns the bot's last message afterwards."""
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        update = self.update_for(text=text, **({"entities": entities} if entities else {}))
        await self.feed(update)
        return self.last

    async def command(self, name: str, args: str = "") -> FakeMessage | None:
        """Send ``/name args``."""
        return await self.send(f"/{name}" + (f" {args}" if args else ""))

    async def send_sticker(self) -> FakeMessage | None:
        """Send a sticker."""
        sticker = {"file_id": "stk1", "file_unique_id": "stk1", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular"}
        await self.feed(self.update_for(sticker=sticker))
        return self.last

    async def send_photo(self) -> FakeMessage | None:
        """Send a photo."""
        photo = [{"file_id": "pho1", "file_unique_id": "pho1", "width": 90, "height": 90}]
        await self.feed(self.update_for(photo=photo))
        return self.last

    async def send_document(self, content: bytes, file_name: str, mime_type: str = "text/csv") -> FakeMessage | None:
        """Upload a document (e.g. a CSV for staff import)."""
        file_id = f"up{self.api.next_id()}"
        self.api.files[file_id] = (file_name, content)
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name,
                    "mime_type": mime_type, "file_size": len(content)}
        await self.feed(self.update_for(document=document))
        return self.last

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]] | None:
        """The reply keyboard the chat shows under the input field now (None: removed or never sent)."""
        return self.api.reply_keyboards.get(self.chat_id)

    async def share_user(self, request_id: int, user_id: int, first_name: str,
                         last_name: str | None = None) -> FakeMessage | None:
        """Pick a person with a ``request_users`` keyboard button: the client sends ``users_shared``."""
        shared = {"user_id": user_id, "first_name": first_name, **({"last_name": last_name} if last_name else {})}
        await self.feed(self.update_for(users_shared={"request_id": request_id, "users": [shared]}))
        return self.last

    async def forward_from(self, sender: dict[str, Any] | None, text: str, *,
                           hidden_name: str = "隐藏的用户") -> FakeMessage | None:
        """Forward someone's text message here (``sender`` None: their privacy hides who they are)."""
        date = int(time.time()) - 60
        origin = ({"type": "user", "date": date, "sender_user": {"is_bot": False, **sender}} if sender
                  else {"type": "hidden_user", "date": date, "sender_user_name": hidden_name})
        await self.feed(self.update_for(text=text, forward_origin=origin))
        return self.last

    def callback_update(self, data: str, message: FakeMessage) -> Update:
        """A callback-query ``Update`` pressing ``data`` on ``message``."""
        query = {
            "id": str(next(self._update_ids) + 10_000_000),
            "from": self.user_json,
            "chat_instance": f"ci{self.chat_id}",
            "data": data,
            "message": message.to_api(self.api.bot_user, self.api.chats[message.chat_id]),
        }
        return Update.de_json({"update_id": next(self._update_ids), "callback_query": query}, self.app.bot)

    async def press(self, label: str, message: FakeMessage | None = None, *, exact: bool = False) -> FakeMessage | None:
        """Press the inline button whose label contains ``label`` (or equals it, with exact).

        Searches ``message`` or else the newest bot message that has such a button.
        Fails if the bot did not answer the callback query.
        """
        target, data = self._find_button(label, message, exact)
        update = self.callback_update(data, target)
        await self.feed(update)
        query_id = update.callback_query.id  # type: ignore[union-attr]
        if query_id not in self.api.answered:
            raise AssertionError(f"the bot did not answer the press of {label!r} ({data})")
        return self.last

    async def press_data(self, data: str, message: FakeMessage | None = None) -> FakeMessage | None:
        """Press a button with arbitrary callback data (a forged or stale button)."""
        target = message or self.last or FakeMessage(1, self.chat_id, True, text="旧消息")
        update = self.callback_update(data, target)
        await self.feed(update)
        if update.callback_query.id not in self.api.answered:  # type: ignore[union-attr]
            raise AssertionError(f"the bot did not answer the press of {data!r}")
        return self.last

    def answer_of_last_press(self) -> dict[str, Any]:
        """The answerCallbackQuery parameters of the newest press."""
        calls = self.api.sent("answerCallbackQuery")
        return calls[-1].params if calls else {}

    def _find_button(self, label: str, message: FakeMessage | None, exact: bool) -> tuple[FakeMessage, str]:
        candidates = [message] if message else list(reversed(self.bot_messages()))
        for msg in candidates:
            for text, data in msg.buttons:
                if (text == label) if exact else (label in text):
                    return msg, data
        shown = [m.labels for m in candidates[:3]]
        raise AssertionError(f"no button {label!r}; newest keyboards: {shown}")

    # ---------------------------------------------------------------- reading

    def bot_messages(self) -> list[FakeMessage]:
        """The bot's messages in this chat that are still there, oldest first."""
        return [m for m in self.api.messages_in(self.chat_id) if m.from_bot]

    @property
    def last(self) -> FakeMessage | None:
        """The bot's newest message in this chat."""
        msgs = self.bot_messages()
        return msgs[-1] if msgs else None

    def new_messages(self) -> list[FakeMessage]:
        """Bot messages that arrived since the previous call."""
        msgs = self.bot_messages()
        fresh = [m for m in msgs if m.message_id > self._seen]
        if msgs:
            self._seen = max(self._seen, msgs[-1].message_id)
        return fresh

    def texts(self) -> list[str]:
        """The shown text of every bot message in the chat."""
        return [m.shown for m in self.bot_messages()]

    def transcript(self) -> str:
        """The chat as a readable transcript (for failure messages and the console)."""
        lines = []
        for m in self.api.messages_in(self.chat_id):
            who = "🤖" if m.from_bot else "🧑"
            lines.append(f"{who} [{m.message_id}] {m.shown}")
            if m.document:
                lines.append(f"   📎 {m.document[0]} ({len(m.document[1])} bytes)")
            if m.labels:
                lines.append("   " + " | ".join(m.labels))
        return "\n".join(lines)
