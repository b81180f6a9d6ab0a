"""The audit log: who changed what, before and after."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.storage.models import Actor, AuditEntry
from bot.storage.repo._common import Conn, all_rows, iso, one


async def audit(
    conn: Conn,
    *,
    actor: Actor,
    entity: str,
    entity_id: str | int,
    action: str,
    now: datetime,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Append one line to the audit log (callers mask personal data first)."""
    await conn.execute(
        "INSERT INTO audit_log (at, actor, entity, entity_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (iso(now), actor, entity, str(entity_id), action,
         json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
         json.dumps(after, ensure_ascii=False, default=str) if after is not None else None),
    )


async def history(conn: Conn, entity: str, entity_id: str | int) -> list[AuditEntry]:
    """The audit lines of one entity, oldest first."""
    rows = await all_rows(
        conn, "SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id", (entity, str(entity_id))
    )
    return [AuditEntry.from_row(r) for r in rows]


async def audit_count(conn: Conn, entity: str, entity_id: str | int) -> int:
    """How many audit lines one entity has: its revision, growing with every change."""
    row = await one(conn, "SELECT COUNT(*) FROM audit_log WHERE entity = ? AND entity_id = ?", (entity, str(entity_id)))
    return int(row[0]) if row else 0
