"""Staff membership (admins only, SPEC §1, §11)."""

from __future__ import annotations

from bot.errors import StaffRefused
from bot.services.staff.common import STAFF_NAME_MAX, StaffBase
from bot.storage import repo
from bot.storage.models import actor_of
from bot.texts import staff as t


class AdminUseCases(StaffBase):
    """Adding and removing staff."""

    # ---------------------------------------------------------------- staff membership (admins)

    async def list_staff(self) -> list[tuple[int, str]]:
        """(user id, name) of the staff added by admins."""
        async with self.db.read() as conn:
            return await repo.list_staff(conn)

    async def add_staff(self, admin_id: int, user_id: int, name: str) -> None:
        """Add a staff member by Telegram user id."""
        name = " ".join(name.split())[:STAFF_NAME_MAX]
        if user_id <= 0:
            raise StaffRefused(t.STAFF_ID_BAD)
        if user_id in self.settings.bot_admin_ids:
            raise StaffRefused(t.ALREADY_ADMIN)
        now = self.clock.now()
        async with self.db.write() as conn:
            if not await repo.add_staff(conn, user_id, name, admin_id, now):
                raise StaffRefused(t.ALREADY_STAFF)
            await repo.audit(
                conn, actor=actor_of(admin_id), entity="staff", entity_id=user_id, action="add_staff", now=now,
                before=None, after={"user_id": user_id, "name": name},
            )

    async def remove_staff(self, admin_id: int, user_id: int) -> None:
        """Remove a staff member (admins from the configuration cannot be removed here)."""
        if user_id in self.settings.bot_admin_ids:
            raise StaffRefused(t.CANNOT_REMOVE_ADMIN)
        now = self.clock.now()
        async with self.db.write() as conn:
            name = dict(await repo.list_staff(conn)).get(user_id)
            if not await repo.remove_staff(conn, user_id):
                raise StaffRefused(t.NOT_STAFF)
            await repo.audit(
                conn, actor=actor_of(admin_id), entity="staff", entity_id=user_id, action="remove_staff", now=now,
                before={"user_id": user_id, "name": name}, after=None,
            )

