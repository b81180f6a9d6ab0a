"""Every SQL statement of the bot. Small query functions over a given connection.

The caller owns the transaction (``Database.write()`` / ``Database.read()``); nothing
here commits. Parameters are always bound with ``?``. Dates are stored as
'YYYY-MM-DD', instants as ISO-8601 with offset.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.rules.basket import BusinessType
from bot.rules.calendar import DayKind
from bot.rules.capacity import SlotUsage
from bot.rules.states import ACTIVE_STATES, BookingState
from bot.storage.models import AuditEntry, Booking, Item, TgUser, Unit

Conn = aiosqlite.Connection


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("instants are stored timezone-aware")
    return value.isoformat()


async def _one(conn: Conn, sql: str, params: Sequence[Any] = ()) -> Any:
    async with conn.execute(sql, params) as cur:
        return await cur.fetchone()


async def _all(conn: Conn, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    async with conn.execute(sql, params) as cur:
        return list(await cur.fetchall())


def _marks(n: int) -> str:
    return ",".join("?" * n)


_ACTIVE = tuple(s.value for s in ACTIVE_STATES)

# ---------------------------------------------------------------- units


async def insert_unit(
    conn: Conn, username: str, name: str, password_hash: str, now: datetime, *, temporary: bool = True
) -> int:
    """Create a unit account; raises sqlite3.IntegrityError if the username is taken."""
    cur = await conn.execute(
        "INSERT INTO units (username, name, password_hash, password_temporary, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (username, name, password_hash, int(temporary), _iso(now), _iso(now)),
    )
    return int(cur.lastrowid or 0)


async def get_unit(conn: Conn, unit_id: int) -> Unit | None:
    """The unit with this id."""
    row = await _one(conn, "SELECT * FROM units WHERE id = ?", (unit_id,))
    return Unit.from_row(row) if row else None


async def get_unit_by_username(conn: Conn, username: str) -> Unit | None:
    """The unit with this username (case-insensitive)."""
    row = await _one(conn, "SELECT * FROM units WHERE username = ?", (username.strip(),))
    return Unit.from_row(row) if row else None


async def existing_usernames(conn: Conn, usernames: Iterable[str]) -> set[str]:
    """Which of ``usernames`` already exist (lower-cased)."""
    names = [u.lower() for u in usernames]
    if not names:
        return set()
    rows = await _all(
        conn, f"SELECT lower(username) FROM units WHERE lower(username) IN ({_marks(len(names))})", names
    )
    return {r[0] for r in rows}


async def search_units(conn: Conn, text: str, limit: int = 10) -> list[Unit]:
    """Units whose username or name contains ``text``."""
    pattern = f"%{text.strip()}%"
    rows = await _all(
        conn,
        "SELECT * FROM units WHERE username LIKE ? OR name LIKE ? ORDER BY username LIMIT ?",
        (pattern, pattern, limit),
    )
    return [Unit.from_row(r) for r in rows]


async def set_unit_password(
    conn: Conn, unit_id: int, password_hash: str, *, temporary: bool, now: datetime
) -> None:
    """Replace the unit's password hash."""
    await conn.execute(
        "UPDATE units SET password_hash = ?, password_temporary = ?, updated_at = ? WHERE id = ?",
        (password_hash, int(temporary), _iso(now), unit_id),
    )


async def rename_unit(conn: Conn, unit_id: int, name: str, now: datetime) -> None:
    """Change the unit's display name."""
    await conn.execute("UPDATE units SET name = ?, updated_at = ? WHERE id = ?", (name, _iso(now), unit_id))


# ---------------------------------------------------------------- telegram users


async def touch_tg_user(conn: Conn, user_id: int, first_name: str, now: datetime) -> None:
    """Record a Telegram user (or refresh its name); clears a blocked mark."""
    await conn.execute(
        "INSERT INTO tg_users (user_id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name,"
        " blocked_at = NULL, updated_at = excluded.updated_at",
        (user_id, first_name, _iso(now), _iso(now)),
    )


async def get_tg_user(conn: Conn, user_id: int) -> TgUser | None:
    """The Telegram user's record."""
    row = await _one(conn, "SELECT * FROM tg_users WHERE user_id = ?", (user_id,))
    return TgUser.from_row(row) if row else None


async def bind_user(conn: Conn, user_id: int, unit_id: int, *, must_set_password: bool, now: datetime) -> None:
    """Bind a Telegram user to a unit (log in)."""
    await conn.execute(
        "UPDATE tg_users SET unit_id = ?, bound_at = ?, must_set_password = ?, updated_at = ?"
        " WHERE user_id = ?",
        (unit_id, _iso(now), int(must_set_password), _iso(now), user_id),
    )


async def clear_must_set_password(conn: Conn, user_id: int, now: datetime) -> None:
    """The user has chosen the unit's own password."""
    await conn.execute(
        "UPDATE tg_users SET must_set_password = 0, updated_at = ? WHERE user_id = ?", (_iso(now), user_id)
    )


async def unbind_user(conn: Conn, user_id: int, now: datetime) -> None:
    """Unbind one Telegram user (log out)."""
    await conn.execute(
        "UPDATE tg_users SET unit_id = NULL, bound_at = NULL, must_set_password = 0, updated_at = ?"
        " WHERE user_id = ?",
        (_iso(now), user_id),
    )


