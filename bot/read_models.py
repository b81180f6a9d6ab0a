"""Read models: what the services produce and the texts render.

Plain frozen dataclasses (and the small enums they carry) built by the use cases in
``bot/services`` from storage rows, and shown by ``bot/texts`` and the handlers. They
sit between the two so that texts never import a service: this module imports only
the rules and the storage models.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal, get_args

from bot.rules.arrival import DayMark
from bot.rules.availability import is_working_weekend
from bot.rules.basket import BusinessType
from bot.rules.calendar import DayInfo
from bot.rules.capacity import Availability, SessionSpec
from bot.rules.freeze import FreezeStatus, MismatchChange, MismatchState
from bot.rules.states import BookingState
from bot.rules.stats import average_rating, no_show_rate

# The row types services hand to handlers are re-exported here ("X as X"): handlers see
# them as read models and never import storage.
from bot.storage.models import Actor as Actor
from bot.storage.models import ArrivalRow, AuditEntry, Mismatch
from bot.storage.models import Booking as Booking
from bot.storage.models import FinishedBooking as FinishedBooking
from bot.storage.models import Item as Item
from bot.storage.models import ReviewedItem as ReviewedItem
from bot.storage.models import TgUser as TgUser
from bot.storage.models import Unit as Unit
from bot.storage.models import actor_of as actor_of

# how staff judged an item's materials
Review = Literal["pass", "fail", "mismatch"]
REVIEWS: tuple[Review, ...] = get_args(Review)
# what became of an appointment at the counter: 已办理 or 未到
VisitOutcome = Literal["serve", "no_show"]
VISIT_OUTCOMES: tuple[VisitOutcome, ...] = get_args(VisitOutcome)


# ---------------------------------------------------------------- bookings and changes (clerks)


@dataclass(frozen=True)
class Freed:
    """Minutes that went back to a session: waiting clerks may be told."""

    day: date
    session: str
    minutes: int


@dataclass(frozen=True)
class BookingDetails:
    """Everything a receipt or a detail view shows about one booking."""

    booking: Booking
    unit_name: str
    items: list[Item]
    deadline: datetime
    changeable: bool
    evaluation: tuple[int, str] | None
    arrival: ArrivalRow | None = None  # the suggested time, check-in token and check-in (SPEC §4)
    mismatches: dict[int, Mismatch] = field(default_factory=dict)  # 材料不符 by item id (SPEC §8)
    revision: int = 0  # grows with every change of the booking (its audit lines): the .ics SEQUENCE


@dataclass(frozen=True)
class ApplicantPanel:
    """A booking's items as the applicant list panel shows them.

    ``problem`` is why nothing can change any more (ended booking, deadline
    passed), or None while the applicants may still be edited.
    """

    booking: Booking
    items: list[Item]
    deadline: datetime
    problem: str | None
    mismatches: dict[int, Mismatch] = field(default_factory=dict)  # by item id (SPEC §8)

    def mismatch_of(self, item: Item) -> Mismatch | None:
        """The item's 材料不符 record, if it was ever given one."""
        return self.mismatches.get(item.id)

    @property
    def to_correct(self) -> list[Item]:
        """Items whose 材料不符 is pending while the booking may still change: 「已更正，请复核」 applies."""
        if self.problem is not None:
            return []
        return [i for i in self.items
                if (m := self.mismatches.get(i.id)) is not None and m.state is MismatchState.PENDING]

    @property
    def changeable(self) -> bool:
        """Whether the applicants may still be edited."""
        return self.problem is None

    @property
    def filled(self) -> int:
        """How many items have their applicant saved."""
        return sum(1 for i in self.items if i.filled)

    def count_of(self, item: Item) -> int:
        """How many items of ``item``'s business type the booking holds (the 2 of 续办 1/2)."""
        return Counter(i.business for i in self.items)[item.business]


@dataclass(frozen=True)
class ItemView:
    """One item opened for editing, with its booking and its 材料不符 record (if any)."""

    booking: Booking
    item: Item
    count: int
    mismatch: Mismatch | None = None


class MoveStatus(StrEnum):
    """How one cell of the window looks to a booking that wants to move."""

    CURRENT = "current"  # the booking's own slot
    FREE = "free"  # the booking's minutes fit: may be picked
    FULL = "full"  # too few minutes left (or closed)
    HELD = "held"  # the unit already holds another booking that date


