"""Routing: which agencies an incident goes to under the shipped rules, and how their tasks merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.routing import HAZARDS, NEEDS, Dispatch, IncidentFacts, Rules, route, severity_of
from gateway.routing.rules import TASK_MAX_SEPTETS, septets_of
from tests.routing.conftest import RULES, write_files

KENDAL = "33.24.15"  # kecamatan Kendal, on the coast
SUKOREJO = "33.24.03"  # a hill kecamatan


def agencies(facts: IncidentFacts, rules: Rules) -> list[str]:
    """The agencies ``facts`` is routed to, in order."""
    return [dispatch.agency for dispatch in route(facts, rules)]


# A small report (minor), in a lowland kecamatan, with no needs named.
EVERY_HAZARD = [
    ("flood", ["BPBD", "DINSOS", "TAGANA"]),
    ("flash_flood", ["BPBD", "DINSOS", "TAGANA"]),
    ("tidal_flood", ["BPBD", "DINSOS", "TAGANA"]),
    ("landslide", ["BPBD", "DINSOS"]),
    ("earthquake", ["BPBD", "DINSOS", "BAZNAS", "PMI"]),
    ("tsunami", ["BPBD", "DINSOS", "PMI", "TAGANA"]),
    ("eruption", ["BPBD", "DINSOS", "PMI"]),
    ("extreme_weather", ["BPBD"]),
    ("drought", ["BPBD"]),
    ("wildfire", ["BPBD", "RELAWAN"]),
    ("fire", ["BPBD", "DINSOS", "BAZNAS"]),
    ("abrasion", ["BPBD"]),
    ("other", ["BPBD"]),
]


def test_the_table_covers_every_hazard() -> None:
    assert [hazard for hazard, _ in EVERY_HAZARD] == list(HAZARDS)


@pytest.mark.parametrize(("hazard", "expected"), EVERY_HAZARD)
def test_a_small_report_of_each_hazard_goes_to_its_agencies(shipped: Rules, hazard: str, expected: list[str]) -> None:
    facts = IncidentFacts(hazard, village_code=f"{KENDAL}.1002", households=2)
    assert agencies(facts, shipped) == expected


# The same hazards when the incident is major (60 KK, 12 houses): public kitchens and house rebuilding join.
EVERY_HAZARD_MAJOR = [
    ("flood", ["BPBD", "DINSOS", "TAGANA"], "logistik & kebutuhan dasar, dapur umum"),
    ("flash_flood", ["BPBD", "DINSOS", "BAZNAS", "TAGANA"], "logistik & kebutuhan dasar, dapur umum"),
    ("tidal_flood", ["BPBD", "DINSOS", "TAGANA"], "logistik & kebutuhan dasar, dapur umum"),
    ("landslide", ["BPBD", "DINSOS", "BAZNAS"], "logistik & kebutuhan dasar"),
    ("earthquake", ["BPBD", "DINSOS", "BAZNAS", "PMI"], "logistik & kebutuhan dasar"),
    ("tsunami", ["BPBD", "DINSOS", "BAZNAS", "PMI", "TAGANA"], "logistik & kebutuhan dasar"),
    ("eruption", ["BPBD", "DINSOS", "PMI"], "logistik & kebutuhan dasar"),
    ("extreme_weather", ["BPBD", "BAZNAS"], None),
    ("drought", ["BPBD"], None),
    ("wildfire", ["BPBD", "RELAWAN"], None),
    ("fire", ["BPBD", "DINSOS", "BAZNAS"], "logistik & kebutuhan dasar"),
    ("abrasion", ["BPBD", "BAZNAS"], None),
    ("other", ["BPBD"], None),
]


@pytest.mark.parametrize(("hazard", "expected", "dinsos_task"), EVERY_HAZARD_MAJOR)
def test_a_major_incident_of_each_hazard_goes_to_its_agencies(
    shipped: Rules, hazard: str, expected: list[str], dinsos_task: str | None
) -> None:
    facts = IncidentFacts(hazard, village_code=f"{KENDAL}.1002", households=60, houses=12)
    dispatches = route(facts, shipped)
    assert [d.agency for d in dispatches] == expected
    assert {d.agency: d.task_id for d in dispatches}.get("DINSOS") == dinsos_task


def test_a_house_fire_of_ten_households_goes_to_bpbd_dinsos_and_baznas_at_once(shipped: Rules) -> None:
    dispatches = route(IncidentFacts("fire", village_code=f"{KENDAL}.1002", households=10), shipped)
    assert dispatches == [
        Dispatch("BPBD", "data korban & kerusakan", "list victims & damage", "kebakaran-rumah (fire, moderate)"),
        Dispatch("DINSOS", "logistik & kebutuhan dasar", "relief & basic needs", "kebakaran-rumah (fire, moderate)"),
        Dispatch("BAZNAS", "data & perbaikan rumah", "assess & rebuild houses", "kebakaran-rumah (fire, moderate)"),
    ]


def test_a_house_fire_needing_medicine_also_goes_to_pmi(shipped: Rules) -> None:
    facts = IncidentFacts("fire", households=10, needs=("medicine",))
    assert agencies(facts, shipped) == ["BPBD", "DINSOS", "BAZNAS", "PMI"]


@pytest.mark.parametrize(
    ("households", "people", "houses", "severity"),
    [
        (None, None, None, "minor"),
        (9, 29, None, "minor"),
        (10, None, None, "moderate"),
        (None, 30, None, "moderate"),
        (None, None, 1, "moderate"),
        (49, 149, 9, "moderate"),
        (50, None, None, "major"),
        (None, 150, None, "major"),
        (None, None, 10, "major"),
        (1, 1, 10, "major"),
        (0, 0, 0, "minor"),
    ],
)
def test_severity_is_the_highest_level_any_count_reaches(
    shipped: Rules, households: int | None, people: int | None, houses: int | None, severity: str
) -> None:
    facts = IncidentFacts("flood", households=households, people=people, houses=houses)
    assert severity_of(facts, shipped) == severity


def test_severity_ignores_counts_a_threshold_does_not_name(small: Rules) -> None:
    assert severity_of(IncidentFacts("fire", people=10_000, houses=500), small) == "minor"
    assert severity_of(IncidentFacts("fire", households=10), small) == "moderate"


@pytest.mark.parametrize(
    ("households", "expected"),
    [(None, ["BPBD", "DINSOS"]), (9, ["BPBD", "DINSOS"]), (10, ["BPBD", "DINSOS", "BAZNAS"])],
)
def test_a_landslide_brings_baznas_from_moderate_severity(
    shipped: Rules, households: int | None, expected: list[str]
) -> None:
    assert agencies(IncidentFacts("landslide", district_code=KENDAL, households=households), shipped) == expected


@pytest.mark.parametrize(
    ("village_code", "district_code", "tagana"),
    [
        (f"{SUKOREJO}.2001", SUKOREJO, True),
        (f"{SUKOREJO}.2001", None, True),  # the kecamatan is read from the desa code
        (None, SUKOREJO, True),
        (f"{KENDAL}.1002", KENDAL, False),
        (None, None, False),  # unknown place: area-limited rules do not apply
    ],
)
def test_a_landslide_in_the_hills_also_goes_to_tagana(
    shipped: Rules, village_code: str | None, district_code: str | None, tagana: bool
) -> None:
    facts = IncidentFacts("landslide", village_code=village_code, district_code=district_code)
    assert ("TAGANA" in agencies(facts, shipped)) is tagana


@pytest.mark.parametrize(
    ("hazard", "needs", "added"),
    [
        ("drought", ("medicine",), ["PMI"]),
        ("drought", ("kitchen",), ["DINSOS"]),
        ("drought", ("food",), ["DINSOS"]),
        ("other", ("blankets",), ["DINSOS"]),
        ("other", ("baby", "hygiene"), ["DINSOS"]),
        ("wildfire", ("evacuation",), ["TAGANA"]),
        ("abrasion", ("shelter",), []),
        ("earthquake", ("medicine",), []),  # PMI already goes, once
        ("other", ("water",), []),
    ],
)
def test_a_named_need_brings_the_agency_that_meets_it(
    shipped: Rules, hazard: str, needs: tuple[str, ...], added: list[str]
) -> None:
    without = agencies(IncidentFacts(hazard), shipped)
    with_needs = agencies(IncidentFacts(hazard, needs=needs), shipped)
    assert [code for code in with_needs if code not in without] == added


def test_each_agency_gets_one_dispatch_with_its_tasks_merged(shipped: Rules) -> None:
    facts = IncidentFacts("flood", households=60, needs=("blankets", "food", "kitchen"))
    dinsos = [d for d in route(facts, shipped) if d.agency == "DINSOS"]
    assert dinsos == [
        Dispatch(
            "DINSOS",
            "logistik & kebutuhan dasar, dapur umum",
            "relief & basic needs, public kitchen",
            "banjir + banjir-besar + butuh-makan + butuh-barang (flood, major)",
        )
    ]


def test_a_merged_task_too_long_for_an_alert_keeps_what_fits_and_says_there_is_more(shipped: Rules) -> None:
    facts = IncidentFacts("fire", needs=("water", "evacuation"))
    bpbd = route(facts, shipped)[0]
    assert (bpbd.task_id, bpbd.task_en) == ("data korban & kerusakan, dll", "list victims & damage, etc.")
    assert bpbd.reason == "kebakaran-rumah + butuh-air + butuh-evakuasi (fire, minor)"


@pytest.mark.parametrize("hazard", HAZARDS)
def test_every_task_fits_an_alert_even_with_every_need_named(shipped: Rules, hazard: str) -> None:
    facts = IncidentFacts(hazard, district_code=SUKOREJO, households=100, needs=NEEDS)
    for dispatch in route(facts, shipped):
        assert septets_of(dispatch.task_id) <= TASK_MAX_SEPTETS
        assert septets_of(dispatch.task_en) <= TASK_MAX_SEPTETS


@pytest.mark.parametrize("hazard", [None, "volcano", ""])
def test_a_missing_or_unknown_hazard_routes_as_other(shipped: Rules, hazard: str | None) -> None:
    assert route(IncidentFacts(hazard), shipped) == route(IncidentFacts("other"), shipped)


def test_unknown_needs_are_ignored(shipped: Rules) -> None:
    assert route(IncidentFacts("flood", needs=("unicorns",)), shipped) == route(IncidentFacts("flood"), shipped)


def test_dispatches_come_in_agencies_file_order_not_rule_order(small: Rules) -> None:
    facts = IncidentFacts("fire", district_code="33.24.15", households=10, needs=("medicine",))
    assert [(d.agency, d.task_id) for d in route(facts, small)] == [
        ("BPBD", "cek lokasi, data korban"),
        ("PMI", "layanan kesehatan"),
    ]


@pytest.mark.parametrize(
    ("district_code", "households", "needs", "pmi"),
    [
        ("33.24.15", 10, ("medicine",), True),
        ("33.24.14", 10, ("medicine",), False),  # another kecamatan
        ("33.24.15", 9, ("medicine",), False),  # below min_severity
        ("33.24.15", 10, ("food",), False),  # not a need the rule names
    ],
)
def test_a_rule_applies_only_when_every_condition_it_sets_holds(
    small: Rules, district_code: str, households: int, needs: tuple[str, ...], pmi: bool
) -> None:
    facts = IncidentFacts("fire", district_code=district_code, households=households, needs=needs)
    assert ("PMI" in agencies(facts, small)) is pmi


def test_routing_is_pure_and_deterministic(shipped: Rules) -> None:
    facts = IncidentFacts("earthquake", village_code="33.24.03.2001", people=400, needs=("medicine", "water"))
    assert route(facts, shipped) == route(facts, shipped)
    assert facts == IncidentFacts("earthquake", village_code="33.24.03.2001", people=400, needs=("medicine", "water"))


def test_a_district_can_add_a_rule_for_one_kecamatan(tmp_path: Path) -> None:
    extra = RULES + (
        "  - name: rob-pantai\n"
        "    hazard: tidal_flood\n"
        "    districts: [33.24.14]\n"
        "    dispatch:\n"
        "      - agency: PMI\n"
        "        task: {id: posko kesehatan, en: health post}\n"
    )
    rules = write_files(tmp_path, rules=extra).load()
    assert agencies(IncidentFacts("tidal_flood", village_code="33.24.14.2003"), rules) == ["BPBD", "PMI"]
    assert agencies(IncidentFacts("tidal_flood", village_code="33.24.15.2003"), rules) == ["BPBD"]
