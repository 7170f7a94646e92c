"""Clustering: reports of one hazard in one desa within the window join one incident, their facts merged."""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.routing.incident import IncidentFacts
from gateway.routing.rules import DEFAULT_CLUSTER_WINDOW

Cluster = tuple[str, str]  # (hazard, desa code): the reports of one cluster may join one incident


def cluster_of(facts: IncidentFacts) -> Cluster | None:
    """The report's or incident's cluster; None without a hazard or a desa (it joins nothing)."""
    if facts.hazard is None or facts.village_code is None:
        return None
    return (facts.hazard, facts.village_code)


def joins_incident(
    current: IncidentFacts,
    current_at: datetime,
    new: IncidentFacts,
    new_at: datetime,
    window: timedelta = DEFAULT_CLUSTER_WINDOW,
) -> bool:
    """Whether a new report belongs to an open incident: same hazard, same desa, at most ``window`` apart.

    ``current_at`` is when the incident was last reported (the gateway's window slides with each report; the
    caller chooses). A report with no hazard or no desa joins nothing. The incident store decides by this rule.
    """
    cluster = cluster_of(current)
    return cluster is not None and cluster == cluster_of(new) and abs(new_at - current_at) <= window


def merge_reports(current: IncidentFacts, new: IncidentFacts) -> IncidentFacts:
    """The incident after one more report: the largest count wins per field (None loses), needs are unioned."""
    return IncidentFacts(
        hazard=current.hazard or new.hazard,
        village_code=current.village_code or new.village_code,
        district_code=current.district_code or new.district_code,
        households=_largest(current.households, new.households),
        people=_largest(current.people, new.people),
        houses=_largest(current.houses, new.houses),
        needs=tuple(sorted(set(current.needs) | set(new.needs))),
    )


def _largest(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