@dataclass(frozen=True)
class MoveOption:
    """One date × session of the window, seen from the booking that moves."""

    cell: Availability
    status: MoveStatus


@dataclass(frozen=True)
class CountsChanged:
    """The result of a counts change."""

    booking: Booking
    before: dict[BusinessType, int]
    after: dict[BusinessType, int]
    before_minutes: int
    freed: Freed | None  # minutes given back when the counts went down
    removed: list[Item]


# ---------------------------------------------------------------- history and evaluations


@dataclass(frozen=True)
class HistoryEntry:
    """One finished booking with its items (review results) and rating."""

    booking: FinishedBooking
    items: list[ReviewedItem]
    evaluation: tuple[int, str] | None

    @property
    def ratable(self) -> bool:
        """Served and not yet rated."""
        return self.booking.state is BookingState.SERVED and self.evaluation is None


@dataclass(frozen=True)
class HistoryPage:
    """One page of the unit's finished bookings, newest first."""

    entries: list[HistoryEntry]
    page: int  # 0-based, clamped to the pages that exist
    pages: int
    total: int
    per_page: int


# ---------------------------------------------------------------- staff console


@dataclass(frozen=True)
class ScheduleEntry:
    """One booking of a schedule, with its unit's name and its items."""

    booking: Booking
    unit_name: str
    items: list[Item]
    at: time | None = None  # suggested arrival time (SPEC §4)
    mark: DayMark | None = None  # arrived / late / done … when the schedule was read
    checked_in_at: datetime | None = None


@dataclass(frozen=True)
class SessionSchedule:
    """One session of a date: minutes used of capacity, and its bookings."""

    spec: SessionSpec
    capacity: int
    used: int
    closed: bool
    entries: list[ScheduleEntry]


@dataclass(frozen=True)
class DaySchedule:
    """The schedule of one date by session."""

    day: date
    info: DayInfo
    closed_reason: str | None
    sessions: list[SessionSchedule]
    ended: int  # cancelled / released / revoked bookings of the date (not listed)

    @property
    def entries(self) -> list[ScheduleEntry]:
        """Every listed booking, session by session."""
        return [e for s in self.sessions for e in s.entries]


@dataclass(frozen=True)
class BookingHistory:
    """A booking's audit lines with its items and the people they name (user id → name)."""

    booking: Booking
    entries: list[AuditEntry]
    items: list[Item]
    people: dict[int, str]


@dataclass(frozen=True)
class UnitView:
    """A unit as staff see it: bookings, bound clerks, the month's mismatches."""

    unit: Unit
    active: list[Booking]
    recent: list[Booking]
    clerks: list[TgUser]
    freeze: FreezeStatus


@dataclass(frozen=True)
class ReviewResult:
    """What a review changed, and whom to tell."""

    booking: Booking
    item: Item
    review: Review
    reason: str | None
    clerk_ids: list[int]
    mismatch: MismatchChange  # the item's 材料不符 state before/after, the unit's standing

    @property
    def freeze(self) -> FreezeStatus:
        """The unit's mismatch standing after the review."""
        return self.mismatch.freeze

    @property
    def newly_frozen(self) -> bool:
        """Whether this review froze the unit."""
        return self.mismatch.newly_frozen


@dataclass(frozen=True)
class BookingChange:
    """A booking after a staff change, and its unit's clerks to tell."""

    booking: Booking
    clerk_ids: list[int]


@dataclass(frozen=True)
class RebookOption:
    """A date and session with room for a cancelled booking's minutes."""

    day: date
    session: SessionSpec


@dataclass(frozen=True)
class Closure:
    """A closed date (or one session of it): the bookings it cancelled, each with its
    clerks and rebook options."""

    day: date
    reason: str
    cancelled: list[tuple[Booking, list[int], list[RebookOption]]]
    session: SessionSpec | None = None  # None: the whole date


@dataclass(frozen=True)
class CalendarDay:
    """One date of the staff calendar view."""

    info: DayInfo
    override_note: str | None
    closed_reason: str | None