async def unbind_unit(conn: Conn, unit_id: int, now: datetime) -> list[int]:
    """Unbind every Telegram user of a unit; returns their ids."""
    rows = await _all(conn, "SELECT user_id FROM tg_users WHERE unit_id = ?", (unit_id,))
    await conn.execute(
        "UPDATE tg_users SET unit_id = NULL, bound_at = NULL, must_set_password = 0, updated_at = ?"
        " WHERE unit_id = ?",
        (_iso(now), unit_id),
    )
    return [r[0] for r in rows]


async def clerks_of_unit(conn: Conn, unit_id: int) -> list[TgUser]:
    """The Telegram users bound to a unit."""
    rows = await _all(conn, "SELECT * FROM tg_users WHERE unit_id = ? ORDER BY bound_at", (unit_id,))
    return [TgUser.from_row(r) for r in rows]


async def set_notice_version(conn: Conn, user_id: int, version: str, now: datetime) -> None:
    """Record that the user accepted the notice text with this version."""
    await conn.execute(
        "UPDATE tg_users SET notice_version = ?, updated_at = ? WHERE user_id = ?", (version, _iso(now), user_id)
    )


async def set_release_notice(conn: Conn, user_id: int, enabled: bool, now: datetime) -> None:
    """Turn the 09:00 release notice on or off for a user."""
    await conn.execute(
        "UPDATE tg_users SET release_notice = ?, updated_at = ? WHERE user_id = ?", (int(enabled), _iso(now), user_id)
    )


async def mark_blocked(conn: Conn, user_id: int, now: datetime) -> None:
    """The user blocked the bot: skip them in bulk sends until they write again."""
    await conn.execute(
        "UPDATE tg_users SET blocked_at = ?, updated_at = ? WHERE user_id = ?", (_iso(now), _iso(now), user_id)
    )


async def all_clerk_ids(conn: Conn) -> list[int]:
    """Every bound, unblocked clerk."""
    rows = await _all(
        conn, "SELECT user_id FROM tg_users WHERE unit_id IS NOT NULL AND blocked_at IS NULL ORDER BY user_id"
    )
    return [r[0] for r in rows]


# ---------------------------------------------------------------- login throttling


async def get_login_failures(conn: Conn, key: str) -> tuple[int, datetime | None]:
    """(failures, locked_until) for a throttling key."""
    row = await _one(conn, "SELECT failures, locked_until FROM login_failures WHERE key = ?", (key,))
    if not row:
        return 0, None
    return row[0], datetime.fromisoformat(row[1]) if row[1] else None


async def set_login_failures(
    conn: Conn, key: str, failures: int, locked_until: datetime | None, now: datetime
) -> None:
    """Store the failure count and lock of a throttling key."""
    await conn.execute(
        "INSERT INTO login_failures (key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
        " locked_until = excluded.locked_until, updated_at = excluded.updated_at",
        (key, failures, _iso(locked_until) if locked_until else None, _iso(now)),
    )


async def clear_login_failures(conn: Conn, keys: Iterable[str]) -> None:
    """Forget the failures of these keys (after a successful login)."""
    keys = list(keys)
    if keys:
        await conn.execute(f"DELETE FROM login_failures WHERE key IN ({_marks(len(keys))})", keys)


# ---------------------------------------------------------------- staff


async def list_staff(conn: Conn) -> list[tuple[int, str]]:
    """(user_id, name) of every staff member added by an admin."""
    rows = await _all(conn, "SELECT user_id, name FROM staff ORDER BY added_at")
    return [(r[0], r[1]) for r in rows]


async def is_staff(conn: Conn, user_id: int) -> bool:
    """Whether an admin added this user as staff."""
    return await _one(conn, "SELECT 1 FROM staff WHERE user_id = ?", (user_id,)) is not None


async def add_staff(conn: Conn, user_id: int, name: str, added_by: int | None, now: datetime) -> bool:
    """Add a staff member; False if already there."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO staff (user_id, name, added_by, added_at) VALUES (?, ?, ?, ?)",
        (user_id, name, added_by, _iso(now)),
    )
    return cur.rowcount == 1


async def remove_staff(conn: Conn, user_id: int) -> bool:
    """Remove a staff member; False if not there."""
    cur = await conn.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
    return cur.rowcount == 1


# ---------------------------------------------------------------- capacity


async def slot_usage(conn: Conn, days: Iterable[date]) -> dict[tuple[date, str], SlotUsage]:
    """What is known of each session of these dates (absent: defaults, nothing used)."""
    keys = [d.isoformat() for d in days]
    if not keys:
        return {}
    rows = await _all(
        conn, f"SELECT date, session, capacity, closed, used FROM slots WHERE date IN ({_marks(len(keys))})", keys
    )
    return {
        (date.fromisoformat(r[0]), r[1]): SlotUsage(capacity=r[2], closed=bool(r[3]), used=r[4]) for r in rows
    }


async def _ensure_slot(conn: Conn, day: date, session: str) -> None:
    await conn.execute("INSERT OR IGNORE INTO slots (date, session) VALUES (?, ?)", (day.isoformat(), session))


async def take_minutes(conn: Conn, day: date, session: str, minutes: int, default_capacity: int) -> bool:
    """Take minutes from a session if they still fit; False (and nothing changed) if not.

    The check and the update are one conditional UPDATE, so two takers can never both
    get the last minutes.
    """
    await _ensure_slot(conn, day, session)
    cur = await conn.execute(
        "UPDATE slots SET used = used + ? WHERE date = ? AND session = ? AND closed = 0"
        " AND used + ? <= COALESCE(capacity, ?)",
        (minutes, day.isoformat(), session, minutes, default_capacity),
    )
    return cur.rowcount == 1


async def return_minutes(conn: Conn, day: date, session: str, minutes: int) -> None:
    """Give minutes back to a session (cancel, release, move)."""
    await conn.execute(
        "UPDATE slots SET used = MAX(0, used - ?) WHERE date = ? AND session = ?",
        (minutes, day.isoformat(), session),
    )


async def set_slot_capacity(conn: Conn, day: date, session: str, capacity: int | None) -> None:
    """Override (or, with None, reset) a session's capacity."""
    await _ensure_slot(conn, day, session)
    await conn.execute(
        "UPDATE slots SET capacity = ? WHERE date = ? AND session = ?", (capacity, day.isoformat(), session)
    )


