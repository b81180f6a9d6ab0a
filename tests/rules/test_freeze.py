"""The 材料不符 state table and the monthly freeze (bot.rules.freeze), pure."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.errors import MismatchError
from bot.rules.freeze import (
    MISMATCH_LIMIT,
    TRANSITIONS,
    MismatchState,
    correct,
    counted_at,
    due_for_count,
    freeze_status,
    give_event,
    month_key,
    transition,
)
from tests.support import at

P, C, N, W = MismatchState.PENDING, MismatchState.CORRECTED, MismatchState.COUNTED, MismatchState.WITHDRAWN
DEADLINE = at("2026-12-02 00:00")  # an appointment on Thursday 12-03: Wednesday 24:00


@pytest.mark.parametrize(("state", "event", "after"), [
    (None, "give", P), (None, "give_late", N),
    (P, "correct", C), (C, "give", P), (C, "give_late", N),
    (P, "deadline", N), (C, "deadline", C),
    (P, "clear", W), (C, "clear", W), (N, "clear", W), (W, "give", P), (W, "give_late", N),
    (N, "give", N), (N, "give_late", N),  # counted once per item
    (P, "void", W), (C, "void", W),
])
def test_transitions(state: MismatchState | None, event: str, after: MismatchState) -> None:
    assert transition(state, event) is after  # type: ignore[arg-type]


@pytest.mark.parametrize(("state", "event"), [
    (None, "correct"), (C, "correct"), (N, "correct"), (W, "correct"), (None, "clear"), (W, "clear"),
    (N, "deadline"), (W, "deadline"), (N, "void"), (None, "deadline"),
])
def test_illegal_events_raise_and_change_nothing(state: MismatchState | None, event: str) -> None:
    assert (state, event) not in TRANSITIONS
    with pytest.raises(MismatchError):
        transition(state, event)  # type: ignore[arg-type]


def test_giving_before_and_after_the_deadline() -> None:
    assert give_event(at("2026-12-01 23:59"), DEADLINE) == "give"
    assert give_event(DEADLINE, DEADLINE) == "give_late"
    assert counted_at(at("2026-11-30 10:00"), DEADLINE) == DEADLINE  # stood until the deadline
    assert counted_at(at("2026-12-03 09:40"), DEADLINE) == at("2026-12-03 09:40")  # given late


def test_correcting_only_a_pending_one_and_only_before_the_deadline() -> None:
    assert correct(P, at("2026-12-01 23:59"), DEADLINE) is C
    with pytest.raises(MismatchError, match="截止"):
        correct(P, DEADLINE, DEADLINE)
    with pytest.raises(MismatchError, match="没有待更正"):
        correct(C, at("2026-12-01 10:00"), DEADLINE)


def test_due_for_count() -> None:
    assert not due_for_count(P, at("2026-12-01 23:59"), DEADLINE)
    assert due_for_count(P, DEADLINE, DEADLINE)
    assert not due_for_count(C, at("2026-12-05 10:00"), DEADLINE)


def _times(n: int, when: str = "2026-12-02 00:00") -> list[datetime]:
    return [at(when)] * n


@pytest.mark.parametrize(("count", "shown"), [
    (0, "本月已计0次；再有4次将冻结本月预约权限"),
    (3, "本月已计3次；再有1次将冻结本月预约权限"),
    (4, "本月已计4次，本月预约权限已冻结，次月1日起可再次预约"),
    (6, "本月已计6次，本月预约权限已冻结，次月1日起可再次预约"),
])
def test_standing_is_said_plainly(count: int, shown: str) -> None:
    status = freeze_status(_times(count), at("2026-12-10 10:00"))
    assert status.display == shown and "/" not in status.display
    assert status.frozen is (count > MISMATCH_LIMIT)


def test_the_fourth_freezes_until_the_first_of_next_month_across_the_year_end() -> None:
    status = freeze_status(_times(4, "2026-12-31 00:00"), at("2026-12-31 23:59"))
    assert status.frozen and status.until == at("2027-01-01 00:00")
    assert not freeze_status(_times(4, "2026-12-31 00:00"), at("2027-01-01 00:00")).frozen
    # only the month's own counts: last month's do not carry over
    assert freeze_status(_times(4, "2026-11-30 23:59"), at("2026-12-01 00:00")).count == 0
    assert month_key(at("2026-12-01 00:00")) == "2026-12"
