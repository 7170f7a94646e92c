"""Routing: which agencies an incident goes to, how reports cluster into incidents, and when to escalate.

Pure functions over plain data and two district-editable YAML files (``agencies.yaml``, ``rules.yaml``).
"""

from __future__ import annotations

from gateway.routing.clustering import joins_incident, merge_reports
from gateway.routing.escalation import EscalationStep, escalation_due, escalation_schedule
from gateway.routing.incident import IncidentFacts
from gateway.routing.loading import load_rules
from gateway.routing.route import Dispatch, route, severity_of
from gateway.routing.rules import (
    HAZARDS,
    NEEDS,
    SEVERITIES,
    Agency,
    Assignment,
    Coordinator,
    Rule,
    Rules,
    RulesError,
)

__all__ = [
    "HAZARDS",
    "NEEDS",
    "SEVERITIES",
    "Agency",
    "Assignment",
    "Coordinator",
    "Dispatch",
    "EscalationStep",
    "IncidentFacts",
    "Rule",
    "Rules",
    "RulesError",
    "escalation_due",
    "escalation_schedule",
    "joins_incident",
    "load_rules",
    "merge_reports",
    "route",
    "severity_of",
]
