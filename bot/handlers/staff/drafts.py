"""What a staff member's pending typed answer is about: one typed model per question.

The console asks one free-text question at a time (a reason, a number, a date, a
note; a review's reason has its own confirmation draft in ``console``). Before asking, the handler stores the subject of the question in
``user_data`` as one of these models; the step that reads the answer asks for the
model it expects and treats anything else (none, or another question's) as gone.
``kind`` tells them apart, in memory and in the persisted ``user_data`` alike.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.persistence import persisted_model
from bot.rules.calendar import DayKind
from bot.user_data import Slot


class QuestionDraft(BaseModel):
    """Base of every staff draft: immutable, replaced as the answers come in."""

    model_config = ConfigDict(frozen=True)


@persisted_model
class RevokeDraft(QuestionDraft):
    """撤销: the reason for revoking this booking is asked."""

    kind: Literal["revoke"] = "revoke"
    booking_id: int


@persisted_model
class CapacityDraft(QuestionDraft):
    """The new capacity in minutes of one session of one date is asked."""

    kind: Literal["capacity"] = "capacity"
    day: date
    session: str


@persisted_model
class CloseDateDraft(QuestionDraft):
    """Closing a date: the reason is asked, then (``reason`` set) confirmation."""

    kind: Literal["close"] = "close"
    day: date
    reason: str = ""
    dialogue: str = ""  # names the confirmation page: only its 「确认关闭」 closes


@persisted_model
class CloseSessionDraft(QuestionDraft):
    """Closing one session that holds bookings: the reason, then (``reason`` set) confirmation."""

    kind: Literal["close_session"] = "close_session"
    day: date
    session: str
    reason: str = ""
    dialogue: str = ""  # names the confirmation page: only its 「确认关闭」 closes


@persisted_model
class CalendarSetDraft(QuestionDraft):
    """Setting a calendar override: the date, then its kind (a button), then the note."""

    kind: Literal["cal_set"] = "cal_set"
    day: date | None = None
    day_kind: DayKind | None = None


@persisted_model
class CalendarDeleteDraft(QuestionDraft):
    """Removing a calendar override: the date is asked."""

    kind: Literal["cal_del"] = "cal_del"


@persisted_model
class StaffAddDraft(QuestionDraft):
    """Adding a staff member: their Telegram id and name are asked."""

    kind: Literal["staff_add"] = "staff_add"


StaffDraft = Annotated[
    RevokeDraft | CapacityDraft | CloseDateDraft | CloseSessionDraft | CalendarSetDraft
    | CalendarDeleteDraft | StaffAddDraft,
    Field(discriminator="kind"),
]

DRAFT = Slot("draft_staff", QuestionDraft)
