"""Routing: from an incident and the rules to one dispatch per agency, with what each is asked to do."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.routing.incident import IncidentFacts
from gateway.routing.rules import COUNTS, HAZARDS, SEVERITIES, TASK_MAX_SEPTETS, Assignment, Rule, Rules, septets_of

TASK_SEPARATOR = ", "
MORE_TASKS = {"id": ", dll", "en": ", etc."}  # marks tasks left out of an over-long merged phrase


@dataclass(frozen=True)
class Dispatch:
    """One agency asked to act on an incident: the task in Indonesian and English, and the rules that asked."""

    agency: str
    task_id: str
    task_en: str
    reason: str


def severity_of(facts: IncidentFacts, rules: Rules) -> str:
    """The highest severity whose threshold any of the incident's counts reaches; 'minor' when none does."""
    counts = {"households": facts.households, "people": facts.people, "houses": facts.houses}
    severity = SEVERITIES[0]
    for level in SEVERITIES[1:]:
        for name in COUNTS:
            count, least = counts[name], rules.thresholds[level].get(name)
            if count is not None and least is not None and count >= least:
                severity = level
    return severity


def route(facts: IncidentFacts, rules: Rules) -> list[Dispatch]:
    """Apply every matching rule; merge what each agency is asked into one dispatch, in agencies-file order.

    An unknown or missing hazard routes as 'other', so that every report reaches someone.
    """
    hazard = facts.hazard if facts.hazard in HAZARDS else "other"
    severity = severity_of(facts, rules)
    matched: dict[str, list[tuple[Rule, Assignment]]] = {}
    for rule in rules.rules:
        if _matches(rule, hazard, severity, facts):
            for assignment in rule.dispatch:
                matched.setdefault(assignment.agency, []).append((rule, assignment))
    order = list(rules.agencies)
    return [_dispatch(agency, matched[agency], f"{hazard}, {severity}") for agency in sorted(matched, key=order.index)]


def _matches(rule: Rule, hazard: str, severity: str, facts: IncidentFacts) -> bool:
    """Whether ``rule`` applies: its hazard, and each condition it sets (severity, area, needs)."""
    if hazard not in rule.hazards:
        return False
    if rule.min_severity is not None and SEVERITIES.index(severity) < SEVERITIES.index(rule.min_severity):
        return False
    if rule.districts and facts.kecamatan not in rule.districts:
        return False
    return not rule.needs or any(need in facts.needs for need in rule.needs)


def _dispatch(agency: str, matched: list[tuple[Rule, Assignment]], context: str) -> Dispatch:
    """One dispatch from every rule that named ``agency``: distinct tasks in rule order, all rule names."""
    tasks = list(dict.fromkeys((a.task_id, a.task_en) for _, a in matched))
    kept = len(tasks)
    while kept > 1 and not _fits(tasks, kept):
        kept -= 1
    task_id = TASK_SEPARATOR.join(t[0] for t in tasks[:kept])
    task_en = TASK_SEPARATOR.join(t[1] for t in tasks[:kept])
    if kept < len(tasks) and _fits(tasks, kept):
        task_id, task_en = task_id + MORE_TASKS["id"], task_en + MORE_TASKS["en"]
    names = " + ".join(dict.fromkeys(rule.name for rule, _ in matched))
    return Dispatch(agency=agency, task_id=task_id, task_en=task_en, reason=f"{names} ({context})")


def _fits(tasks: list[tuple[str, str]], kept: int) -> bool:
    """Whether the first ``kept`` tasks, joined and marked when some are left out, fit an alert in both languages."""
    for index, language in enumerate(("id", "en")):
        text = TASK_SEPARATOR.join(t[index] for t in tasks[:kept])
        if kept < len(tasks):
            text += MORE_TASKS[language]
        if septets_of(text) > TASK_MAX_SEPTETS:
            return False
    return True
