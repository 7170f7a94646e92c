"""Read the agencies and rules files, checking every entry and naming the file and line of each problem."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from yaml.nodes import Node, ScalarNode, SequenceNode

from gateway.routing.rules import (
    COUNTS,
    DEFAULT_ACK_WINDOW_MINUTES,
    DEFAULT_CLUSTER_WINDOW,
    DEFAULT_ESCALATE_AFTER_MINUTES,
    HAZARDS,
    NEEDS,
    SEVERITIES,
    TASK_MAX_SEPTETS,
    Agency,
    Assignment,
    Coordinator,
    Rule,
    Rules,
    RulesError,
    septets_of,
)
from gateway.sms.text import GSM7_BASIC, GSM7_EXTENSION
from gateway.yaml_file import NULL_TAG, YamlFile, suggest

PathArg = str | os.PathLike[str]

KECAMATAN_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}")  # Kemendagri: provinsi.kabupaten.kecamatan, e.g. 33.24.15
AGENCY_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
ANY_HAZARD = "any"  # a rule for every hazard, e.g. "medicine needed -> PMI"


def load_rules(agencies_path: PathArg | None = None, rules_path: PathArg | None = None) -> Rules:
    """Load and check the agencies and rules files; ``None`` means the shipped default of that file."""
    problems: list[str] = []
    agencies_file = YamlFile(_source(agencies_path, "agencies.yaml"), problems)
    agencies, coordinator = _read_agencies(agencies_file)
    rules_file = YamlFile(_source(rules_path, "rules.yaml"), problems)
    rulebook = _read_rules(rules_file, known_agencies=agencies)
    if problems or agencies is None or coordinator is None or rulebook is None:
        raise RulesError.listing(problems, "the routing files")
    rules, thresholds, window = rulebook
    return Rules(agencies=agencies, coordinator=coordinator, rules=rules, thresholds=thresholds, cluster_window=window)


def _source(path: PathArg | None, default: str) -> Path | Traversable:
    """The file to read: the caller's path, or the default shipped next to this module."""
    return Path(path) if path is not None else files("gateway.routing").joinpath(default)


def _read_agencies(f: YamlFile) -> tuple[dict[str, Agency] | None, Coordinator | None]:
    """The agencies in file order and the coordinator; codes are kept even from entries with other problems.

    No agencies at all (rather than an empty dict) when the list itself could not be read, so that the rules
    file is not also flooded with "unknown agency" problems.
    """
    if f.root is None:
        return None, None
    top = f.mapping(f.root, "the agencies file", ("coordinator", "agencies"), ("escalation",))
    if top is None:
        return None, None

    ack_default, after_default = DEFAULT_ACK_WINDOW_MINUTES, DEFAULT_ESCALATE_AFTER_MINUTES
    if "escalation" in top:
        timing = f.mapping(top["escalation"], "'escalation'", (), ("ack_window_minutes", "escalate_after_minutes"))
        if timing is not None:
            ack_default, after_default = _timing(f, timing, ack_default, after_default, "'escalation'")

    coordinator: Coordinator | None = None
    desk = f.mapping(top["coordinator"], "'coordinator'", ("code", "name"))
    if desk is not None:
        code, name = f.text(desk["code"], "the coordinator's code"), f.text(desk["name"], "the coordinator's name")
        if code is not None and name is not None:
            coordinator = Coordinator(code=code, name=name)

    agencies: dict[str, Agency] = {}
    first_line: dict[str, int] = {}
    entries = f.items(top["agencies"], "'agencies'", single=False)
    if entries is None:
        return None, coordinator
    for entry in entries:
        fields = f.mapping(
            entry, "an agency", ("code", "name", "role"), ("ack_window_minutes", "escalate_after_minutes")
        )
        if fields is None:
            continue
        code = f.text(fields["code"], "an agency code")
        if code is None:
            continue
        if not AGENCY_CODE.fullmatch(code):
            f.problem(fields["code"], f"agency code '{code}' must be capital letters, digits or '_', like BPBD")
            continue
        if code in first_line:
            f.problem(fields["code"], f"duplicate agency code '{code}' (first given at line {first_line[code]})")
            continue
        first_line[code] = fields["code"].start_mark.line + 1
        what = f"agency {code}"
        name = f.text(fields["name"], f"the name of {what}")
        role = f.mapping(fields["role"], f"the role of {what}", ("id", "en"))
        role_id = f.text(role["id"], f"the Indonesian role of {what}") if role else None
        role_en = f.text(role["en"], f"the English role of {what}") if role else None
        ack, after = _timing(f, fields, ack_default, after_default, what)
        if name is not None and role_id is not None and role_en is not None:
            agencies[code] = Agency(code, name, role_id, role_en, ack_window_minutes=ack, escalate_after=after)
        else:
            agencies[code] = Agency(code, code, "", "")  # keeps its code known while the file gets fixed

    if coordinator is not None and coordinator.code in first_line:
        f.problem(top["coordinator"], f"the coordinator's code '{coordinator.code}' is also an agency code")
    return agencies, coordinator


