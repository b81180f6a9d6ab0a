"""Run the real application in-process against the fake Bot API.

Used by the tests and by ``python -m bot console``: the same ``build_application``
as production, the same handlers and database, only the transport is
``FakeBotApi``. ``restart()`` shuts the application down (flushing persistence,
as a graceful stop does) and builds a fresh one on the same database file;
``crash()`` drops it without any shutdown, as a killed process would.

The harness also enforces "no Telegram call inside ``db.write()``" (nor inside
``db.read()``, whose one connection every reader shares): every Bot API call made
by a task inside a transaction is recorded, and ``stop()`` fails with the
offending call sites (unless ``check_transactions`` is off).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.outbox import Courier, courier_of
from bot.delivery.policy import DeliveryPolicy
from bot.deps import Deps, deps_of
from bot.fake_telegram import FakeBotApi, FakeUser
from bot.jobs.reminders import catch_up_done


class Harness:
    """One running application over a FakeBotApi, with users to act through."""

    def __init__(self, settings: Settings, clock: Clock, api: FakeBotApi | None = None, *,
                 check_transactions: bool = True, delivery: DeliveryPolicy | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.api = api or FakeBotApi()
        self.check_transactions = check_transactions
        # Tests wait for retries in milliseconds, not seconds; and a row a test wrote by
        # calling a service directly stays pending until the test delivers it (or restarts),
        # instead of arriving at a moment the test did not choose.
        self.delivery = delivery or DeliveryPolicy(backoff_first=0.01, backoff_max=0.05, poll_seconds=3600)
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._users: dict[int, FakeUser] = {}

    async def start(self) -> Harness:
        """Build, initialise and post-initialise the application (no polling)."""
        self.app = build_application(self.settings, clock=self.clock, request=self.api, delivery=self.delivery)
        db = deps_of(self.app).db
        self.api.inside_transaction = lambda: db.writing() or db.reading()
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        # Deterministic tests: the reminders' start-up catch-up is over before anyone acts.
        await catch_up_done(self.app)
        await self.app.start()
        for user in self._users.values():
            user.app = self.app
        return self

    async def stop(self) -> None:
        """Stop gracefully: pending persistence is written, the database closed.

        Raises AssertionError afterwards if a Bot API call was made inside a write
        transaction (``check_transactions``).
        """
        if self.app is None:
            return
        app, self.app = self.app, None
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        if self.check_transactions and self.api.violations:
            found, self.api.violations = self.api.violations, []
            raise AssertionError("Telegram called inside a database transaction:\n" + "\n".join(found))

    async def restart(self) -> None:
        """A graceful restart on the same database."""
        await self.stop()
        await self.start()

    async def crash(self) -> None:
        """Drop the application as a killed process would: no flush, no shutdown hooks."""
        if self.app is None:
            return
        app, self.app = self.app, None
        courier_of(app).halt()
        if app.job_queue is not None and app.job_queue.scheduler.running:
            app.job_queue.scheduler.shutdown(wait=False)
        await deps_of(app).db.close()

    @property
    def deps(self) -> Deps:
        """The running application's services."""
        assert self.app is not None, "harness not started"
        return deps_of(self.app)

    @property
    def courier(self) -> Courier:
        """The running application's outbox courier."""
        assert self.app is not None, "harness not started"
        return courier_of(self.app)

    def user(self, user_id: int, first_name: str = "经办人", **kwargs: Any) -> FakeUser:
        """The person with this Telegram id (created on first use)."""
        if user_id not in self._users:
            assert self.app is not None, "harness not started"
            self._users[user_id] = FakeUser(self.app, self.api, user_id, first_name, **kwargs)
        return self._users[user_id]

    async def flush(self) -> None:
        """Write pending conversation state and user data now."""
        assert self.app is not None
        await self.app.update_persistence()