async def set_slot_closed(conn: Conn, day: date, session: str, closed: bool) -> None:
    """Close or reopen one session of a date."""
    await _ensure_slot(conn, day, session)
    await conn.execute(
        "UPDATE slots SET closed = ? WHERE date = ? AND session = ?", (int(closed), day.isoformat(), session)
    )


async def closed_dates(conn: Conn, start: date, end: date) -> dict[date, str]:
    """Dates the centre closed in [start, end], with the reason."""
    rows = await _all(
        conn, "SELECT date, reason FROM closed_dates WHERE date BETWEEN ? AND ?", (start.isoformat(), end.isoformat())
    )
    return {date.fromisoformat(r[0]): r[1] for r in rows}


async def close_date(conn: Conn, day: date, reason: str, by: int | None, now: datetime) -> bool:
    """Close a whole date; False if it was already closed."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO closed_dates (date, reason, closed_by, closed_at) VALUES (?, ?, ?, ?)",
        (day.isoformat(), reason, by, _iso(now)),
    )
    return cur.rowcount == 1


async def reopen_date(conn: Conn, day: date) -> bool:
    """Undo a date closure; False if it was not closed."""
    cur = await conn.execute("DELETE FROM closed_dates WHERE date = ?", (day.isoformat(),))
    return cur.rowcount == 1


# ---------------------------------------------------------------- bookings


async def next_code_seq(conn: Conn, code_date: date) -> int:
    """The next free sequence number of a booking code date."""
    row = await _one(conn, "SELECT COALESCE(MAX(code_seq), 0) + 1 FROM bookings WHERE code_date = ?",
                     (code_date.isoformat(),))
    return int(row[0])


async def insert_booking(
    conn: Conn,
    *,
    code: str,
    code_date: date,
    code_seq: int,
    unit_id: int,
    day: date,
    session: str,
    minutes: int,
    contact_name: str,
    contact_phone: str,
    created_by: int | None,
    now: datetime,
) -> int:
    """Insert a held booking (待完善信息); raises IntegrityError if the unit holds that date."""
    cur = await conn.execute(
        "INSERT INTO bookings (code, code_date, code_seq, unit_id, date, session, minutes, state,"
        " contact_name, contact_phone, created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'incomplete', ?, ?, ?, ?, ?)",
        (code, code_date.isoformat(), code_seq, unit_id, day.isoformat(), session, minutes,
         contact_name, contact_phone, created_by, _iso(now), _iso(now)),
    )
    return int(cur.lastrowid or 0)


async def get_booking(conn: Conn, booking_id: int) -> Booking | None:
    """The booking with this id."""
    row = await _one(conn, "SELECT * FROM bookings WHERE id = ?", (booking_id,))
    return Booking.from_row(row) if row else None


async def get_booking_by_code(conn: Conn, code: str) -> Booking | None:
    """The booking with this code (case-insensitive)."""
    row = await _one(conn, "SELECT * FROM bookings WHERE code = ?", (code.strip().upper(),))
    return Booking.from_row(row) if row else None


async def active_booking_on(conn: Conn, unit_id: int, day: date) -> Booking | None:
    """The unit's active booking on a date, if any."""
    row = await _one(
        conn,
        f"SELECT * FROM bookings WHERE unit_id = ? AND date = ? AND state IN ({_marks(len(_ACTIVE))})",
        (unit_id, day.isoformat(), *_ACTIVE),
    )
    return Booking.from_row(row) if row else None


async def bookings_of_unit(conn: Conn, unit_id: int, states: Iterable[BookingState]) -> list[Booking]:
    """The unit's bookings in these states, by date."""
    keys = [BookingState(s).value for s in states]
    rows = await _all(
        conn,
        f"SELECT * FROM bookings WHERE unit_id = ? AND state IN ({_marks(len(keys))}) ORDER BY date, session, id",
        (unit_id, *keys),
    )
    return [Booking.from_row(r) for r in rows]


