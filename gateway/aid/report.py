"""The accountability report: per agency and desa (or per program), what was allocated, notified, collected,
expired and refused. One tally for the CLI's report, the desk's ledger and the API."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import Allocation, AllocationRefusal, Household, Incident

COUNTS = ("allocated", "notified", "collected", "expired", "refused", "double_prevented", "not_eligible",
          "not_in_registry")  # fmt: skip
REPORT_COLUMNS = ("agency", "village_code", *COUNTS)
PROGRAM_COLUMNS = ("program", "agency", *COUNTS)


def report_rows(session: Session, incident: Incident) -> list[dict[str, object]]:
    """Per agency and desa: allocated, notified, collected, expired, refused (by reason)."""
    return _rows(_tally(session, incident, per_program=False), REPORT_COLUMNS)


def program_rows(session: Session, incident: Incident) -> list[dict[str, object]]:
    """Per program (and its agency), over every desa of the incident: the same counts."""
    return _rows(_tally(session, incident, per_program=True), PROGRAM_COLUMNS)


def _tally(session: Session, incident: Incident, per_program: bool) -> dict[tuple[str, str], Counter[str]]:
    """Count allocations by status and refusals by reason, keyed by (program, agency) or (agency, desa)."""
    notified = Allocation.notified_at.is_not(None)
    allocation_key = (Allocation.program, Allocation.agency) if per_program else (Allocation.agency,
                                                                                  Household.village_code)  # fmt: skip
    allocations = (
        select(*allocation_key, Allocation.status, notified, func.count())
        .where(Allocation.incident_id == incident.id)
        .group_by(*allocation_key, Allocation.status, notified)
    )
    refusal_key = (AllocationRefusal.program, AllocationRefusal.agency) if per_program else (
        AllocationRefusal.agency, Household.village_code)  # fmt: skip
    refusals = (
        select(*refusal_key, AllocationRefusal.reason, func.count())
        .where(AllocationRefusal.incident_id == incident.id)
        .group_by(*refusal_key, AllocationRefusal.reason)
    )
    if not per_program:  # the desa is the household's
        allocations = allocations.join(Household, Household.id == Allocation.household_id)
        refusals = refusals.outerjoin(Household, Household.id == AllocationRefusal.household_id)
    table: dict[tuple[str, str], Counter[str]] = {}
    for first, second, status, was_notified, count in session.execute(allocations):
        counts = table.setdefault((first, second or "-"), Counter())
        counts["allocated"] += count
        counts["notified"] += count if was_notified else 0
        if status in ("collected", "expired"):
            counts[status] += count
    for first, second, reason, count in session.execute(refusals):
        counts = table.setdefault((first, second or "-"), Counter())
        counts["refused"] += count
        counts["double_prevented" if reason == "already_allocated" else reason] += count
    return table


def _rows(table: dict[tuple[str, str], Counter[str]], columns: tuple[str, ...]) -> list[dict[str, object]]:
    return [
        {columns[0]: first, columns[1]: second, **{c: counts[c] for c in COUNTS}}
        for (first, second), counts in sorted(table.items())
    ]
