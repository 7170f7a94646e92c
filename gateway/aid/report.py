"""The accountability report: per agency and desa, what was allocated, notified, collected, expired, refused."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import Allocation, AllocationRefusal, Household, Incident

REPORT_COLUMNS = ("agency", "village_code", "allocated", "notified", "collected", "expired", "refused",
                  "double_prevented", "not_eligible", "not_in_registry")  # fmt: skip


def report_rows(session: Session, incident: Incident) -> list[dict[str, object]]:
    """Per agency and desa: allocated, notified, collected, expired, refused (by reason)."""
    table: dict[tuple[str, str], Counter[str]] = {}
    for agency, village, status, notified, count in session.execute(
        select(Allocation.agency, Household.village_code, Allocation.status, Allocation.notified_at.is_not(None),
               func.count())
        .join(Household, Household.id == Allocation.household_id)
        .where(Allocation.incident_id == incident.id)
        .group_by(Allocation.agency, Household.village_code, Allocation.status, Allocation.notified_at.is_not(None))
    ):  # fmt: skip
        counts = table.setdefault((agency, village or "-"), Counter())
        counts["allocated"] += count
        counts["notified"] += count if notified else 0
        if status in ("collected", "expired"):
            counts[status] += count
    for agency, village, reason, count in session.execute(
        select(AllocationRefusal.agency, Household.village_code, AllocationRefusal.reason, func.count())
        .outerjoin(Household, Household.id == AllocationRefusal.household_id)
        .where(AllocationRefusal.incident_id == incident.id)
        .group_by(AllocationRefusal.agency, Household.village_code, AllocationRefusal.reason)
    ):
        counts = table.setdefault((agency, village or "-"), Counter())
        counts["refused"] += count
        counts["double_prevented" if reason == "already_allocated" else reason] += count
    return [
        {"agency": agency, "village_code": village, **{c: counts[c] for c in REPORT_COLUMNS[2:]}}
        for (agency, village), counts in sorted(table.items())
    ]