async def bookings_on(conn: Conn, day: date, states: Iterable[BookingState] | None = None) -> list[Booking]:
    """The bookings of a date (optionally only these states), by session then code."""
    if states is None:
        rows = await _all(conn, "SELECT * FROM bookings WHERE date = ? ORDER BY session, code", (day.isoformat(),))
    else:
        keys = [BookingState(s).value for s in states]
        rows = await _all(
            conn,
            f"SELECT * FROM bookings WHERE date = ? AND state IN ({_marks(len(keys))}) ORDER BY session, code",
            (day.isoformat(), *keys),
        )
    return [Booking.from_row(r) for r in rows]


async def set_booking_state(
    conn: Conn, booking_id: int, expected: BookingState, new: BookingState, now: datetime, reason: str | None = None
) -> bool:
    """Move a booking from ``expected`` to ``new``; False if it was no longer in ``expected``."""
    cur = await conn.execute(
        "UPDATE bookings SET state = ?, ended_reason = COALESCE(?, ended_reason), updated_at = ?"
        " WHERE id = ? AND state = ?",
        (new.value, reason, _iso(now), booking_id, expected.value),
    )
    return cur.rowcount == 1


async def move_booking(conn: Conn, booking_id: int, day: date, session: str, now: datetime) -> None:
    """Point a booking at another date and session (minutes handled by the caller)."""
    await conn.execute(
        "UPDATE bookings SET date = ?, session = ?, updated_at = ? WHERE id = ?",
        (day.isoformat(), session, _iso(now), booking_id),
    )


async def set_booking_minutes(conn: Conn, booking_id: int, minutes: int, now: datetime) -> None:
    """Change a booking's total minutes (after its item counts changed)."""
    await conn.execute(
        "UPDATE bookings SET minutes = ?, updated_at = ? WHERE id = ?", (minutes, _iso(now), booking_id)
    )


async def set_booking_contact(conn: Conn, booking_id: int, name: str, phone: str, now: datetime) -> None:
    """Change the booking's contact (经办人) name and phone."""
    await conn.execute(
        "UPDATE bookings SET contact_name = ?, contact_phone = ?, updated_at = ? WHERE id = ?",
        (name, phone, _iso(now), booking_id),
    )


async def set_receipt(conn: Conn, booking_id: int, chat_id: int, message_id: int) -> None:
    """Remember the receipt message, so that it can be edited when the booking changes."""
    await conn.execute(
        "UPDATE bookings SET receipt_chat_id = ?, receipt_message_id = ? WHERE id = ?",
        (chat_id, message_id, booking_id),
    )


async def set_dialogue(conn: Conn, booking_id: int, dialogue: str) -> None:
    """Remember the confirmation dialogue a booking was made from (migration 0004)."""
    await conn.execute("UPDATE bookings SET dialogue = ? WHERE id = ?", (dialogue, booking_id))


async def booking_of_dialogue(conn: Conn, user_id: int, dialogue: str) -> Booking | None:
    """The booking this user made from this confirmation dialogue, if any."""
    row = await _one(conn, "SELECT * FROM bookings WHERE created_by = ? AND dialogue = ?", (user_id, dialogue))
    return Booking.from_row(row) if row else None


async def last_contact_of_unit(conn: Conn, unit_id: int) -> tuple[str, str] | None:
    """(name, phone) of the unit's most recent booking, to pre-fill the next one."""
    row = await _one(
        conn, "SELECT contact_name, contact_phone FROM bookings WHERE unit_id = ? ORDER BY id DESC LIMIT 1",
        (unit_id,),
    )
    return (row[0], row[1]) if row else None


async def used_minutes_by_bookings(conn: Conn, day: date, session: str) -> int:
    """Minutes held by the bookings of a session (for consistency checks)."""
    keys = ("incomplete", "pending", "served", "no_show")
    row = await _one(
        conn,
        f"SELECT COALESCE(SUM(minutes), 0) FROM bookings WHERE date = ? AND session = ? AND state IN ({_marks(4)})",
        (day.isoformat(), session, *keys),
    )
    return int(row[0])


# ---------------------------------------------------------------- items


async def insert_item(conn: Conn, booking_id: int, business: BusinessType, ordinal: int) -> int:
    """Add an empty item to a booking."""
    cur = await conn.execute(
        "INSERT INTO booking_items (booking_id, business, ordinal) VALUES (?, ?, ?)",
        (booking_id, business.value, ordinal),
    )
    return int(cur.lastrowid or 0)


async def delete_item(conn: Conn, item_id: int) -> None:
    """Remove an item (when the item counts are lowered)."""
    await conn.execute("DELETE FROM booking_items WHERE id = ?", (item_id,))


async def items_of(conn: Conn, booking_id: int) -> list[Item]:
    """A booking's items in display order."""
    rows = await _all(conn, "SELECT * FROM booking_items WHERE booking_id = ? ORDER BY id", (booking_id,))
    order = {b: i for i, b in enumerate(BusinessType)}
    items = [Item.from_row(r) for r in rows]
    return sorted(items, key=lambda it: (order[it.business], it.ordinal))


async def get_item(conn: Conn, item_id: int) -> Item | None:
    """The item with this id."""
    row = await _one(conn, "SELECT * FROM booking_items WHERE id = ?", (item_id,))
    return Item.from_row(row) if row else None


async def fill_item(conn: Conn, item_id: int, fields: Mapping[str, str | None], now: datetime) -> None:
    """Save an item's applicant data."""
    await conn.execute(
        "UPDATE booking_items SET applicant_name = ?, id_type = ?, id_number = ?, phone = ?,"
        " permit_number = ?, change_description = ?, filled_at = ? WHERE id = ?",
        (fields["name"], fields["id_type"], fields["id_number"], fields["phone"],
         fields.get("permit_number"), fields.get("change_description"), _iso(now), item_id),
    )


