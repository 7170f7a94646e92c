"""Escalation: supervisors after the ack window, the coordinator after the further delay, none once acknowledged."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gateway.routing import Agency, EscalationStep, Rules, escalation_due
from gateway.routing.escalation import escalation_schedule

WIB = timezone(timedelta(hours=7))
CREATED = datetime(2025, 1, 12, 22, 0, tzinfo=WIB)
BPBD = Agency("BPBD", "BPBD Kendal", "korban dan evakuasi", "victims and evacuation")  # defaults: 15, then 15


def at(minutes: float) -> datetime:
    """``minutes`` after the dispatch was created."""
    return CREATED + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("now", "steps_done", "expected"),
    [
        (at(0), 0, None),
        (at(14) + timedelta(seconds=59), 0, None),
        (at(15), 0, EscalationStep(1, "supervisors", at(15))),
        (at(16), 0, EscalationStep(1, "supervisors", at(15))),
        (at(29) + timedelta(seconds=59), 1, None),
        (at(30), 1, EscalationStep(2, "coordinator", at(30))),
        (at(90), 1, EscalationStep(2, "coordinator", at(30))),
        (at(30), 2, None),
        (at(600), 2, None),
        (at(600), 5, None),
    ],
)
def test_escalation_is_due_exactly_at_each_boundary(
    now: datetime, steps_done: int, expected: EscalationStep | None
) -> None:
    assert escalation_due(CREATED, now, False, steps_done, BPBD) == expected


@pytest.mark.parametrize(("now", "steps_done"), [(at(15), 0), (at(30), 1), (at(600), 0)])
def test_escalation_stops_the_moment_someone_acknowledges(now: datetime, steps_done: int) -> None:
    assert escalation_due(CREATED, now, True, steps_done, BPBD) is None


def test_a_late_scheduler_catches_up_one_step_per_call() -> None:
    now = at(120)
    first = escalation_due(CREATED, now, False, 0, BPBD)
    second = escalation_due(CREATED, now, False, 1, BPBD)
    assert (first, second) == (EscalationStep(1, "supervisors", at(15)), EscalationStep(2, "coordinator", at(30)))
    assert escalation_due(CREATED, now, False, 2, BPBD) is None


@pytest.mark.parametrize(
    ("now", "steps_done", "expected"),
    [
        (at(59), 0, None),
        (at(60), 0, EscalationStep(1, "supervisors", at(60))),
        (at(89), 1, None),
        (at(90), 1, EscalationStep(2, "coordinator", at(90))),
        (at(149), 2, None),
        (at(150), 2, EscalationStep(3, "coordinator", at(150))),  # a reminder to the coordinator
        (at(999), 3, None),
    ],
)
def test_an_agency_can_override_its_window_and_delays(
    now: datetime, steps_done: int, expected: EscalationStep | None
) -> None:
    baznas = Agency("BAZNAS", "Baznas Kendal", "perbaikan rumah", "house rebuilding", 60, (30, 60))
    assert escalation_due(CREATED, now, False, steps_done, baznas) == expected


def test_the_schedule_lists_supervisors_then_coordinator() -> None:
    assert escalation_schedule(CREATED, BPBD) == (
        EscalationStep(1, "supervisors", at(15)),
        EscalationStep(2, "coordinator", at(30)),
    )


def test_the_shipped_agencies_escalate_at_fifteen_and_thirty_minutes(shipped: Rules) -> None:
    for agency in shipped.agencies.values():
        assert [step.due_at for step in escalation_schedule(CREATED, agency)] == [at(15), at(30)]


def test_a_negative_step_count_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="steps_done"):
        escalation_due(CREATED, at(15), False, -1, BPBD)
