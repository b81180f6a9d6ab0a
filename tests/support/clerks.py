"""Units, logged-in clerks and filled bookings, made through the real application."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.harness import Harness
from bot.rules.basket import BusinessType
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.models import Booking


async def make_unit(h: Harness, username: str = "acme", name: str = "北京示例科技有限公司",
                    password: str = "Start-Pass-1") -> int:
    """Create a unit with a one-time password."""
    unit, _ = await h.deps.accounts.create_unit(username, name, password=password, actor="cli")
    return unit.id


async def logged_in(h: Harness, user_id: int = 1001, username: str = "acme",
                    name: str = "北京示例科技有限公司") -> int:
    """A unit whose own password is set, and a clerk logged into it; returns the unit id."""
    unit_id = await make_unit(h, username, name)
    clerk = h.user(user_id)
    await clerk.command("login")
    await clerk.send(username)
    await clerk.send("Start-Pass-1")
    await clerk.send("Own-Password-9")
    await clerk.send("Own-Password-9")
    return unit_id


APPLICANTS = [("张三", "11010519491231002X"), ("李雷", "110105199001011234"), ("韩梅梅", "110105198807070021"),
              ("王五", "110105197505050018")]


async def filled_booking(h: Harness, unit_id: int, day: date, counts: Mapping[BusinessType, int] | None = None,
                         session: str = "am", user_id: int = 1001) -> Booking:
    """A booking made through the booking service with every applicant filled (待办理)."""
    booking = await h.deps.bookings.book(unit_id=unit_id, user_id=user_id, day=day, session=session,
                                         counts=counts or {BusinessType.NEW: 1},
                                         contact_name="李四", contact_phone="13800138000")
    await h.courier.deliver_booking(booking.id)  # its receipt, as after 「确定」
    now = h.clock.now()
    async with h.deps.db.write() as conn:
        for item, (name, id_number) in zip(await repo.items_of(conn, booking.id), APPLICANTS, strict=False):
            await repo.fill_item(conn, item.id, {
                "name": name, "id_type": "resident", "id_number": id_number, "phone": "13912345678",
                "permit_number": None if item.business is BusinessType.NEW else "GZ123456",
                "change_description": "单位名称变更" if "change" in item.business.value else None,
            }, now)
        await repo.set_booking_state(conn, booking.id, BookingState.INCOMPLETE, BookingState.PENDING, now)
        found = await repo.get_booking(conn, booking.id)
    assert found is not None
    await h.courier.deliver_booking(booking.id)  # its receipt, as 「确定」 would have sent it
    return found