async def person_has_active_item(
    conn: Conn, unit_id: int, id_number: str, business: BusinessType, *, except_item: int | None = None
) -> bool:
    """Whether this person already holds this business type in an active booking of the unit."""
    row = await _one(
        conn,
        "SELECT 1 FROM booking_items i JOIN bookings b ON b.id = i.booking_id"
        f" WHERE b.unit_id = ? AND b.state IN ({_marks(len(_ACTIVE))}) AND i.id_number = ?"
        " AND i.business = ? AND i.id != ? LIMIT 1",
        (unit_id, *_ACTIVE, id_number, business.value, except_item or 0),
    )
    return row is not None


async def set_item_review(
    conn: Conn, item_id: int, review: str, reason: str | None, by: int | None, now: datetime
) -> None:
    """Record a staff review result of an item."""
    await conn.execute(
        "UPDATE booking_items SET review = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
        (review, reason, by, _iso(now), item_id),
    )


# ---------------------------------------------------------------- calendar


async def calendar_overrides(conn: Conn) -> dict[date, DayKind]:
    """Every staff calendar override."""
    rows = await _all(conn, "SELECT date, kind FROM calendar_overrides")
    return {date.fromisoformat(r[0]): r[1] for r in rows}


async def set_calendar_override(conn: Conn, day: date, kind: DayKind, note: str, by: int | None, now: datetime) -> None:
    """Set (or replace) the override of a date."""
    await conn.execute(
        "INSERT INTO calendar_overrides (date, kind, note, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, note = excluded.note,"
        " set_by = excluded.set_by, set_at = excluded.set_at",
        (day.isoformat(), kind, note, by, _iso(now)),
    )


async def delete_calendar_override(conn: Conn, day: date) -> bool:
    """Remove a date's override; False if it had none."""
    cur = await conn.execute("DELETE FROM calendar_overrides WHERE date = ?", (day.isoformat(),))
    return cur.rowcount == 1


async def confirmed_years(conn: Conn) -> set[int]:
    """Years whose calendar an admin confirmed."""
    return {r[0] for r in await _all(conn, "SELECT year FROM confirmed_years")}


async def confirm_year(conn: Conn, year: int, by: int | None, now: datetime) -> bool:
    """Mark a year's calendar confirmed; False if it already was."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO confirmed_years (year, confirmed_by, confirmed_at) VALUES (?, ?, ?)",
        (year, by, _iso(now)),
    )
    return cur.rowcount == 1


# ---------------------------------------------------------------- mismatches and evaluations


async def add_mismatch(conn: Conn, unit_id: int, item_id: int | None, month: str, by: int | None, now: datetime) -> None:
    """Count one 材料不符 result against the unit."""
    await conn.execute(
        "INSERT INTO mismatches (unit_id, item_id, month, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)",
        (unit_id, item_id, month, _iso(now), by),
    )


async def mismatch_times(conn: Conn, unit_id: int, month: str) -> list[datetime]:
    """When the unit's mismatches of a month ('YYYY-MM') were recorded."""
    rows = await _all(conn, "SELECT recorded_at FROM mismatches WHERE unit_id = ? AND month = ?", (unit_id, month))
    return [datetime.fromisoformat(r[0]) for r in rows]


async def add_evaluation(conn: Conn, booking_id: int, rating: int, comment: str, by: int | None, now: datetime) -> bool:
    """Store a booking's satisfaction rating; False if it was already rated."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO evaluations (booking_id, rating, comment, rated_by, rated_at) VALUES (?, ?, ?, ?, ?)",
        (booking_id, rating, comment, by, _iso(now)),
    )
    return cur.rowcount == 1


async def get_evaluation(conn: Conn, booking_id: int) -> tuple[int, str] | None:
    """(rating, comment) of a booking, if rated."""
    row = await _one(conn, "SELECT rating, comment FROM evaluations WHERE booking_id = ?", (booking_id,))
    return (row[0], row[1]) if row else None


async def unrated_served(conn: Conn, unit_id: int) -> list[Booking]:
    """The unit's served bookings that have no rating yet."""
    rows = await _all(
        conn,
        "SELECT b.* FROM bookings b LEFT JOIN evaluations e ON e.booking_id = b.id"
        " WHERE b.unit_id = ? AND b.state = 'served' AND e.booking_id IS NULL ORDER BY b.date",
        (unit_id,),
    )
    return [Booking.from_row(r) for r in rows]


# ---------------------------------------------------------------- 有号提醒


async def add_watch(conn: Conn, user_id: int, unit_id: int, day: date, minutes: int, now: datetime) -> bool:
    """Ask to be told when ``minutes`` free up on ``day``; False if already waiting."""
    cur = await conn.execute(
        "INSERT INTO availability_watches (user_id, unit_id, date, minutes, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id, date) DO UPDATE SET minutes = excluded.minutes, notified_at = NULL"
        " WHERE availability_watches.notified_at IS NOT NULL",
        (user_id, unit_id, day.isoformat(), minutes, _iso(now)),
    )
    return cur.rowcount == 1