def _timing(
    f: YamlFile, fields: dict[str, Node], ack: int, after: tuple[int, ...], what: str
) -> tuple[int, tuple[int, ...]]:
    """The acknowledgement window and escalation delays ``fields`` set, else the defaults given."""
    if "ack_window_minutes" in fields:
        ack = f.positive(fields["ack_window_minutes"], f"ack_window_minutes of {what}") or ack
    if "escalate_after_minutes" in fields:
        node = fields["escalate_after_minutes"]
        delays = [
            f.positive(item, f"escalate_after_minutes of {what}")
            for item in f.items(node, "escalate_after_minutes") or ()
        ]
        if delays and all(delay is not None for delay in delays):
            after = tuple(delay for delay in delays if delay is not None)
    return ack, after


def _read_rules(
    f: YamlFile, known_agencies: dict[str, Agency] | None
) -> tuple[tuple[Rule, ...], dict[str, dict[str, int]], timedelta] | None:
    """The rules in file order, the severity thresholds and the clustering window."""
    if f.root is None:
        return None
    top = f.mapping(f.root, "the rules file", ("severity", "rules"), ("clustering",))
    if top is None:
        return None

    thresholds = _read_thresholds(f, top["severity"])
    window = DEFAULT_CLUSTER_WINDOW
    if "clustering" in top:
        clustering = f.mapping(top["clustering"], "'clustering'", (), ("window_hours",))
        if clustering is not None and "window_hours" in clustering:
            hours = f.positive(clustering["window_hours"], "window_hours")
            window = window if hours is None else timedelta(hours=hours)

    rules: list[Rule] = []
    names: dict[str, int] = {}
    routed: set[str] = set()  # hazards some rule names, even a rule with problems (so no second, false complaint)
    always: set[str] = set()  # hazards some rule routes without conditions
    for entry in f.items(top["rules"], "'rules'", single=False) or ():
        rule = _read_rule(f, entry, known_agencies, names, routed, always)
        if rule is not None:
            rules.append(rule)

    for hazard in HAZARDS:
        if hazard not in routed:
            f.problem(top["rules"], f"hazard '{hazard}' has no rule; every hazard must go to some agency")
        elif hazard not in always:
            f.problem(
                top["rules"],
                f"hazard '{hazard}' only has rules with conditions (min_severity, districts or needs); "
                "add one without, so that every report of it reaches some agency",
            )
    if thresholds is None:
        return None
    return tuple(rules), thresholds, window


def _read_thresholds(f: YamlFile, node: Node) -> dict[str, dict[str, int]] | None:
    """The least counts that make an incident moderate and major."""
    levels = f.mapping(node, "'severity'", SEVERITIES[1:])
    if levels is None:
        return None
    thresholds: dict[str, dict[str, int]] = {}
    for level in SEVERITIES[1:]:
        counts = f.mapping(levels[level], f"severity '{level}'", (), COUNTS)
        if counts is None:
            return None
        if not counts:
            f.problem(levels[level], f"severity '{level}' must set at least one of: {', '.join(COUNTS)}")
            return None
        values = {name: f.positive(counts[name], f"the {name} count of severity '{level}'") for name in counts}
        if any(value is None for value in values.values()):
            return None
        thresholds[level] = {name: value for name, value in values.items() if value is not None}
    for name, major in thresholds["major"].items():
        moderate = thresholds["moderate"].get(name)
        if moderate is not None and major < moderate:
            f.problem(
                levels["major"], f"severity 'major' needs {name} of at least 'moderate' ({moderate}), got {major}"
            )
            return None
    return thresholds


