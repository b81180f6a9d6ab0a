"""What every handler and job needs, built once by the composition root.

``Deps`` lives in ``application.bot_data["deps"]`` (bot_data is not persisted) and is
reached through ``BotContext.deps``, the bot's typed callback context. That is the one
``bot_data`` key: whatever else the running application keeps in memory is a typed
field of ``Deps.runtime``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from argon2 import PasswordHasher
from telegram.ext import Application, CallbackContext, ConversationHandler

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.lean_bot import LeanBot
from bot.services.accounts import AccountService
from bot.services.applicants import ApplicantService
from bot.services.arrival import ArrivalService
from bot.services.booking import BookingService
from bot.services.changes import ChangeService
from bot.services.evaluation import EvaluationService
from bot.services.mismatches import MismatchService
from bot.services.staff import StaffService
from bot.services.users import UserService
from bot.storage.db import Database

T = TypeVar("T")


async def _nothing_to_prepare() -> None:
    return None


@dataclass
class Runtime:
    """What the running application keeps in memory only: never persisted, gone on restart."""

    # opens and migrates the database, once (the composition root sets it)
    ready: Callable[[], Awaitable[None]] = _nothing_to_prepare
    # every persistent conversation, for "which flows is this user in" and ending them
    flows: list[ConversationHandler[Any]] = field(default_factory=list)
    # user id -> (salt, digest) of a new unit password typed once, awaiting its confirmation
    pending_passwords: dict[int, tuple[bytes, bytes]] = field(default_factory=dict)
    # held while reminders are sent: a minute tick that finds it held skips its turn
    reminders_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # the start-up catch-up of missed reminders, running in the background
    catch_up: asyncio.Task[Any] | None = None
    # ids of the broadcasts whose sender task is alive in this process
    broadcasts_running: set[int] = field(default_factory=set)
    # a 409 Conflict (another instance polling) has been logged once
    conflict_reported: bool = False
    # the outbound path's objects (bot.delivery: the courier, the notifier), one of each type
    _parts: dict[type[Any], object] = field(default_factory=dict)

    def part(self, kind: type[T]) -> T | None:
        """The running application's one ``kind`` object, if it has one."""
        found = self._parts.get(kind)
        return found if isinstance(found, kind) else None

    def attach(self, part: object) -> None:
        """Keep ``part`` as the running application's one object of its type."""
        self._parts[type(part)] = part


@dataclass
class Deps:
    """The application's services, settings, clock and database."""

    settings: Settings
    clock: Clock
    db: Database
    bookings: BookingService
    accounts: AccountService
    applicants: ApplicantService
    changes: ChangeService
    evaluations: EvaluationService
    mismatches: MismatchService
    staff: StaffService
    users: UserService
    arrivals: ArrivalService
    runtime: Runtime = field(default_factory=Runtime)

    @classmethod
    def build(cls, settings: Settings, clock: Clock, db: Database) -> Deps:
        """Wire the services over one database."""
        bookings = BookingService(db, settings, clock)
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            bookings=bookings,
            applicants=ApplicantService(db, clock),
            changes=ChangeService(db, settings, clock, bookings),
            evaluations=EvaluationService(db, clock),
            mismatches=MismatchService(db, settings, clock, bookings),
            staff=StaffService(db, settings, clock, bookings),
            users=UserService(db, clock),
            arrivals=ArrivalService(db, settings, clock),
            accounts=AccountService(
                db,
                clock,
                hasher=PasswordHasher(
                    time_cost=settings.bot_argon2_time_cost, memory_cost=settings.bot_argon2_memory_kib
                ),
            ),
        )


class BotContext(CallbackContext[LeanBot, dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of this bot: adds ``deps``."""

    @property
    def deps(self) -> Deps:
        """The application's services."""
        return deps_of(self.application)


def deps_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Deps:
    """The Deps of an application built by ``build_application``."""
    deps = application.bot_data["deps"]
    assert isinstance(deps, Deps), "build_application stores the Deps"
    return deps
