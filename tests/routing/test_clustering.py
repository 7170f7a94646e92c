"""Clustering: reports of the same hazard in the same desa within the window join one incident."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gateway.routing import IncidentFacts, Rules, merge_reports
from gateway.routing.clustering import joins_incident

WIB = timezone(timedelta(hours=7))
OPENED = datetime(2025, 2, 3, 5, 30, tzinfo=WIB)
DESA = "33.24.15.1002"
FLOOD = IncidentFacts("flood", village_code=DESA, district_code="33.24.15", households=25)


@pytest.mark.parametrize(
    ("current", "new", "merged"),
    [
        (
            IncidentFacts("flood", DESA, "33.24.15", households=25, needs=("food",)),
            IncidentFacts("flood", DESA, None, households=40, people=120, needs=("blankets", "food")),
            IncidentFacts("flood", DESA, "33.24.15", households=40, people=120, needs=("blankets", "food")),
        ),
        (
            IncidentFacts("flood", DESA, households=40, houses=3),
            IncidentFacts("flood", DESA, households=12, houses=None),
            IncidentFacts("flood", DESA, households=40, houses=3),
        ),
        (
            IncidentFacts("fire", DESA, people=None, needs=("water", "medicine")),
            IncidentFacts("fire", DESA, people=0, needs=("kitchen",)),
            IncidentFacts("fire", DESA, people=0, needs=("kitchen", "medicine", "water")),
        ),
        (
            IncidentFacts("landslide", DESA),
            IncidentFacts("landslide", DESA),
            IncidentFacts("landslide", DESA),
        ),
    ],
    ids=["larger counts and new needs", "a smaller or missing count loses", "zero beats none", "nothing to merge"],
)
def test_merging_keeps_the_largest_count_and_unions_the_needs(
    current: IncidentFacts, new: IncidentFacts, merged: IncidentFacts
) -> None:
    assert merge_reports(current, new) == merged


def test_merging_fills_in_a_place_the_first_report_lacked() -> None:
    merged = merge_reports(IncidentFacts("flood", DESA), IncidentFacts("flood", DESA, "33.24.15"))
    assert merged.district_code == "33.24.15"


def test_merging_is_the_same_in_either_order_for_counts_and_needs() -> None:
    a = IncidentFacts("flood", DESA, households=5, people=90, needs=("water",))
    b = IncidentFacts("flood", DESA, households=30, people=None, houses=2, needs=("baby", "water"))
    assert merge_reports(a, b) == merge_reports(b, a)


@pytest.mark.parametrize(
    ("new", "after", "joins"),
    [
        (FLOOD, timedelta(minutes=5), True),
        (FLOOD, timedelta(hours=6), True),
        (FLOOD, timedelta(hours=6, seconds=1), False),
        (FLOOD, -timedelta(hours=1), True),  # an SMS delivered late, sent before the incident was opened
        (IncidentFacts("flash_flood", village_code=DESA), timedelta(minutes=5), False),
        (IncidentFacts("flood", village_code="33.24.15.1003"), timedelta(minutes=5), False),
        (IncidentFacts("flood", village_code=None, district_code="33.24.15"), timedelta(minutes=5), False),
        (IncidentFacts(None, village_code=DESA), timedelta(minutes=5), False),
    ],
)
def test_a_report_joins_an_incident_of_the_same_hazard_and_desa_within_six_hours(
    new: IncidentFacts, after: timedelta, joins: bool
) -> None:
    assert joins_incident(FLOOD, OPENED, new, OPENED + after) is joins


def test_an_incident_without_a_desa_is_joined_by_nothing() -> None:
    nowhere = IncidentFacts("flood")
    assert joins_incident(nowhere, OPENED, nowhere, OPENED) is False


def test_the_window_comes_from_the_rules_file(small: Rules) -> None:
    assert joins_incident(FLOOD, OPENED, FLOOD, OPENED + timedelta(hours=3), small.cluster_window) is True
    assert joins_incident(FLOOD, OPENED, FLOOD, OPENED + timedelta(hours=4), small.cluster_window) is False