async def open_watches(conn: Conn, day: date) -> list[tuple[int, int, int]]:
    """(watch id, user id, minutes) of the requests still waiting on a date."""
    rows = await _all(
        conn, "SELECT id, user_id, minutes FROM availability_watches WHERE date = ? AND notified_at IS NULL",
        (day.isoformat(),),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def mark_watch_notified(conn: Conn, watch_id: int, now: datetime) -> None:
    """The waiting clerk has been told; the request is consumed."""
    await conn.execute("UPDATE availability_watches SET notified_at = ? WHERE id = ?", (_iso(now), watch_id))


# ---------------------------------------------------------------- notifications log


async def claim_notification(conn: Conn, key: str, kind: str, user_id: int, now: datetime) -> bool:
    """Claim a notification before sending it; False if it was claimed or sent already."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO notifications (key, kind, user_id, status, claimed_at) VALUES (?, ?, ?, 'claimed', ?)",
        (key, kind, user_id, _iso(now)),
    )
    return cur.rowcount == 1


async def finish_notification(conn: Conn, key: str, status: str, now: datetime) -> None:
    """Record how a claimed notification ended: 'sent', 'failed' or 'blocked'."""
    await conn.execute(
        "UPDATE notifications SET status = ?, sent_at = ? WHERE key = ?", (status, _iso(now), key)
    )


async def unfinished_notifications(conn: Conn) -> list[tuple[str, str, int, int]]:
    """(key, kind, user_id, attempts) of claims a crash left unfinished."""
    rows = await _all(conn, "SELECT key, kind, user_id, attempts FROM notifications WHERE status = 'claimed'")
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def reclaim_notification(conn: Conn, key: str, now: datetime) -> None:
    """Count one more attempt at a claim left unfinished."""
    await conn.execute(
        "UPDATE notifications SET attempts = attempts + 1, claimed_at = ? WHERE key = ?", (_iso(now), key)
    )


# ---------------------------------------------------------------- audit log


async def audit(
    conn: Conn,
    *,
    actor: str,
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
        (_iso(now), actor, entity, str(entity_id), action,
         json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
         json.dumps(after, ensure_ascii=False, default=str) if after is not None else None),
    )


async def history(conn: Conn, entity: str, entity_id: str | int) -> list[AuditEntry]:
    """The audit lines of one entity, oldest first."""
    rows = await _all(
        conn, "SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id", (entity, str(entity_id))
    )
    return [AuditEntry.from_row(r) for r in rows]


# ---------------------------------------------------------------- conversation persistence


async def load_conversations(conn: Conn, name: str) -> dict[str, str]:
    """Every stored state of a named conversation, by key."""
    rows = await _all(conn, "SELECT key, state FROM conversations WHERE name = ?", (name,))
    return {r[0]: r[1] for r in rows}


async def save_conversation(conn: Conn, name: str, key: str, state: str | None) -> None:
    """Store (or, with None, forget) one conversation's state."""
    if state is None:
        await conn.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (name, key))
    else:
        await conn.execute(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)"
            " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            (name, key, state),
        )


async def load_user_data(conn: Conn) -> dict[int, str]:
    """Every user's stored data blob (JSON)."""
    return {r[0]: r[1] for r in await _all(conn, "SELECT user_id, data FROM user_data")}


async def save_user_data(conn: Conn, user_id: int, data: str | None) -> None:
    """Store (or, with None, forget) a user's data blob."""
    if data is None:
        await conn.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))
    else:
        await conn.execute(
            "INSERT INTO user_data (user_id, data) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
            (user_id, data),
        )


# ---- staff console


async def item_has_mismatch(conn: Conn, item_id: int) -> bool:
    """Whether a 材料不符 was already counted for this item (a result is counted once)."""
    return await _one(conn, "SELECT 1 FROM mismatches WHERE item_id = ? LIMIT 1", (item_id,)) is not None


async def withdraw_mismatch(conn: Conn, item_id: int) -> str | None:
    """Remove the 材料不符 counted for an item; returns its month ('YYYY-MM'), None if none."""
    row = await _one(conn, "SELECT id, month FROM mismatches WHERE item_id = ? LIMIT 1", (item_id,))
    if row is None:
        return None
    await conn.execute("DELETE FROM mismatches WHERE id = ?", (row[0],))
    return str(row[1])


async def calendar_override_notes(conn: Conn, start: date, end: date) -> dict[date, tuple[DayKind, str]]:
    """(kind, note) of the calendar overrides in [start, end]."""
    rows = await _all(
        conn, "SELECT date, kind, note FROM calendar_overrides WHERE date BETWEEN ? AND ?",
        (start.isoformat(), end.isoformat()),
    )
    return {date.fromisoformat(r[0]): (r[1], r[2]) for r in rows}


async def bookings_between(conn: Conn, start: date, end: date) -> list[Booking]:
    """Every booking dated in [start, end], by date, session, code (the export)."""
    rows = await _all(
        conn, "SELECT * FROM bookings WHERE date BETWEEN ? AND ? ORDER BY date, session, code",
        (start.isoformat(), end.isoformat()),
    )
    return [Booking.from_row(r) for r in rows]


# ---- reminders


async def get_notification(conn: Conn, key: str) -> tuple[str, int, datetime] | None:
    """(status, attempts, claimed_at) of a notification, if it was ever claimed."""
    row = await _one(conn, "SELECT status, attempts, claimed_at FROM notifications WHERE key = ?", (key,))
    return (row[0], row[1], datetime.fromisoformat(row[2])) if row else None


