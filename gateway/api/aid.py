"""The aid ledger per program for the API: what each program allocated, notified, collected and refused."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import Allocation, AllocationRefusal, Incident

PROGRAM_COLUMNS = ("allocated", "notified", "collected", "expired", "refused", "double_prevented", "not_eligible",
                   "not_in_registry")  # fmt: skip


def program_totals(session: Session, incident: Incident) -> list[dict[str, object]]:
    """Per program (and its agency): the ledger's counts over every desa of the incident."""
    table: dict[tuple[str, str], Counter[str]] = {}
    for program, agency, status, notified, count in session.execute(
        select(Allocation.program, Allocation.agency, Allocation.status, Allocation.notified_at.is_not(None),
               func.count())
        .where(Allocation.incident_id == incident.id)
        .group_by(Allocation.program, Allocation.agency, Allocation.status, Allocation.notified_at.is_not(None))
    ):  # fmt: skip
        counts = table.setdefault((program, agency), Counter())
        counts["allocated"] += count
        counts["notified"] += count if notified else 0
        if status in ("collected", "expired"):
            counts[status] += count
    for program, agency, reason, count in session.execute(
        select(AllocationRefusal.program, AllocationRefusal.agency, AllocationRefusal.reason, func.count())
        .where(AllocationRefusal.incident_id == incident.id)
        .group_by(AllocationRefusal.program, AllocationRefusal.agency, AllocationRefusal.reason)
    ):
        counts = table.setdefault((program, agency), Counter())
        counts["refused"] += count
        counts["double_prevented" if reason == "already_allocated" else reason] += count
    return [
        {"program": program, "agency": agency, **{column: counts[column] for column in PROGRAM_COLUMNS}}
        for (program, agency), counts in sorted(table.items())
    ]
