"""Loading the agencies and rules files: the shipped ones load, and every mistake is named with file and line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gateway.routing import HAZARDS, Agency, Coordinator, Rules, RulesError, load_rules
from gateway.routing.rules import TASK_MAX_SEPTETS, septets_of
from tests.routing.conftest import AGENCIES, RULES, write_files


def test_the_shipped_files_load(shipped: Rules) -> None:
    assert list(shipped.agencies) == ["BPBD", "DINSOS", "BAZNAS", "PMI", "TAGANA", "RELAWAN"]
    assert shipped.coordinator.code == "PUSDALOPS"
    assert shipped.cluster_window == timedelta(hours=6)
    assert set(shipped.thresholds) == {"moderate", "major"}


def test_the_shipped_agencies_escalate_after_fifteen_minutes_then_fifteen_more(shipped: Rules) -> None:
    for agency in shipped.agencies.values():
        assert (agency.ack_window_minutes, agency.escalate_after) == (15, (15,))


def test_the_shipped_roles_follow_the_issue(shipped: Rules) -> None:
    roles = {code: agency.role_en for code, agency in shipped.agencies.items()}
    assert roles["BPBD"] == "victims and evacuation"
    assert roles["DINSOS"] == "logistics and public kitchens"
    assert roles["BAZNAS"] == "house rebuilding"
    assert roles["PMI"] == "health"


def test_every_shipped_task_fits_in_forty_gsm7_characters(shipped: Rules) -> None:
    for rule in shipped.rules:
        for assignment in rule.dispatch:
            assert septets_of(assignment.task_id) <= TASK_MAX_SEPTETS
            assert septets_of(assignment.task_en) <= TASK_MAX_SEPTETS


def test_every_hazard_has_a_shipped_rule(shipped: Rules) -> None:
    assert {hazard for rule in shipped.rules for hazard in rule.hazards} == set(HAZARDS)


def test_a_district_may_replace_the_rules_and_keep_the_shipped_agencies(tmp_path: Path) -> None:
    files = write_files(tmp_path)
    rules = load_rules(None, files.rules)
    assert list(rules.agencies) == ["BPBD", "DINSOS", "BAZNAS", "PMI", "TAGANA", "RELAWAN"]
    assert [rule.name for rule in rules.rules] == ["everything", "fire-care"]


def test_shipped_rules_with_an_agencies_file_lacking_their_agencies_is_an_error(tmp_path: Path) -> None:
    files = write_files(tmp_path)
    with pytest.raises(RulesError, match="unknown agency code 'DINSOS'"):
        load_rules(files.agencies, None)


def test_an_edited_copy_loads_with_its_own_timing_and_window(tmp_path: Path) -> None:
    rules = write_files(tmp_path).load()
    assert rules.agencies["BPBD"] == Agency(
        "BPBD", "BPBD Kendal", "korban dan evakuasi", "victims and evacuation", 15, (15,)
    )
    assert (rules.agencies["PMI"].ack_window_minutes, rules.agencies["PMI"].escalate_after) == (20, (10, 30))
    assert rules.coordinator == Coordinator("PUSDALOPS", "Pusdalops BPBD")
    assert rules.cluster_window == timedelta(hours=3)
    assert rules.thresholds == {"moderate": {"households": 10}, "major": {"households": 50}}


def test_hazard_any_expands_to_every_hazard(tmp_path: Path) -> None:
    rules = write_files(tmp_path).load()
    assert rules.rules[0].hazards == HAZARDS


def test_escalation_timing_falls_back_to_fifteen_minutes_without_an_escalation_section(tmp_path: Path) -> None:
    agencies = AGENCIES.replace("escalation:\n  ack_window_minutes: 15\n  escalate_after_minutes: 15\n", "")
    rules = write_files(tmp_path, agencies=agencies).load()
    assert (rules.agencies["BPBD"].ack_window_minutes, rules.agencies["BPBD"].escalate_after) == (15, (15,))


def test_the_escalation_section_sets_every_agencys_default(tmp_path: Path) -> None:
    agencies = AGENCIES.replace(
        "ack_window_minutes: 15\n  escalate_after_minutes: 15",
        "ack_window_minutes: 5\n  escalate_after_minutes: [7, 9]",
    )
    rules = write_files(tmp_path, agencies=agencies).load()
    assert (rules.agencies["BPBD"].ack_window_minutes, rules.agencies["BPBD"].escalate_after) == (5, (7, 9))


def test_text_is_read_as_written_even_where_yaml_would_guess_a_type(tmp_path: Path) -> None:
    rules_text = RULES.replace("{id: cek lokasi, en: check the site}", "{id: no, en: 1.5}")
    rules = write_files(tmp_path, rules=rules_text).load()
    assert (rules.rules[0].dispatch[0].task_id, rules.rules[0].dispatch[0].task_en) == ("no", "1.5")


def test_an_empty_districts_list_means_the_whole_kabupaten(tmp_path: Path) -> None:
    rules = write_files(tmp_path, rules=RULES.replace("districts: [33.24.15]", "districts: []")).load()
    assert rules.rules[1].districts == ()


def line_of(text: str, fragment: str) -> int:
    """The 1-based line where ``fragment`` first appears in ``text``."""
    return text[: text.index(fragment)].count("\n") + 1


# (case, text replaced, replacement, a fragment of the spoiled text on the line the problem names, problem)
BAD_RULES = [
    ("unknown hazard", "hazard: fire", "hazard: banjir", "hazard: banjir", "unknown hazard 'banjir'"),
    (
        "unknown hazard in a list",
        "hazard: fire",
        "hazard: [fire, flod]",
        "hazard: [fire",
        "unknown hazard 'flod' (did you mean hazard 'flood'?)",
    ),
    (
        "unknown agency",
        "agency: PMI",
        "agency: PMII",
        "agency: PMII",
        "unknown agency code 'PMII' in rule 'fire-care' (did you mean agency 'PMI'?)",
    ),
    ("unknown need", "needs: [medicine]", "needs: [obat]", "needs: [obat]", "unknown need 'obat'"),
    (
        "bad severity",
        "min_severity: moderate",
        "min_severity: severe",
        "min_severity",
        "bad severity 'severe' in rule 'fire-care'",
    ),
    (
        "kecamatan without dots",
        "districts: [33.24.15]",
        "districts: [3324.15]",
        "districts",
        "bad kecamatan code '3324.15'",
    ),
    (
        "desa code where a kecamatan belongs",
        "districts: [33.24.15]",
        "districts: [33.24.15.1002]",
        "districts",
        "bad kecamatan code '33.24.15.1002'",
    ),
    (
        "kecamatan written as a number",
        "districts: [33.24.15]",
        "districts: [33.24]",
        "districts",
        "bad kecamatan code '33.24'",
    ),
    (
        "hazard with no rule",
        "hazard: any",
        "hazard: [flood, fire]",
        "  - name: everything",
        "hazard 'drought' has no rule",
    ),
    (
        "hazard with only conditional rules",
        "hazard: any",
        f"hazard: [{', '.join(h for h in HAZARDS if h != 'fire')}]",
        "  - name: everything",
        "hazard 'fire' only has rules with conditions",
    ),
    (
        "empty Indonesian task",
        "{id: cek lokasi, en: check the site}",
        "{id: '', en: check the site}",
        "{id: ''",
        "the Indonesian task for BPBD in rule 'everything' is empty",
    ),
    (
        "null English task",
        "{id: cek lokasi, en: check the site}",
        "{id: cek lokasi, en: }",
        "{id: cek lokasi, en: }",
        "the English task for BPBD in rule 'everything' is empty",
    ),
    (
        "missing English task",
        "{id: cek lokasi, en: check the site}",
        "{id: cek lokasi}",
        "{id: cek lokasi}",
        "is missing 'en'",
    ),
    (
        "task too long",
        "en: check the site",
        "en: check the site and count every house and person",
        "count every",
        "is 47 characters long; at most 40",
    ),
    (
        "task outside GSM-7",
        "en: check the site",
        "en: check the \u201csite\u201d",
        "\u201csite",
        "outside the SMS (GSM-7) alphabet",
    ),
    (
        "typo in a rule key",
        "min_severity: moderate",
        "min_severty: moderate",
        "min_severty",
        "unknown key 'min_severty' in a rule (did you mean key 'min_severity'?)",
    ),
    ("typo in a top key", "rules:", "rulse:", "rulse:", "unknown key 'rulse' in the rules file"),
    (
        "rule without dispatch",
        "    dispatch:\n      - agency: PMI",
        "    dispatches:\n      - agency: PMI",
        "dispatches",
        "unknown key 'dispatches'",
    ),
    (
        "duplicate rule name",
        "name: fire-care",
        "name: everything",
        "name: everything\n    hazard: fire",
        "duplicate rule name 'everything' (first given at line 7)",
    ),
    (
        "agency twice in one rule",
        "      - agency: BPBD\n        task: {id: data korban",
        "      - agency: PMI\n        task: {id: data korban",
        "      - agency: PMI\n        task: {id: data korban",
        "agency PMI is listed twice in rule 'fire-care'",
    ),
    (
        "zero threshold",
        "moderate: {households: 10}",
        "moderate: {households: 0}",
        "households: 0",
        "must be more than 0, got 0",
    ),
    (
        "unknown count in a threshold",
        "moderate: {households: 10}",
        "moderate: {keluarga: 10}",
        "keluarga",
        "unknown key 'keluarga' in severity 'moderate'",
    ),
    (
        "major below moderate",
        "major: {households: 50}",
        "major: {households: 5}",
        "major:",
        "severity 'major' needs households of at least 'moderate' (10), got 5",
    ),
    (
        "zero clustering window",
        "window_hours: 3",
        "window_hours: 0",
        "window_hours",
        "window_hours must be more than 0",
    ),
    ("not YAML", "  - name: fire-care\n", "  - name: fire-care\n   bad: [\n", "   bad", "not valid YAML"),
]

BAD_AGENCIES = [
    (
        "zero ack window",
        "ack_window_minutes: 20",
        "ack_window_minutes: 0",
        "ack_window_minutes: 0",
        "ack_window_minutes of agency PMI must be more than 0, got 0",
    ),
    (
        "negative ack window",
        "ack_window_minutes: 20",
        "ack_window_minutes: -5",
        "ack_window_minutes: -5",
        "ack_window_minutes of agency PMI must be a whole number, got '-5'",
    ),
    (
        "ack window in words",
        "ack_window_minutes: 20",
        "ack_window_minutes: lima belas",
        "lima belas",
        "must be a whole number, got 'lima belas'",
    ),
    (
        "zero default ack window",
        "  ack_window_minutes: 15",
        "  ack_window_minutes: 0",
        "  ack_window_minutes: 0",
        "ack_window_minutes of 'escalation' must be more than 0",
    ),
    (
        "zero escalation delay",
        "escalate_after_minutes: [10, 30]",
        "escalate_after_minutes: [10, 0]",
        "[10, 0]",
        "escalate_after_minutes of agency PMI must be more than 0",
    ),
    (
        "duplicate agency code",
        "code: PMI",
        "code: BPBD",
        "code: BPBD\n    name: PMI",
        "duplicate agency code 'BPBD' (first given at line 8)",
    ),
    (
        "lower-case agency code",
        "code: PMI",
        "code: pmi",
        "code: pmi",
        "agency code 'pmi' must be capital letters",
    ),
    (
        "typo agencys",
        "agencies:",
        "agencys:",
        "agencys:",
        "unknown key 'agencys' in the agencies file (did you mean key 'agencies'?)",
    ),
    (
        "typo in an agency key",
        "ack_window_minutes: 20",
        "ack_windows_minutes: 20",
        "ack_windows",
        "unknown key 'ack_windows_minutes' in an agency",
    ),
    (
        "missing English role",
        "role: {id: kesehatan, en: health}",
        "role: {id: kesehatan}",
        "role: {id: kesehatan}",
        "the role of agency PMI is missing 'en'",
    ),
    ("empty name", "name: PMI Kendal", "name: ''", "name: ''", "the name of agency PMI is empty"),
    (
        "coordinator sharing an agency code",
        "code: PUSDALOPS",
        "code: BPBD",
        "  code: BPBD",
        "the coordinator's code 'BPBD' is also an agency code",
    ),
    (
        "missing coordinator",
        "coordinator:\n  code: PUSDALOPS\n  name: Pusdalops BPBD\n",
        "",
        "escalation:",
        "the agencies file is missing 'coordinator'",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "at", "problem"), BAD_RULES, ids=[case[0] for case in BAD_RULES])
def test_a_bad_rules_file_is_named_with_its_line_and_problem(
    tmp_path: Path, case: str, old: str, new: str, at: str, problem: str
) -> None:
    assert old in RULES
    text = RULES.replace(old, new, 1)
    files = write_files(tmp_path, rules=text)
    with pytest.raises(RulesError) as caught:
        files.load()
    where = f"{files.rules}:{line_of(text, at)}: "
    assert any(p.startswith(where) and problem in p for p in caught.value.problems), caught.value.problems
    assert f"{where}" in str(caught.value)


@pytest.mark.parametrize(("case", "old", "new", "at", "problem"), BAD_AGENCIES, ids=[case[0] for case in BAD_AGENCIES])
def test_a_bad_agencies_file_is_named_with_its_line_and_problem(
    tmp_path: Path, case: str, old: str, new: str, at: str, problem: str
) -> None:
    assert old in AGENCIES
    text = AGENCIES.replace(old, new, 1)
    files = write_files(tmp_path, agencies=text)
    with pytest.raises(RulesError) as caught:
        files.load()
    where = f"{files.agencies}:{line_of(text, at)}: "
    assert any(p.startswith(where) and problem in p for p in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = RULES.replace("hazard: fire", "hazard: banjir").replace("needs: [medicine]", "needs: [obat]")
    with pytest.raises(RulesError) as caught:
        write_files(tmp_path, rules=text).load()
    assert str(caught.value).startswith("2 problems in the routing files:")
    assert len(caught.value.problems) == 2


def test_a_mistake_in_the_agencies_file_does_not_also_flag_its_agency_as_unknown_in_the_rules(tmp_path: Path) -> None:
    text = AGENCIES.replace("ack_window_minutes: 20", "ack_window_minutes: 0")
    with pytest.raises(RulesError) as caught:
        write_files(tmp_path, agencies=text).load()
    assert len(caught.value.problems) == 1


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    files = write_files(tmp_path)
    missing = tmp_path / "aturan.yaml"
    with pytest.raises(RulesError, match=f"^{missing}: cannot read the file"):
        load_rules(files.agencies, missing)


def test_an_empty_file_is_named(tmp_path: Path) -> None:
    files = write_files(tmp_path, rules="# semua aturan dihapus\n")
    with pytest.raises(RulesError, match=f"^{files.rules}: the file is empty"):
        files.load()


def test_a_file_that_is_a_list_instead_of_a_mapping_is_explained(tmp_path: Path) -> None:
    files = write_files(tmp_path, agencies="- BPBD\n- PMI\n")
    with pytest.raises(RulesError, match=f"{files.agencies}:1: the agencies file must be a set of 'key: value' lines"):
        files.load()


def test_an_unreadable_agencies_list_does_not_flag_every_agency_in_the_rules_as_unknown(tmp_path: Path) -> None:
    files = write_files(tmp_path, agencies=AGENCIES.replace("agencies:", "agencys:"))
    with pytest.raises(RulesError) as caught:
        files.load()
    assert caught.value.problems == (
        f"{files.agencies}:7: unknown key 'agencys' in the agencies file (did you mean key 'agencies'?)",
        f"{files.agencies}:1: the agencies file is missing 'agencies'",
    )
