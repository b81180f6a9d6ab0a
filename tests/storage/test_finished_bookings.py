"""``finished_bookings`` (migration 0019) says what bookings, booking_items and evaluations say.

已办理预约 reads its pages from that table alone, kept by triggers. Every kind of write
to the three tables — a booking finished, reopened, moved, deleted; an item added,
filled, reviewed, removed; a rating given, changed, withdrawn — is made here in a
random order, and after each one the table must equal what the three tables compute.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.storage import repo
from bot.storage.db import MIGRATIONS_DIR, Database

STATES = ("incomplete", "pending", "served", "no_show", "cancelled", "released", "revoked")
BUSINESSES = ("new", "renew", "person_change", "employer_change")
REVIEWS = (None, "pass", "fail", "mismatch")
STAMP = "2026-11-30T09:00:00+08:00"
NOW = datetime.fromisoformat(STAMP)

# What the three tables say: the migration's own back-fill query.
EXPECTED = (
    "SELECT b.unit_id, b.date, b.session, b.id, b.code, b.state,"
    " (SELECT json_group_array(json_array(i.business, i.ordinal, i.applicant_name, i.review, i.review_reason))"
    "    FROM booking_items i WHERE i.booking_id = b.id), e.rating, e.comment"
    " FROM bookings b LEFT JOIN evaluations e ON e.booking_id = b.id WHERE b.state IN ('served', 'no_show')"
)
KEPT = "SELECT unit_id, date, session, booking_id, code, state, items, rating, comment FROM finished_bookings"


def _rows(rows: Any) -> list[tuple[Any, ...]]:
    """Rows with their items JSON as a sorted list (the table keeps items in no particular order)."""
    return sorted((*r[:6], sorted(map(tuple, json.loads(r[6]))), *r[7:]) for r in rows)


async def _agree(db: Database, context: str) -> int:
    async with db.read() as conn:
        expected = _rows(await conn.execute_fetchall(EXPECTED))
        kept = _rows(await conn.execute_fetchall(KEPT))
    assert kept == expected, context
    return len(kept)


async def _insert_booking(conn: Any, rng: random.Random, booking_id: int, unit_id: int, state: str) -> None:
    day = date(2026, 1, 5) + timedelta(days=booking_id)  # a date of its own: one active booking per unit and date
    await conn.execute(
        "INSERT INTO bookings (id, code, code_date, code_seq, unit_id, date, session, minutes, state,"
        " contact_name, contact_phone, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, 15, ?, '张三',"
        " '13800138000', ?, ?)",
        (booking_id, f"CY{day:%Y%m%d}-001", day.isoformat(), unit_id, day.isoformat(), rng.choice(("am", "pm")),
         state, STAMP, STAMP))


async def test_finished_bookings_follow_every_write_to_the_three_tables(db: Database) -> None:
    rng = random.Random(19)
    async with db.write() as conn:
        for unit_id in (1, 2, 3):
            await repo.insert_unit(conn, f"u{unit_id}", f"单位{unit_id}", "x", NOW, temporary=False)
    bookings: list[int] = []
    items: dict[int, int] = {}  # item id → booking id
    rated: set[int] = set()
    finished_seen = 0
    next_id = 1
    for step in range(400):
        action = rng.choice(("book", "book", "state", "state", "state", "move", "item", "fill", "unitem",
                             "rate", "rerate", "unrate", "delete"))
        async with db.write() as conn:
            if action == "book" or not bookings:
                booking_id, next_id = next_id, next_id + 1
                await _insert_booking(conn, rng, booking_id, rng.choice((1, 2, 3)), rng.choice(STATES))
                bookings.append(booking_id)
                action = "book"
            elif action == "state":
                await conn.execute("UPDATE bookings SET state = ? WHERE id = ?", (rng.choice(STATES), rng.choice(bookings)))
            elif action == "move":
                booking_id = rng.choice(bookings)
                await conn.execute("UPDATE bookings SET session = ?, unit_id = ?, code = code || 'x' WHERE id = ?",
                                   (rng.choice(("am", "pm")), rng.choice((1, 2, 3)), booking_id))
            elif action == "item":
                booking_id = rng.choice(bookings)
                cur = await conn.execute(
                    "INSERT INTO booking_items (booking_id, business, ordinal) VALUES (?, ?, ?)",
                    (booking_id, rng.choice(BUSINESSES), sum(1 for b in items.values() if b == booking_id) + 1))
                items[int(cur.lastrowid or 0)] = booking_id
            elif action == "fill" and items:
                await conn.execute(
                    "UPDATE booking_items SET applicant_name = ?, review = ?, review_reason = ? WHERE id = ?",
                    (f"申请人{step}", review := rng.choice(REVIEWS), "材料缺失" if review == "fail" else None,
                     rng.choice(list(items))))
            elif action == "unitem" and items:
                item_id = rng.choice(list(items))
                await conn.execute("DELETE FROM booking_items WHERE id = ?", (item_id,))
                del items[item_id]
            elif action == "rate":
                booking_id = rng.choice(bookings)
                if await repo.add_evaluation(conn, booking_id, rng.randint(1, 5), rng.choice(("", "很好")), None, NOW):
                    rated.add(booking_id)
            elif action == "rerate" and rated:
                await conn.execute("UPDATE evaluations SET rating = ?, comment = ? WHERE booking_id = ?",
                                   (rng.randint(1, 5), "改了", rng.choice(sorted(rated))))
            elif action == "unrate" and rated:
                booking_id = rng.choice(sorted(rated))
                await conn.execute("DELETE FROM evaluations WHERE booking_id = ?", (booking_id,))
                rated.discard(booking_id)
            elif action == "delete":
                booking_id = rng.choice(bookings)
                await conn.execute("DELETE FROM evaluations WHERE booking_id = ?", (booking_id,))
                await conn.execute("DELETE FROM bookings WHERE id = ?", (booking_id,))
                rated.discard(booking_id)
                bookings.remove(booking_id)
                items = {i: b for i, b in items.items() if b != booking_id}
        finished_seen = max(finished_seen, await _agree(db, f"step {step}: {action}"))
    assert finished_seen >= 10  # the walk finished a fair number of bookings at once


async def test_the_migration_fills_it_from_the_bookings_already_finished(tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < 19:
            shutil.copy(path, before / path.name)
    path = tmp_path / "old.sqlite3"
    rng = random.Random(7)
    async with Database(path, migrations_dir=before) as old:
        await old.migrate()
        async with old.write() as conn:
            await repo.insert_unit(conn, "u1", "单位1", "x", NOW, temporary=False)
            for booking_id, state in enumerate(("served", "no_show", "served", "pending", "cancelled"), start=1):
                await _insert_booking(conn, rng, booking_id, 1, state)
                await conn.execute("INSERT INTO booking_items (booking_id, business, ordinal, applicant_name, review)"
                                   " VALUES (?, 'new', 1, '李四', 'pass')", (booking_id,))
            await repo.add_evaluation(conn, 1, 5, "好", None, NOW)
    async with Database(path) as db:
        assert await db.migrate() == [19]
        assert await _agree(db, "after the migration") == 3
        async with db.read() as conn:
            page, total = await repo.finished_page(conn, 1, offset=0, limit=5)
        assert total == 3
        assert [(b.id, b.state.value, rating) for b, _, rating in page] == [(3, "served", None), (2, "no_show", None),
                                                                             (1, "served", (5, "好"))]
        assert [(i.business.value, i.applicant_name, i.review) for i in page[0][1]] == [("new", "李四", "pass")]
