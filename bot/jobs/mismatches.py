"""The 材料不符 deadline sweep (SPEC §8), run by the reminders tick.

``count_and_tell`` counts every pending mismatch whose booking's change deadline has
passed (``MismatchService.count_due``), then tells the unit's clerks of each mismatch
counted at a deadline within the last day, once per clerk through the notification log
(key ``mismatch:<mismatch id>:<user>``). Telling is read back from the database, so a
crash between counting and telling loses no message.

``tell_staff_corrected`` tells staff of a clerk's 「已更正，请复核」 (SPEC §8), with a button
that opens the booking in the staff console.
"""

from __future__ import annotations

from typing import Any

from bot.delivery.notifications import Delivery, Notification, notification_key, notifier_of
from bot.deps import deps_of
from bot.keyboards import keyboard, notice_button
from bot.services.mismatches import Correction
from bot.texts import mismatch as t
from bot.texts.reminders import MY_BOOKINGS_LABEL

KIND = "mismatch"
CORRECTED_KIND = "corrected"


async def count_and_tell(application: Any) -> int:
    """Count what is due, tell the clerks; returns how many messages were sent."""
    deps = deps_of(application)
    await deps.mismatches.count_due()
    batch = [
        Notification(notification_key(KIND, n.mismatch.id, uid), KIND, uid,
                     t.counted_notice(n.booking, n.item, n.freeze), keyboard(notice_button(MY_BOOKINGS_LABEL, "m", "my")))
        for n in await deps.mismatches.counted_to_tell()
        for uid in n.clerk_ids
    ]
    if not batch:
        return 0
    return sum(1 for o in await notifier_of(application).deliver_many(batch) if o is Delivery.SENT)


async def tell_staff_corrected(application: Any, done: Correction) -> int:
    """Tell every staff member of a clerk's 「已更正，请复核」, with a button to the booking.

    Once per staff member and correction (key ``corrected:<mismatch>:<corrected at>:<user>``);
    returns how many were told.
    """
    m = done.mismatch
    text = t.staff_corrected(done.booking, done.item, done.unit_name)
    markup = keyboard(notice_button(t.OPEN_BOOKING_LABEL, "st", "bk", done.booking.id))
    batch = [
        Notification(notification_key(CORRECTED_KIND, m.id, m.corrected_at or "", uid), CORRECTED_KIND, uid, text,
                     markup)
        for uid in done.staff_ids
    ]
    return sum(1 for o in await notifier_of(application).deliver_many(batch) if o is Delivery.SENT)