async def resume_notification(conn: Conn, key: str, attempts: int, now: datetime) -> bool:
    """Take over a claim left unfinished, if nobody took it over since it had ``attempts``.

    The compare on ``attempts`` makes the take-over itself a claim: of two processes
    resuming the same crashed claim, exactly one gets True.
    """
    cur = await conn.execute(
        "UPDATE notifications SET attempts = attempts + 1, claimed_at = ?"
        " WHERE key = ? AND status = 'claimed' AND attempts = ?",
        (_iso(now), key, attempts),
    )
    return cur.rowcount == 1


async def archive_notification(conn: Conn, key: str, new_key: str) -> None:
    """Rename a finished notification, so that its key can be claimed afresh (a re-armed 有号提醒)."""
    await conn.execute("UPDATE OR REPLACE notifications SET key = ? WHERE key = ?", (new_key, key))


async def watch_is_open(conn: Conn, watch_id: int) -> bool:
    """Whether a 有号提醒 request is still waiting (not yet served)."""
    row = await _one(conn, "SELECT 1 FROM availability_watches WHERE id = ? AND notified_at IS NULL", (watch_id,))
    return row is not None


async def waiting_watch_dates(conn: Conn, after: date) -> list[date]:
    """The dates after ``after`` that have 有号提醒 requests still waiting."""
    rows = await _all(
        conn, "SELECT DISTINCT date FROM availability_watches WHERE notified_at IS NULL AND date > ? ORDER BY date",
        (after.isoformat(),),
    )
    return [date.fromisoformat(r[0]) for r in rows]


async def release_notice_recipients(conn: Conn, bound_by: datetime) -> list[int]:
    """Bound, unblocked clerks who want the release notice and were logged in by ``bound_by``."""
    rows = await _all(
        conn,
        "SELECT user_id FROM tg_users WHERE unit_id IS NOT NULL AND blocked_at IS NULL AND release_notice = 1"
        " AND must_set_password = 0 AND bound_at <= ? ORDER BY user_id",
        (_iso(bound_by),),
    )
    return [r[0] for r in rows]


