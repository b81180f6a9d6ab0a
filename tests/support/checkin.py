"""Check-in: a clerk booked through the real flow, the QR code on the receipt, links and tokens."""

from __future__ import annotations

import io
from datetime import date

import zxingcpp
from PIL import Image

from bot.fake_telegram import BOT_USERNAME, FakeUser
from bot.harness import Harness
from bot.rules.basket import BusinessType
from bot.rules.states import BookingState
from bot.storage import repo
from bot.storage.models import Booking
from tests.support.booking import to_confirm
from tests.support.clerks import logged_in, make_unit

STAFF = 900001


CLERK = 1001


STRANGER = 4242


async def clerk_booked(h: Harness, before: int = 3) -> tuple[FakeUser, Booking, str]:
    """A clerk books 12月2日上午 through the real flow after ``before`` 60-minute bookings.

    Returns the clerk, the booking and the link decoded from the receipt's QR code.
    """
    await logged_in(h)
    await others(h, before)
    clerk = h.user(CLERK)
    await to_confirm(clerk)
    await clerk.press("确定", exact=True)
    (photo,) = [m for m in clerk.bot_messages() if m.photo is not None]
    async with h.deps.db.read() as conn:
        (booking,) = await repo.bookings_of_unit(conn, 1, [BookingState.INCOMPLETE])
    return clerk, booking, decode_qr(photo.photo)


def token_of(link: str) -> str:
    prefix = f"https://t.me/{BOT_USERNAME}?start=ci_"
    assert link.startswith(prefix), link
    return link[len(prefix):]


def decode_qr(png: bytes) -> str:
    """The text of the one QR code in a PNG image."""
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return found.text


async def others(h: Harness, count: int, *, session: str = "am", minutes_of_new: int = 4) -> list[Booking]:
    """``count`` other units, each booking 新办×4 (60 minutes) in 12月2日's session, in order."""
    made = []
    for n in range(count):
        unit_id = await make_unit(h, f"other{n}", f"其他单位{n}")
        booking = await h.deps.bookings.book(
            unit_id=unit_id, user_id=None, day=DEC2, session=session, counts={NEW: minutes_of_new},
            contact_name="王五", contact_phone="13900139000",
        )
        await complete(h, booking)
        made.append(booking)
    return made


DEC2 = date(2026, 12, 2)


NEW = BusinessType.NEW


APPLICANTS = [("张三", "11010519491231002X"), ("李雷", "110105199001011234"), ("韩梅梅", "110105198807070021"),
              ("王五", "110105197505050018")]


async def complete(h: Harness, booking: Booking) -> None:
    """Fill the booking's applicants: 待办理."""
    now = h.clock.now()
    async with h.deps.db.write() as conn:
        for item, (name, id_number) in zip(await repo.items_of(conn, booking.id), APPLICANTS, strict=False):
            await repo.fill_item(conn, item.id, {
                "name": name, "id_type": "居民身份证", "id_number": id_number, "phone": "13912345678",
                "permit_number": None if item.business is NEW else "GZ123456", "change_description": None,
            }, now)
        await repo.set_booking_state(conn, booking.id, BookingState.INCOMPLETE, BookingState.PENDING, now)