@dataclass(frozen=True)
class ExportRow:
    """One row of the export: one applicant (item) of a booking, with its booking's facts."""

    code: str
    day: date
    session: str
    unit: str
    business: str
    ordinal: int
    applicant: str
    review: str
    reason: str
    state: str
    contact: str
    phone: str  # in full: staff call the clerk (SPEC §6)
    minutes: int


@dataclass(frozen=True)
class Rebooked:
    """A booking made again after its date was closed."""

    booking: Booking
    copied: int  # applicants carried over from the cancelled booking


# ---------------------------------------------------------------- statistics and accounts


@dataclass(frozen=True)
class RatingComment:
    """A clerk's comment on a served booking (满意度评价), with where and how it was rated."""

    day: date
    unit: str
    rating: int
    comment: str


@dataclass(frozen=True)
class Stats:
    """The numbers /stats shows for [start, end]."""

    start: date
    end: date
    by_state: dict[BookingState, int]
    booked_minutes: int
    working_days: int
    capacity_minutes: int
    ratings: dict[int, int]
    comments: list[RatingComment] = field(default_factory=list)  # the newest, up to COMMENTS_SHOWN
    comment_count: int = 0  # every comment of the range

    @property
    def total_bookings(self) -> int:
        """Bookings of every state."""
        return sum(self.by_state.values())

    @property
    def utilisation(self) -> float | None:
        """Booked minutes / capacity, or None without capacity."""
        return self.booked_minutes / self.capacity_minutes if self.capacity_minutes else None

    @property
    def no_show_rate(self) -> float | None:
        """未到 / (已办理 + 未到), or None when nobody was due yet."""
        return no_show_rate(self.by_state)

    @property
    def rating_count(self) -> int:
        """How many bookings were rated."""
        return sum(self.ratings.values())

    @property
    def average_rating(self) -> float | None:
        """The mean rating, or None when nothing was rated."""
        return average_rating(self.ratings)


@dataclass(frozen=True)
class LoginResult:
    """A successful login: the unit, and whether its own password must be chosen now."""

    unit: Unit
    must_set_password: bool


@dataclass(frozen=True)
class AccountOverview:
    """What 我的账户 shows, read in one snapshot."""

    clerks: list[tuple[str, bool]]  # (first name, is the asking user)
    status: FreezeStatus
    release_notice: bool

# ---------------------------------------------------------------- arrival and check-in (SPEC §4)


@dataclass(frozen=True)
class CheckIn:
    """A booking just checked in."""

    booking: Booking
    at: datetime


@dataclass(frozen=True)
class NoShowOffer:
    """The not-checked-in bookings of an ended session, offered as 未到 in one step."""

    day: date
    spec: SessionSpec
    bookings: list[Booking]
    unit_names: dict[int, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """Identifies exactly this list: a button pressed on an older list changes nothing."""
        ids = ",".join(str(b.id) for b in sorted(self.bookings, key=lambda b: b.id))
        return hashlib.sha256(ids.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class SessionArrivalStats:
    """One session's arrival figures over a period."""

    spec: SessionSpec
    bookings: int  # served + no-show + still active, of past days
    average_wait: timedelta | None
    late: int
    checked_in: int
    no_show: int
    outcomes: int  # served + no-show

    @property
    def late_rate(self) -> float | None:
        """Late check-ins among all check-ins."""
        return self.late / self.checked_in if self.checked_in else None

    @property
    def no_show_rate(self) -> float | None:
        """未到 among the bookings with an outcome."""
        return self.no_show / self.outcomes if self.outcomes else None


@dataclass(frozen=True)
class WindowDay:
    """One date of the booking window as a clerk sees it (issue 10 item 6)."""

    day: date
    cells: list[Availability]  # empty when the centre closed the date
    closed_reason: str | None  # the centre closed the whole date
    held_code: str | None  # the unit's own active booking on this date

    @property
    def working_weekend(self) -> bool:
        """调休上班: a Saturday or Sunday that is a working day."""
        return is_working_weekend(self.day)


@dataclass(frozen=True)
class WindowView:
    """The booking window for one unit: every bookable date, closures and held dates kept."""

    days: list[WindowDay]

    @property
    def cells(self) -> list[Availability]:
        """Every cell the unit may book (not closed dates, not dates it holds)."""
        return [c for d in self.days if d.closed_reason is None and d.held_code is None for c in d.cells]