async def users_known_by(conn: Conn, user_ids: Iterable[int], known_by: datetime) -> list[int]:
    """Which of ``user_ids`` are unblocked Telegram users who first wrote to the bot by ``known_by``."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    rows = await _all(
        conn,
        f"SELECT user_id FROM tg_users WHERE user_id IN ({_marks(len(ids))}) AND blocked_at IS NULL"
        " AND created_at <= ? ORDER BY user_id",
        (*ids, _iso(known_by)),
    )
    return [r[0] for r in rows]


async def incomplete_bookings(conn: Conn) -> list[Booking]:
    """Every booking still 待完善信息, by date (the auto-release looks at their deadlines)."""
    rows = await _all(conn, "SELECT * FROM bookings WHERE state = 'incomplete' ORDER BY date, session, id")
    return [Booking.from_row(r) for r in rows]


async def released_bookings_since(conn: Conn, since: datetime) -> list[Booking]:
    """Bookings auto-released (已释放) at or after ``since``, by id."""
    rows = await _all(
        conn, "SELECT * FROM bookings WHERE state = 'released' AND updated_at >= ? ORDER BY id", (_iso(since),)
    )
    return [Booking.from_row(r) for r in rows]


async def served_unrated_on(conn: Conn, day: date) -> list[Booking]:
    """Bookings marked 已办理 on ``day`` (their last change) that have no rating yet."""
    rows = await _all(
        conn,
        "SELECT b.* FROM bookings b LEFT JOIN evaluations e ON e.booking_id = b.id"
        " WHERE b.state = 'served' AND e.booking_id IS NULL AND substr(b.updated_at, 1, 10) = ? ORDER BY b.id",
        (day.isoformat(),),
    )
    return [Booking.from_row(r) for r in rows]


async def units_over_mismatch_limit(conn: Conn, month: str, limit: int) -> list[int]:
    """Units with more than ``limit`` mismatches in a month ('YYYY-MM'): frozen in it."""
    rows = await _all(
        conn, "SELECT unit_id FROM mismatches WHERE month = ? GROUP BY unit_id HAVING COUNT(*) > ? ORDER BY unit_id",
        (month, limit),
    )
    return [r[0] for r in rows]


# ---- staff console: broadcasts and statistics

from dataclasses import dataclass as _dataclass  # noqa: E402  (appended section)


@_dataclass(frozen=True)
class BroadcastRow:
    """One stored broadcast (SPEC §11)."""

    id: int
    created_by: int
    text: str
    audience: str  # 'all' or 'date'
    audience_date: date | None
    status: str  # 'queued', 'sending', 'done'
    created_at: datetime
    finished_at: datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None


async def clerk_ids_with_bookings_on(conn: Conn, day: date) -> list[int]:
    """Every bound, unblocked clerk of a unit holding an active booking on ``day``."""
    rows = await _all(
        conn,
        "SELECT DISTINCT t.user_id FROM tg_users t JOIN bookings b ON b.unit_id = t.unit_id"
        f" WHERE b.date = ? AND b.state IN ({_marks(len(_ACTIVE))}) AND t.blocked_at IS NULL"
        " ORDER BY t.user_id",
        (day.isoformat(), *_ACTIVE),
    )
    return [r[0] for r in rows]


async def insert_broadcast(
    conn: Conn,
    *,
    created_by: int,
    text: str,
    audience: str,
    audience_date: date | None,
    progress_chat_id: int | None,
    progress_message_id: int | None,
    now: datetime,
) -> int:
    """Store a queued broadcast; returns its id."""
    cur = await conn.execute(
        "INSERT INTO broadcasts (created_by, text, audience, audience_date, status, created_at,"
        " progress_chat_id, progress_message_id) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)",
        (created_by, text, audience, audience_date.isoformat() if audience_date else None, _iso(now),
         progress_chat_id, progress_message_id),
    )
    return int(cur.lastrowid or 0)


async def insert_broadcast_recipients(conn: Conn, broadcast_id: int, user_ids: Iterable[int]) -> None:
    """Store the recipients of a broadcast, all pending."""
    await conn.executemany(
        "INSERT OR IGNORE INTO broadcast_recipients (broadcast_id, user_id) VALUES (?, ?)",
        [(broadcast_id, user_id) for user_id in user_ids],
    )


async def get_broadcast(conn: Conn, broadcast_id: int) -> BroadcastRow | None:
    """The broadcast with this id."""
    r = await _one(conn, "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    if not r:
        return None
    return BroadcastRow(
        r["id"], r["created_by"], r["text"], r["audience"],
        date.fromisoformat(r["audience_date"]) if r["audience_date"] else None, r["status"],
        datetime.fromisoformat(r["created_at"]),
        datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None,
        r["progress_chat_id"], r["progress_message_id"],
    )


async def unfinished_broadcasts(conn: Conn) -> list[int]:
    """Ids of the broadcasts still queued or sending, oldest first."""
    rows = await _all(conn, "SELECT id FROM broadcasts WHERE status != 'done' ORDER BY id")
    return [r[0] for r in rows]


async def set_broadcast_status(conn: Conn, broadcast_id: int, status: str, now: datetime) -> None:
    """Move a broadcast to 'sending' or 'done' (the latter records when it finished)."""
    await conn.execute(
        "UPDATE broadcasts SET status = ?, finished_at = CASE WHEN ? = 'done' THEN ? ELSE finished_at END"
        " WHERE id = ?",
        (status, status, _iso(now), broadcast_id),
    )


async def finish_broadcast(conn: Conn, broadcast_id: int, now: datetime) -> bool:
    """Mark a broadcast 'done'; False if it was done already (another instance finished it)."""
    cur = await conn.execute(
        "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status != 'done'",
        (_iso(now), broadcast_id),
    )
    return cur.rowcount == 1


async def pending_recipients(conn: Conn, broadcast_id: int) -> list[int]:
    """The recipients of a broadcast not yet sent to (nor given up), by user id."""
    rows = await _all(
        conn,
        "SELECT user_id FROM broadcast_recipients WHERE broadcast_id = ? AND status = 'pending' ORDER BY user_id",
        (broadcast_id,),
    )
    return [r[0] for r in rows]


async def finish_broadcast_recipient(
    conn: Conn, broadcast_id: int, user_id: int, status: str, attempts: int, now: datetime
) -> bool:
    """Record how sending to one recipient ended ('sent', 'failed', 'blocked'); False if it was not pending."""
    cur = await conn.execute(
        "UPDATE broadcast_recipients SET status = ?, attempts = attempts + ?, sent_at = ?"
        " WHERE broadcast_id = ? AND user_id = ? AND status = 'pending'",
        (status, attempts, _iso(now), broadcast_id, user_id),
    )
    return cur.rowcount == 1


async def broadcast_tally(conn: Conn, broadcast_id: int) -> dict[str, int]:
    """How many recipients of a broadcast are in each status."""
    rows = await _all(
        conn, "SELECT status, COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    return {r[0]: r[1] for r in rows}


async def broadcast_recipients(conn: Conn, broadcast_id: int) -> dict[int, tuple[str, int]]:
    """(status, attempts) of every recipient of a broadcast, by user id."""
    rows = await _all(
        conn, "SELECT user_id, status, attempts FROM broadcast_recipients WHERE broadcast_id = ?", (broadcast_id,)
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def booking_totals_between(conn: Conn, start: date, end: date) -> list[tuple[BookingState, int, int]]:
    """(state, bookings, minutes) of the bookings dated in [start, end]."""
    rows = await _all(
        conn,
        "SELECT state, COUNT(*), COALESCE(SUM(minutes), 0) FROM bookings WHERE date BETWEEN ? AND ? GROUP BY state",
        (start.isoformat(), end.isoformat()),
    )
    return [(BookingState(r[0]), r[1], r[2]) for r in rows]


async def rating_counts_between(conn: Conn, start: date, end: date) -> dict[int, int]:
    """How many evaluations gave each rating, for bookings dated in [start, end]."""
    rows = await _all(
        conn,
        "SELECT e.rating, COUNT(*) FROM evaluations e JOIN bookings b ON b.id = e.booking_id"
        " WHERE b.date BETWEEN ? AND ? GROUP BY e.rating",
        (start.isoformat(), end.isoformat()),
    )
    return {r[0]: r[1] for r in rows}


