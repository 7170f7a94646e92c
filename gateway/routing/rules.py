"""The routing rulebook: agencies, the rules that send incidents to them, and the words both files may use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import get_args

from gateway.parsers.result import Hazard, Need
from gateway.sms.text import GSM7_EXTENSION
from gateway.yaml_file import FileProblems

# The canonical vocabulary, as in the parser's contract (DESIGN.md); the rules files may use nothing else.
HAZARDS: tuple[str, ...] = get_args(Hazard)
NEEDS: tuple[str, ...] = get_args(Need)
SEVERITIES: tuple[str, ...] = ("minor", "moderate", "major")  # in rising order
COUNTS: tuple[str, ...] = ("households", "people", "houses")  # the report's counts severity is measured on

TASK_MAX_SEPTETS = 40  # a task phrase must leave room for the rest of a one-SMS alert
DEFAULT_ACK_WINDOW_MINUTES = 15
DEFAULT_ESCALATE_AFTER_MINUTES: tuple[int, ...] = (15,)
DEFAULT_CLUSTER_WINDOW = timedelta(hours=6)


def septets_of(text: str) -> int:
    """How many GSM-7 septets ``text`` takes (extension characters such as ``[`` take two)."""
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


class RulesError(FileProblems):
    """The agencies or rules file is unreadable or wrong; the message names file, line and problem."""


@dataclass(frozen=True)
class Agency:
    """An agency that receives dispatches, and how long it has to acknowledge one before escalation."""

    code: str
    name: str
    role_id: str
    role_en: str
    ack_window_minutes: int = DEFAULT_ACK_WINDOW_MINUTES
    escalate_after: tuple[int, ...] = DEFAULT_ESCALATE_AFTER_MINUTES


@dataclass(frozen=True)
class Coordinator:
    """The desk (Pusdalops BPBD) that gets an unacknowledged dispatch last."""

    code: str
    name: str


@dataclass(frozen=True)
class Assignment:
    """What one rule asks one agency to do, in Indonesian and English."""

    agency: str
    task_id: str
    task_en: str


@dataclass(frozen=True)
class Rule:
    """One entry of the rules file: when it matches and whom it sends."""

    name: str
    hazards: tuple[str, ...]
    dispatch: tuple[Assignment, ...]
    min_severity: str | None = None
    districts: tuple[str, ...] = ()  # kecamatan codes; empty means the whole kabupaten
    needs: tuple[str, ...] = ()  # matches when the incident has any of these; empty means regardless of needs
    line: int = 0  # where the rule starts in its file, for people reading an audit trail


@dataclass(frozen=True)
class Rules:
    """The loaded, validated rulebook that ``route`` and ``severity_of`` read."""

    agencies: dict[str, Agency]  # in file order, which is also the order dispatches come out in
    coordinator: Coordinator
    rules: tuple[Rule, ...]
    thresholds: dict[str, dict[str, int]]  # 'moderate'/'major' -> count name -> the least count that reaches it
    cluster_window: timedelta = DEFAULT_CLUSTER_WINDOW
