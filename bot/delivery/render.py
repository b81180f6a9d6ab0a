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
from bot.ics import details_ics
from bot.keyboards import PlainRows, plain
from bot.qr import qr_png
from bot.read_models import BookingDetails
from bot.rules.states import ACTIVE_STATES, BookingState
from bot.services.arrival import checkin_link
from bot.storage.outbox import OutboxRow
from bot.texts import arrival as ta
from bot.texts import booking as t
from bot.texts import staff as staff_texts
from bot.texts.html import parse_mode


@dataclass(frozen=True)
class Text:
    """A text message; ``receipt``: its message id becomes the booking's receipt message."""

    text: str
    buttons: PlainRows = ()
    receipt: bool = False
    parse_mode: str | None = None  # "HTML" for an Html text (bot.texts.html)


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
    parse_mode: str | None = None


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
    """The booking's .ics file as it is now: an update while it stands (same UID, higher
    SEQUENCE), a cancellation once it ended; None if its session is no longer configured."""
    b = details.booking
    spec = deps.bookings.session(b.session)
    if spec is None:
        return None
    data = details_ics(details, spec, address=deps.settings.bot_centre_address,
                       centre_name=deps.settings.bot_centre_name, stamp=deps.clock.now())
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
    text = receipt_text(deps, details)
    parts: list[Part | None] = [
        Text(text, receipt_buttons(details), receipt=True, parse_mode=parse_mode(text)),
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
    text = receipt_text(deps, details)
    return [EditReceipt(b.receipt_chat_id, b.receipt_message_id, text, receipt_buttons(details), parse_mode(text))]


async def _calendar(deps: Deps, row: OutboxRow, sender: Sender) -> list[Part]:
    assert row.booking_id is not None
    details = await deps.bookings.details(row.booking_id)
    ics = calendar_file(deps, details, str(row.payload.get("caption") or t.ICS_CAPTION))
    return [ics] if ics else []


async def _text(deps: Deps, row: OutboxRow, sender: Sender) -> list[Part]:
    buttons = [[(str(label), str(data)) for label, data in r] for r in row.payload.get("buttons", [])]
    return [Text(str(row.payload["text"]), buttons, parse_mode=row.payload.get("parse_mode"))]


async def _closure(deps: Deps, row: OutboxRow, sender: Sender) -> list[Part]:
    """A booking cancelled by a closed date or session, with the rebook options open when it is read."""
    assert row.booking_id is not None
    booking = (await deps.bookings.details(row.booking_id)).booking
    session_key = row.payload.get("session")
    spec = deps.bookings.session(str(session_key)) if session_key else None
    options = await deps.staff.rebook_options(booking)
    buttons = [[plain(staff_texts.rebook_label(o.day, o.session), "bk", "rebook", o.day, o.session.key, booking.id,
                      notice=True)] for o in options]
    return [Text(staff_texts.closure_notice(booking, str(row.payload.get("reason", "")), options, spec), buttons)]


RENDERERS: dict[str, Renderer] = {
    kinds.RECEIPT: _receipt,
    kinds.RECEIPT_EDIT: _receipt_edit,
    kinds.CALENDAR: _calendar,
    kinds.TEXT: _text,
    kinds.CLOSURE: _closure,
}
