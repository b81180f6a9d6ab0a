"""Applicant values (valid identity numbers and phones) and bookings made to fill them in."""

from __future__ import annotations

from datetime import date

from bot.harness import Harness
from bot.rules.applicant import resident_id_check_digit
from bot.rules.basket import BusinessType as B
from bot.storage.models import Booking
from tests.support.clerks import logged_in

WED = date(2026, 12, 2)


def rid(first17: str) -> str:
    """A resident id number with its correct check digit."""
    return first17 + resident_id_check_digit(first17)


ID_A = rid("11010519900307123")


ID_B = rid("31011519850612456")


PHONE_A = "13900139000"


PHONE_B = "13700137000"


async def booked(h: Harness, counts: dict[B, int], *, unit_id: int | None = None, day: date = WED,
                 user_id: int | None = 1001) -> Booking:
    """A held booking of the clerk's unit with its receipt in the chat."""
    if unit_id is None:
        unit_id = await logged_in(h)
    booking = await h.deps.bookings.book(unit_id=unit_id, user_id=user_id, day=day, session="am", counts=counts,
                                         contact_name="李雷", contact_phone="13800138000")
    if user_id is not None:
        await h.courier.deliver_booking(booking.id)  # the receipt the booking wrote to the outbox
    return booking


def bot_texts(h: Harness) -> list[str]:
    """Every text the bot sent, edited in or popped up, in order."""
    out = []
    for call in h.api.calls:
        for key in ("text", "caption"):
            if call.params.get(key):
                out.append(str(call.params[key]))
    return out


async def fill_new(user, name: str = "张三", id_number: str = ID_A, phone: str = PHONE_A) -> None:
    """From the name question of a 新办 item to its review."""
    await user.send(name)
    await user.press("居民身份证")
    await user.send(id_number)
    await user.send(phone)
