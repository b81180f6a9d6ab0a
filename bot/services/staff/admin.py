"""Staff membership (admins only, SPEC §1, §11)."""

from __future__ import annotations

from bot.errors import BadInput, InvalidName, StaffRefused
from bot.rules.names import check_name
from bot.services.staff.common import STAFF_NAME_MAX, StaffBase
from bot.storage import repo
from bot.storage.models import actor_of
from bot.texts import staff as t


class AdminUseCases(StaffBase):
    """Adding and removing staff."""

    # ---------------------------------------------------------------- staff membership (admins)

    async def list_staff(self) -> list[tuple[int, str]]:
        """(user id, name) of the staff added by admins; one added without a name by their
        Telegram name, else as 「（未登记姓名）」."""
        async with self.db.read() as conn:
            staff = await repo.list_staff(conn)
            people = await self.people(conn, [user_id for user_id, _ in staff])
        return [(user_id, name or people.get(user_id) or t.UNNAMED) for user_id, name in staff]

    async def admin_names(self) -> list[str]:
        """The admins (from the configuration) by name."""
        admins = sorted(self.settings.bot_admin_ids)
        async with self.db.read() as conn:
            people = await self.people(conn, admins)
        return [people[a] for a in admins]

    async def add_staff(self, admin_id: int, user_id: int, name: str) -> None:
        """Add a staff member by Telegram user id."""
        try:
            name = check_name(name, what="姓名", min_len=1, max_len=STAFF_NAME_MAX) if name.strip() else ""
        except InvalidName as err:
            raise BadInput(err.message) from None
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

