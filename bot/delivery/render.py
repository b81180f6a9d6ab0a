"""From an outbox row to the parts Telegram is sent: one renderer per ``bot.delivery.kinds`` name.

A renderer reads the booking as it is *now* (a receipt delivered after a restart shows
the booking's current state) and renders through ``bot.texts``. A message is a list
of parts sent in order: add a part (a QR photo, say) to a renderer's list and the
courier delivers, records and resumes it like the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.delivery import kinds
from bot.deps import Deps
from bot.ics import booking_ics
from bot.keyboards import PlainRows, plain
from bot.qr import qr_png
from bot.read_models import BookingDetails
from bot.rules.states import ACTIVE_STATES, BookingState
from bot.services.arrival import checkin_link
from bot.storage.outbox import OutboxRow
from bot.texts import arrival as ta
from bot.texts import booking as t


@dataclass(frozen=True)
class Text:
    """A text message; ``receipt``: its message id becomes the booking's receipt message."""

    text: str
    buttons: PlainRows = ()
    receipt: bool = False


@dataclass(frozen=True)
class Document:
    """A file (the .ics calendar file)."""

    filename: str
    data: bytes
    caption: str | None = None


@dataclass(frozen=True)
class Photo:
    """An image (e.g. the check-in QR code)."""

    data: bytes
    caption: str | None = None
    buttons: PlainRows = ()
    filename: str | None = None


@dataclass(frozen=True)
class EditReceipt:
    """Edit the booking's receipt message to this text and keyboard."""

    chat_id: int
    message_id: int
    text: str
    buttons: PlainRows = ()


Part = Text | Document | Photo | EditReceipt


@dataclass(frozen=True)
class Sender:
    """What a renderer may need to know about the bot that sends (for deep links)."""

    username: str


Renderer = Callable[[Deps, OutboxRow, Sender], Awaitable[list[Part]]]


def receipt_text(deps: Deps, details: BookingDetails) -> str:
    """The receipt text of a booking."""
    settings = deps.settings
    spec = deps.bookings.session(details.booking.session)
    return t.receipt(details, spec, settings.bot_centre_address, settings.bot_centre_phone)


def receipt_buttons(details: BookingDetails) -> PlainRows:
    """Next step while incomplete; 我的预约 always."""
    rows = []
    if details.booking.state is BookingState.INCOMPLETE and details.changeable:
        rows.append([plain(t.NEXT_STEP_LABEL, "ap", "list", details.booking.id)])
    rows.append([plain("我的预约", "m", "my")])
    return rows


def calendar_file(deps: Deps, details: BookingDetails, caption: str) -> Document | None:
    """The booking's .ics file (None if its session is no longer configured)."""
    b = details.booking
    spec = deps.bookings.session(b.session)
    if spec is None:
        return None
    data = booking_ics(
        code=b.code, day=b.date, session=spec, summary=t.ics_summary(b.code),
        location=deps.settings.bot_centre_address,
        description=f"预约编号 {b.code}；{deps.settings.bot_centre_name}", stamp=deps.clock.now(),
        arrival=details.arrival.promised if details.arrival else None,
    )
    return Document(f"{b.code}.ics", data, caption)


def checkin_code(details: BookingDetails, sender: Sender) -> Photo | None:
    """The receipt's check-in QR code: staff scan it at the counter (SPEC §4)."""
    arrival = details.arrival
    if arrival is None or details.booking.state not in ACTIVE_STATES:
        return None
    link = checkin_link(sender.username, arrival.token)
    return Photo(qr_png(link), ta.qr_caption(details.booking.code, arrival.promised), filename=ta.QR_FILENAME)


async def _receipt(deps: Deps, row: OutboxRow, sender: Sender) -> list[Part]:
    """The receipt (its message id kept for later edits), the check-in QR code, the .ics file."""
    assert row.booking_id is not None
    details = await deps.bookings.details(row.booking_id)
    parts: list[Part | None] = [
        Text(receipt_text(deps, details), receipt_buttons(details), receipt=True),
        checkin_code(details, sender),
        calendar_file(deps, details, t.ICS_CAPTION),
    ]
    return [p for p in parts if p is not None]


async def _receipt_edit(deps: Deps, row: OutboxRow, sender: Sender) -> list[Part]:
    assert row.booking_id is not None
    details = await deps.bookings.details(row.booking_id)
    b = details.booking
    if b.receipt_chat_id is None or b.receipt_message_id is None:
        return []  # no receipt yet: a pending receipt shows the booking as it is when it goes out
    return [EditReceipt(b.receipt_chat_id, b.receipt_message_id, receipt_text(deps, details),
                        receipt_buttons(details))]


async def _calendar(deps: Deps, row: OutboxRow, sender: Sender) -> list[Part]:
    assert row.booking_id is not None
    details = await deps.bookings.details(row.booking_id)
    ics = calendar_file(deps, details, str(row.payload.get("caption") or t.ICS_CAPTION))
    return [ics] if ics else []


async def _text(deps: Deps, row: OutboxRow, sender: Sender) -> list[Part]:
    buttons = [[(str(label), str(data)) for label, data in r] for r in row.payload.get("buttons", [])]
    return [Text(str(row.payload["text"]), buttons)]


RENDERERS: dict[str, Renderer] = {
    kinds.RECEIPT: _receipt,
    kinds.RECEIPT_EDIT: _receipt_edit,
    kinds.CALENDAR: _calendar,
    kinds.TEXT: _text,
}
