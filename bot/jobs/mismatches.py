"""The 材料不符 deadline sweep (SPEC §8), run by the reminders tick.

``count_and_tell`` counts every pending mismatch whose booking's change deadline has
passed (``MismatchService.count_due``). The clerks' notice is written to the outbox in
the same transaction as the count, so a crash between the two loses nothing; here it is
only delivered at once (the courier would deliver it anyway).
"""

from __future__ import annotations

from typing import Any

from bot.delivery.outbox import courier_of
from bot.deps import deps_of

KIND = "mismatch"


async def count_and_tell(application: Any) -> int:
    """Count what is due and deliver the clerks' notices; returns how many mismatches counted."""
    counted = await deps_of(application).mismatches.count_due()
    courier = courier_of(application)
    for booking_id in dict.fromkeys(m.booking_id for m in counted if m.booking_id is not None):
        await courier.deliver_booking(booking_id)
    return len(counted)
