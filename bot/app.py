"""The composition root: ``build_application`` wires settings, clock, database,
services, persistence, update processing, rate limiting and every handler.

``python -m bot``, the console mode and the tests all build the bot here, so what
the tests drive is what runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest, HTTPXRequest

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.delivery.lean_bot import LeanBot
from bot.delivery.limiter import PriorityRateLimiter
from bot.delivery.outbox import Courier, courier_of
from bot.delivery.policy import DeliveryPolicy
from bot.deps import BotContext, Deps, deps_of
from bot.gc_tuning import tune_for_serving
from bot.handlers import register_all
from bot.handlers.common import on_error
from bot.handlers.flow import schedule_idle_sweep
from bot.handlers.menus import publish_commands
from bot.jobs import start_jobs
from bot.lean_request import LeanReplies
from bot.persistence import SqlitePersistence, UserData
from bot.processing import PerUserProcessor
from bot.storage.db import Database

log = logging.getLogger(__name__)

# Without a token only the commands that never reach Telegram may build the app.
PLACEHOLDER_TOKEN = "0:NO-TOKEN"


class _Ready:
    """Opens and migrates the database once, whoever asks first."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.done = False

    async def __call__(self) -> None:
        if not self.done:
            await self.db.open()
            await self.db.migrate()
            self.done = True


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    persistence_interval: float = 1.0,
    delivery: DeliveryPolicy | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the bot's Application; ``request`` replaces the HTTP transport (tests, console);
    ``delivery`` the numbers of the delivery policy (tests make the backoff short)."""
    policy = delivery or DeliveryPolicy()
    db = Database(settings.bot_db_path)
    deps = Deps.build(settings, clock or SystemClock(), db)
    ready = _Ready(db)
    token = settings.bot_token.get_secret_value() if settings.bot_token else PLACEHOLDER_TOKEN
    # Sends answered with the message id only (bot.delivery.lean_bot); the answers to what
    # PTB's own methods send come back without their keyboards (bot.lean_request).
    bot = LeanBot(
        token,
        base_url=settings.bot_api_base_url,
        base_file_url=settings.bot_api_file_url,
        request=LeanReplies(request if request is not None else HTTPXRequest(connection_pool_size=256)),
        get_updates_request=request if request is not None else HTTPXRequest(connection_pool_size=1),
        rate_limiter=PriorityRateLimiter(settings.bot_api_max_rate, settings.bot_broadcast_rate, policy),
    )
    builder = (
        Application.builder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext, user_data=UserData))
        .persistence(SqlitePersistence(db, ready, persistence_interval))
        .concurrent_updates(PerUserProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    application = builder.build()
    deps.runtime.ready = ready
    application.bot_data["deps"] = deps
    deps.runtime.attach(Courier(application, policy))
    register_all(application)
    application.add_error_handler(on_error)
    return application


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After initialize: the database is ready; command menus and jobs are set up."""
    await deps_of(application).runtime.ready()
    await publish_commands(application)
    schedule_idle_sweep(application)
    await start_jobs(application)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After shutdown (persistence flushed): stop a catch-up still sending, close the database.

    A catch-up stopped mid-send leaves at most one claim unfinished; the next start resumes it.
    """
    await courier_of(application).stop()
    task = deps_of(application).runtime.catch_up
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await deps_of(application).db.close()


def run_polling(settings: Settings, *, clock: Clock | None = None) -> None:
    """Run the bot until SIGINT/SIGTERM, long-polling the Bot API (``clock``: end-to-end tests)."""
    application = build_application(settings, clock=clock)
    started = application.post_init

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if started is not None:
            await started(app)
        tune_for_serving()  # after start-up: what it built is frozen (bot.gc_tuning)

    application.post_init = post_init
    log.info("starting bot; database %s", settings.bot_db_path)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
