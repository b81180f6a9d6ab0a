"""Conversation states and user drafts, persisted across restarts."""

from __future__ import annotations

from bot.storage.repo._common import Conn, all_rows


async def load_conversations(conn: Conn, name: str) -> dict[str, str]:
    """Every stored state of a named conversation, by key."""
    rows = await all_rows(conn, "SELECT key, state FROM conversations WHERE name = ?", (name,))
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
    return {r[0]: r[1] for r in await all_rows(conn, "SELECT user_id, data FROM user_data")}


async def save_user_data(conn: Conn, user_id: int, data: str | None) -> None:
    """Store (or, with None, forget) a user's data blob."""
    if data is None:
        await conn.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))
    else:
        await conn.execute(
            "INSERT INTO user_data (user_id, data) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
            (user_id, data),
        )


async def save_states(conn: Conn, conversations: dict[tuple[str, str], str | None],
                      user_data: dict[int, str | None]) -> None:
    """Store many conversation states and user data blobs at once (None: forget), one statement each kind."""
    gone_conversations = [(n, k) for (n, k), state in conversations.items() if state is None]
    kept_conversations = [(n, k, state) for (n, k), state in conversations.items() if state is not None]
    if gone_conversations:
        await conn.executemany("DELETE FROM conversations WHERE name = ? AND key = ?", gone_conversations)
    if kept_conversations:
        await conn.executemany(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)"
            " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            kept_conversations,
        )
    gone_users = [(user_id,) for user_id, data in user_data.items() if data is None]
    kept_users = [(user_id, data) for user_id, data in user_data.items() if data is not None]
    if gone_users:
        await conn.executemany("DELETE FROM user_data WHERE user_id = ?", gone_users)
    if kept_users:
        await conn.executemany(
            "INSERT INTO user_data (user_id, data) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
            kept_users,
        )
