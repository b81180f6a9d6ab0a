"""Telegram users (SPEC §8, §10): who they are, the notice they accepted, what they want
to be told, and whether they blocked the bot.

Each use case is one transaction; a change a user makes on purpose (accepting the
notice) also writes its audit line in that transaction.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.read_models import AccountOverview
from bot.rules.freeze import freeze_status, month_key
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import actor_of


class UserService:
    """Use cases about one Telegram user, over one database and clock."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def touch(self, user_id: int, first_name: str) -> None:
        """Record a user who wrote to the bot (or refresh the name); clears a blocked mark."""
        async with self.db.write() as conn:
            await repo.touch_tg_user(conn, user_id, first_name, self.clock.now())

    async def first_word_in_chat(self, chat_id: int) -> bool:
        """True exactly once per group chat: the bot says there, once, that it works in private."""
        async with self.db.write() as conn:
            return await repo.claim_notification(conn, f"private_only:{chat_id}", "private_only", chat_id,
                                                 self.clock.now())

    async def accept_notice(self, user_id: int, version: str) -> None:
        """Record (audited) that the user accepted ``version`` of the booking notice."""
        now = self.clock.now()
        async with self.db.write() as conn:
            await repo.set_notice_version(conn, user_id, version, now)
            await repo.audit(conn, actor=actor_of(user_id), entity="tg_user", entity_id=user_id,
                             action="accept_notice", now=now, after={"notice_version": version})

    async def set_release_notice(self, user_id: int, enabled: bool) -> None:
        """Turn the user's 09:00 release notice on or off."""
        async with self.db.write() as conn:
            await repo.set_release_notice(conn, user_id, enabled, self.clock.now())

    async def mark_blocked(self, user_id: int) -> None:
        """The user blocked the bot: bulk sends skip them until they write again."""
        async with self.db.write() as conn:
            await repo.mark_blocked(conn, user_id, self.clock.now())

    async def overview(self, user_id: int, unit_id: int) -> AccountOverview:
        """What 我的账户 shows for a clerk of ``unit_id``, read in one snapshot."""
        now = self.clock.now()
        async with self.db.read() as conn:
            clerks = await repo.clerks_of_unit(conn, unit_id)
            mismatches = await repo.mismatch_times(conn, unit_id, month_key(now))
            user = await repo.get_tg_user(conn, user_id)
        return AccountOverview(
            [(c.first_name, c.user_id == user_id) for c in clerks],
            freeze_status(mismatches, now),
            user.release_notice if user is not None else True,
        )