def _read_rule(
    f: YamlFile,
    node: Node,
    known_agencies: dict[str, Agency] | None,
    names: dict[str, int],
    routed: set[str],
    always: set[str],
) -> Rule | None:
    """One rule, or None after recording what is wrong with it."""
    before = len(f.problems)
    fields = f.mapping(
        node, "a rule", ("name", "hazard", "dispatch"), ("min_severity", "districts", "needs"), partial=True
    )
    if fields is None:
        return None
    name = (f.text(fields["name"], "a rule's name") or "") if "name" in fields else ""
    what = f"rule '{name}'" if name else f"the rule at line {node.start_mark.line + 1}"
    if name in names:
        f.problem(fields["name"], f"duplicate rule name '{name}' (first given at line {names[name]})")
    elif name:
        names[name] = fields["name"].start_mark.line + 1

    def is_hazard(value: str) -> bool:
        return value in HAZARDS or value == ANY_HAZARD

    listed = f.choices(fields["hazard"], "hazard", (*HAZARDS, ANY_HAZARD), is_hazard) if "hazard" in fields else ()
    hazards = HAZARDS if ANY_HAZARD in listed else tuple(dict.fromkeys(listed))

    min_severity: str | None = None
    if "min_severity" in fields:
        value = f.text(fields["min_severity"], f"min_severity of {what}")
        if value is not None and value not in SEVERITIES:
            f.problem(fields["min_severity"], f"bad severity '{value}' in {what}; use one of: {', '.join(SEVERITIES)}")
        min_severity = value

    districts: tuple[str, ...] = ()
    if "districts" in fields and not _empty(fields["districts"]):
        for item in f.items(fields["districts"], f"districts of {what}") or ():
            code = f.text(item, f"a kecamatan code in {what}")
            if code is not None and not KECAMATAN_CODE.fullmatch(code):
                f.problem(item, f"bad kecamatan code '{code}' in {what}; write it like 33.24.15")
            elif code is not None:
                districts += (code,)

    needs: tuple[str, ...] = ()
    if "needs" in fields:
        needs = f.choices(fields["needs"], "need", NEEDS, lambda value: value in NEEDS)

    dispatch: list[Assignment] = []
    entries = f.items(fields["dispatch"], f"dispatch of {what}", single=False) if "dispatch" in fields else None
    for entry in entries or ():
        assignment = _read_assignment(f, entry, what, known_agencies)
        if assignment is not None and any(a.agency == assignment.agency for a in dispatch):
            f.problem(entry, f"agency {assignment.agency} is listed twice in {what}")
        elif assignment is not None:
            dispatch.append(assignment)

    routed.update(hazards)
    if "needs" not in fields and not districts and min_severity in (None, SEVERITIES[0]):
        always.update(hazards)
    if len(f.problems) > before:
        return None
    return Rule(
        name=name,
        hazards=hazards,
        dispatch=tuple(dispatch),
        min_severity=min_severity,
        districts=districts,
        needs=needs,
        line=node.start_mark.line + 1,
    )


def _empty(node: Node) -> bool:
    """Whether a list was left empty on purpose (``districts: []`` or ``districts:``), meaning 'everywhere'."""
    return (isinstance(node, SequenceNode) and not node.value) or (
        isinstance(node, ScalarNode) and node.tag == NULL_TAG
    )


def _read_assignment(f: YamlFile, node: Node, what: str, known_agencies: dict[str, Agency] | None) -> Assignment | None:
    """One ``{agency: CODE, task: {id: ..., en: ...}}`` entry of a rule's dispatch list."""
    fields = f.mapping(node, f"a dispatch entry of {what}", ("agency", "task"))
    if fields is None:
        return None
    code = f.text(fields["agency"], f"an agency code in {what}")
    if code is not None and known_agencies is not None and code not in known_agencies:
        codes = tuple(known_agencies)
        f.problem(
            fields["agency"],
            f"unknown agency code '{code}' in {what}{suggest(code, codes, 'agency')}; "
            f"the agencies file lists: {', '.join(codes) or 'none'}",
        )
        code = None
    task = f.mapping(fields["task"], f"the task for {code or 'an agency'} in {what}", ("id", "en"))
    if task is None or code is None:
        return None
    task_id = _task_text(f, task["id"], f"the Indonesian task for {code} in {what}")
    task_en = _task_text(f, task["en"], f"the English task for {code} in {what}")
    if task_id is None or task_en is None:
        return None
    return Assignment(agency=code, task_id=task_id, task_en=task_en)


def _task_text(f: YamlFile, node: Node, what: str) -> str | None:
    """A task phrase that fits an alert: GSM-7 only, at most TASK_MAX_SEPTETS septets."""
    text = f.text(node, what)
    if text is None:
        return None
    foreign = sorted({char for char in text if char not in GSM7_BASIC and char not in GSM7_EXTENSION})
    if foreign:
        f.problem(node, f"{what} '{text}' has characters outside the SMS (GSM-7) alphabet: {' '.join(foreign)}")
        return None
    septets = septets_of(text)
    if septets > TASK_MAX_SEPTETS:
        f.problem(node, f"{what} '{text}' is {septets} characters long; at most {TASK_MAX_SEPTETS} fit in an alert")
        return None
    return text
