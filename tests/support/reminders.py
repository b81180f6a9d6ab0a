"""Reminders and notifications: who got what, bookings moved through their states, polling."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from bot.fake_telegram import ApiError
from bot.harness import Harness
from bot.rules.basket import BusinessType as B
from bot.rules.states import BookingState
from bot.storage import repo
from tests.support.clerks import logged_in

ADMIN = 900001


PREFIXES = {
    "📢": "release",
    "⏰": "deadline",
    "ℹ️ 预约已自动释放": "autorelease",
    "📅 今日办理提醒": "appointment",
    "🔓": "unfreeze",
    "📋 今日预约安排": "digest",
    "⚠️": "calendar",
    "🔔 有号提醒": "watch",
    "✅": "eval",
    "🔔 您的预约": "evalfu",
}


def kind_of(text: str) -> str | None:
    return next((kind for prefix, kind in PREFIXES.items() if text.startswith(prefix)), None)


class Recorder:
    """Records (instant, kind) of every reminder Telegram accepted, per chat."""

    def __init__(self, h: Harness, blocked: set[int] = frozenset()) -> None:
        self.h = h
        self.blocked = blocked
        self.attempts: dict[int, int] = {}
        self.got: dict[int, list[tuple[datetime, str]]] = {}
        h.api.behaviour = self

    def __call__(self, method: str, params: dict[str, Any]) -> ApiError | None:
        if method != "sendMessage":
            return None
        kind = kind_of(str(params.get("text", "")))
        if kind is None:
            return None
        chat = int(params["chat_id"])
        self.attempts[chat] = self.attempts.get(chat, 0) + 1
        if chat in self.blocked:
            return ApiError.blocked()
        self.got.setdefault(chat, []).append((self.h.clock.now(), kind))
        return None


async def book(h: Harness, unit_id: int, user_id: int, day: date, session: str = "am",
               counts: dict[B, int] | None = None) -> int:
    booking = await h.deps.bookings.book(unit_id=unit_id, user_id=user_id, day=day, session=session,
                                         counts=counts or {B.NEW: 1}, contact_name="李雷",
                                         contact_phone="13800138000")
    await h.courier.deliver_booking(booking.id)  # its receipt, as after 「确定」
    return booking.id


async def complete(h: Harness, booking_id: int) -> None:
    """Fill every applicant (test setup; the applicants flow does this for real)."""
    now = h.clock.now()
    async with h.deps.db.write() as conn:
        for item in await repo.items_of(conn, booking_id):
            await repo.fill_item(conn, item.id, {"name": "张三", "id_type": "护照", "id_number": f"E{item.id:08d}",
                                                 "phone": "13800138000"}, now)
        await repo.set_booking_state(conn, booking_id, BookingState.INCOMPLETE, BookingState.PENDING, now)


async def booking_state(h: Harness, booking_id: int) -> BookingState:
    async with h.deps.db.read() as conn:
        booking = await repo.get_booking(conn, booking_id)
    assert booking is not None
    return booking.state


def reminders_in(h: Harness, user_id: int) -> list[str]:
    return [m.text for m in h.user(user_id).bot_messages() if m.text and kind_of(m.text)]


async def clerks(h: Harness, n: int, first_id: int = 3001) -> list[int]:
    ids = []
    for i in range(n):
        await logged_in(h, first_id + i, f"unit{i:02d}", f"单位{i}")
        ids.append(first_id + i)
    return ids


def release_notices(h: Harness, user_id: int) -> int:
    return sum(1 for m in h.api.messages_in(user_id) if m.from_bot and (m.text or "").startswith("📢"))


def is_release(method: str, params: dict[str, Any]) -> bool:
    return method == "sendMessage" and str(params.get("text", "")).startswith("📢")


async def wait_for(condition: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.01)
