"""Conversation state and drafts kept in SQLite, so a conversation survives a restart.

PTB asks the persistence for everything at start and hands it changed entries every
``update_interval`` seconds and at shutdown. We store:

* conversation states of every ``persistent=True`` ConversationHandler (by name and
  key), and
* user_data, whose values are JSON values or pydantic models registered with
  ``@persisted_model`` (drafts are typed models, STYLE §5).

PTB hands over what changed once per ``update_interval`` (1 s), one call per user and
per conversation; the calls of one round are staged and written together, in one
write transaction of a few ``executemany`` statements, so a step that changes only
the screen or a draft costs no transaction of its own, and 1,000 clerks typing cost
one transaction a second. A crash loses at most the last second of an unfinished
draft; a graceful stop loses nothing. chat_data, bot_data and callback_data are not
kept: the bot keeps its state in its own tables.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from telegram.ext import BasePersistence, PersistenceInput

from bot.storage import repo
from bot.storage.db import Database

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = Any

log = logging.getLogger(__name__)

M = TypeVar("M", bound=type[BaseModel])
_MODELS: dict[str, type[BaseModel]] = {}


def persisted_model(cls: M) -> M:
    """Register a pydantic model that may be stored in user_data."""
    _MODELS[cls.__name__] = cls
    return cls


EMPTY = "{}"  # encode_user_data of no entries


def encode_user_data(data: dict[Any, Any]) -> str:
    """user_data as JSON; registered models are tagged with their class name."""
    out = {}
    for key, value in data.items():
        if isinstance(value, BaseModel):
            out[str(key)] = {"__model__": type(value).__name__, "v": value.model_dump(mode="json")}
        else:
            out[str(key)] = value
    return json.dumps(out, ensure_ascii=False)


def decode_user_data(text: str) -> dict[Any, Any]:
    """The inverse of ``encode_user_data``; an entry that no longer validates is dropped.

    Raises ValueError if ``text`` is not a JSON object at all.
    """
    stored = json.loads(text)
    if not isinstance(stored, dict):
        raise ValueError("stored user data is not a JSON object")
    out: dict[Any, Any] = {}
    for key, value in stored.items():
        if isinstance(value, dict) and "__model__" in value:
            model = _MODELS.get(value["__model__"])
            if model is None:
                log.warning("dropping stored %s: model no longer known", value["__model__"])
                continue
            try:
                out[key] = model.model_validate(value.get("v"))
            except ValidationError:
                # the error would echo the stored values (personal data): name the model only
                log.warning("dropping stored %s: it no longer validates", value["__model__"])
        else:
            out[key] = value
    return out


class UserData(dict[Any, Any]):
    """One user's ``user_data`` (``ContextTypes``): its deep copy is its JSON.

    Every round PTB deep-copies each changed user's data before handing it over, and
    the persistence then encodes the copy; at the rush that was a deep copy of 1,000
    clerks' drafts (pydantic models) a second, for a value that is encoded next anyway.
    The copy PTB takes is now the encoding itself — as much a snapshot, and immutable.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> EncodedUserData:
        return EncodedUserData(encode_user_data(self))


class EncodedUserData(str):
    """A user's data already encoded (``encode_user_data``): what PTB's copy of a ``UserData`` is."""


def _decode_rows(rows: dict[int, str]) -> dict[int, dict[Any, Any]]:
    """Every readable user's data; an unreadable row is skipped (named by user id only)."""
    out: dict[int, dict[Any, Any]] = {}
    for user_id, text in rows.items():
        try:
            out[user_id] = UserData(decode_user_data(text))
        except ValueError:
            log.warning("dropping unreadable stored data of user %s", user_id)
    return out


