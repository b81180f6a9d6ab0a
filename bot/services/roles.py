"""Who is staff: admins from BOT_ADMIN_IDS, staff added by admins (SPEC §1, §11)."""

from __future__ import annotations

from enum import StrEnum

from bot.config import Settings
from bot.storage import repo
from bot.storage.db import Database


class Role(StrEnum):
    """A Telegram user's role towards the staff console."""

    ADMIN = "admin"
    STAFF = "staff"
    NONE = "none"


async def role_of(db: Database, settings: Settings, user_id: int) -> Role:
    """The user's role: admin (config), staff (added by an admin) or none."""
    if user_id in settings.bot_admin_ids:
        return Role.ADMIN
    async with db.read() as conn:
        return Role.STAFF if await repo.is_staff(conn, user_id) else Role.NONE


async def staff_ids(db: Database, settings: Settings) -> set[int]:
    """Every admin and staff member (for digests and warnings)."""
    async with db.read() as conn:
        added = {user_id for user_id, _ in await repo.list_staff(conn)}
    return added | set(settings.bot_admin_ids)
