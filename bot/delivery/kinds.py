"""The names of the outbox's renderers: what a service writes in ``outbox.render``.

Plain strings, importable by services (no ``telegram`` here). Each has a renderer in
``bot.delivery.render`` that turns an outbox row into the parts Telegram is sent.
"""

from __future__ import annotations

from typing import Final

RECEIPT: Final = "receipt"  # a booking made: the receipt (its id kept for later edits), then the .ics file
RECEIPT_EDIT: Final = "receipt_edit"  # a booking changed: its receipt edited to show it as it is now
CALENDAR: Final = "calendar"  # a booking moved: the new .ics file (payload: caption)
TEXT: Final = "text"  # a notice rendered when the change was made (payload: text, buttons)
CLOSURE: Final = "closure"  # a booking cancelled by a closure; rebook options as of delivery (payload: reason, session)
NOTICES: Final = frozenset({TEXT, CLOSURE})  # the kinds that tell a clerk something new