def _decode_conversations(name: str, rows: dict[str, str]) -> ConversationDict:
    """The readable states of a conversation; a damaged row must not stop the bot starting."""
    out: ConversationDict = {}
    for key, state in rows.items():
        try:
            parts = json.loads(key)
            if not isinstance(parts, list) or not all(isinstance(p, (int, str)) for p in parts):
                raise ValueError("key is not a list of ids")
            out[tuple(parts)] = json.loads(state)
        except ValueError:
            log.warning("dropping an unreadable stored state of conversation %s", name)
    return out


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB persistence backed by the bot's database."""

    def __init__(self, db: Database, ready: Callable[[], Any], update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db
        self._ready = ready
        self._conversations: dict[tuple[str, str], str | None] = {}
        self._user_data: dict[int, str | None] = {}
        self._batch: asyncio.Future[None] | None = None
        self._batch_waited: asyncio.Future[None] | None = None  # the shield every caller of the round gets

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Every user's stored data."""
        await self._ready()
        async with self.db.read() as conn:
            rows = await repo.load_user_data(conn)
        return _decode_rows(rows)

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Not stored."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        """Not stored."""
        return {}

    async def get_callback_data(self) -> CDCData | None:
        """Not stored."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """The stored states of the named conversation."""
        await self._ready()
        async with self.db.read() as conn:
            rows = await repo.load_conversations(conn, name)
        return _decode_conversations(name, rows)

    # PTB gathers one call per changed user and conversation each round. These calls only
    # stage an entry, so they are not coroutines: each returns the round's one commit
    # (``_written``), and PTB's gather, which would have made every coroutine a task of its
    # own (at the rush two for every update), waits on that single future once.

    def update_conversation(  # type: ignore[override]  # a future, not a coroutine: see above
            self, name: str, key: ConversationKey, new_state: object | None) -> asyncio.Future[None]:
        """Store one conversation's new state (None: ended), with the rest of this round."""
        self._conversations[(name, json.dumps(list(key)))] = None if new_state is None else json.dumps(new_state)
        return self._written()

    def update_user_data(  # type: ignore[override]  # a future, not a coroutine: see above
            self, user_id: int, data: dict[Any, Any] | str) -> asyncio.Future[None]:
        """Store one user's data, with the rest of this round."""
        if isinstance(data, str):  # PTB's copy of a UserData: already encoded
            self._user_data[user_id] = None if data == EMPTY else str(data)
        else:
            self._user_data[user_id] = encode_user_data(data) if data else None
        return self._written()

    def drop_user_data(self, user_id: int) -> asyncio.Future[None]:  # type: ignore[override]  # see above
        """Forget one user's data, with the rest of this round."""
        self._user_data[user_id] = None
        return self._written()

    def _written(self) -> asyncio.Future[None]:
        """Done when what is staged is committed: one transaction for everything staged together.

        The first call of a round starts the write; it yields once first, so the other
        calls PTB gathered in the same round stage their entries into the same batch.
        Every call gets the same shield of it: a caller that gives up (PTB's gather
        cancelled at shutdown) does not cancel the write for the others.
        """
        if self._batch is None:
            self._batch = asyncio.ensure_future(self._write_batch())
        if self._batch_waited is None or self._batch_waited.cancelled():
            self._batch_waited = asyncio.shield(self._batch)
        return self._batch_waited

    async def _write_batch(self) -> None:
        await asyncio.sleep(0)
        self._batch = self._batch_waited = None
        conversations, self._conversations = self._conversations, {}
        user_data, self._user_data = self._user_data, {}
        if not conversations and not user_data:
            return
        try:
            async with self.db.write() as conn:
                await repo.save_states(conn, conversations, user_data)
        except BaseException:
            # Keep what failed for the next round, unless a newer value was staged meanwhile.
            self._conversations = {**conversations, **self._conversations}
            self._user_data = {**user_data, **self._user_data}
            raise

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Not stored."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Not stored."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Not stored."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """The in-memory copy is authoritative between flushes."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Not stored."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Not stored."""

    async def flush(self) -> None:
        """Write anything still staged (at shutdown)."""
        if self._batch is not None:
            await asyncio.shield(self._batch)
        if self._conversations or self._user_data:
            await self._written()
