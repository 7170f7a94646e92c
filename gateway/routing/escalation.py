"""Escalation: an unacknowledged dispatch goes to the agency's supervisors, then to the coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from gateway.routing.rules import Agency

Target = Literal["supervisors", "coordinator"]


@dataclass(frozen=True)
class EscalationStep:
    """One escalation: its level (1 = supervisors, 2 and on = coordinator), whom to alert, and when it is due."""

    level: int
    target: Target
    due_at: datetime


def escalation_schedule(created_at: datetime, agency: Agency) -> tuple[EscalationStep, ...]:
    """Every escalation step of a dispatch created at ``created_at``, timed from then.

    Supervisors after the agency's ack window; then the coordinator after each further ``escalate_after`` delay
    (a second delay means a reminder to the coordinator, and so on).
    """
    due_at = created_at + timedelta(minutes=agency.ack_window_minutes)
    steps = [EscalationStep(level=1, target="supervisors", due_at=due_at)]
    for level, minutes in enumerate(agency.escalate_after, start=2):
        due_at += timedelta(minutes=minutes)
        steps.append(EscalationStep(level=level, target="coordinator", due_at=due_at))
    return tuple(steps)


def escalation_due(
    created_at: datetime, now: datetime, acknowledged: bool, steps_done: int, agency: Agency
) -> EscalationStep | None:
    """The next escalation step if it is due at ``now``; None once acknowledged, before it is due, or when all are done.

    Steps are timed from ``created_at``, not from when the previous one was sent, so a scheduler that ran late
    catches up one step per call.
    """
    if steps_done < 0:
        raise ValueError(f"steps_done must be 0 or more, got {steps_done}")
    if acknowledged:
        return None
    schedule = escalation_schedule(created_at, agency)
    if steps_done >= len(schedule):
        return None
    step = schedule[steps_done]
    return step if now >= step.due_at else None
