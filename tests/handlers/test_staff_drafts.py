"""The staff console's pending questions are typed drafts that survive a restart."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from bot.handlers.staff.drafts import (
    CalendarDeleteDraft,
    CalendarSetDraft,
    CapacityDraft,
    CloseDateDraft,
    CloseSessionDraft,
    RevokeDraft,
    StaffAddDraft,
    StaffDraft,
)
from bot.persistence import decode_user_data, encode_user_data

DAY = date(2026, 12, 2)
DRAFTS = [
    RevokeDraft(booking_id=3),
    CapacityDraft(day=DAY, session="pm"),
    CloseDateDraft(day=DAY, reason="停电"),
    CloseSessionDraft(day=DAY, session="am", reason=""),
    CalendarSetDraft(day=DAY, day_kind="holiday"),
    CalendarSetDraft(),
    CalendarDeleteDraft(),
    StaffAddDraft(),
]


@pytest.mark.parametrize("draft", DRAFTS, ids=lambda d: d.kind)
def test_a_draft_survives_the_user_data_store(draft: object) -> None:
    assert decode_user_data(encode_user_data({"draft_staff": draft})) == {"draft_staff": draft}


def test_the_kind_decides_the_model() -> None:
    adapter: TypeAdapter[StaffDraft] = TypeAdapter(StaffDraft)
    parsed = adapter.validate_python({"kind": "close_session", "day": "2026-12-02", "session": "am"})
    assert parsed == CloseSessionDraft(day=DAY, session="am")
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "close_session", "target": "2026-12-02 am"})
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "cal_set", "day": "2026-12-02", "day_kind": "weekend-ish"})
