"""The numbers behind the desk's charts: reports per hour, open incidents by hazard and kecamatan, aid per program.

Each figure counts only the incidents the actor may see (``board.visible``): an agency user's charts are made of
the incidents its agency was dispatched to, a coordinator's and a viewer's of all of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gateway.accounts.roles import Actor
from gateway.incidents.board import visible
from gateway.incidents.labels import CLOSED, LocalZone
from gateway.models import Allocation, Incident, Report

MAX_DAYS = 14
DEFAULT_DAYS = 3


@dataclass(frozen=True)
class HourCount:
    """The reports that arrived in one hour, the hour on the region's local clock."""

    hour: datetime
    reports: int


@dataclass(frozen=True)
class ProgramAid:
    """One aid program's allocations, by where they stand: collected, expired, the rest still waiting."""

    program: str
    agency: str
    allocated: int
    collected: int
    expired: int

    @property
    def waiting(self) -> int:
        return self.allocated - self.collected - self.expired


def _visible_ids(actor: Actor, open_only: bool = False) -> Select[tuple[int]]:
    """The ids of the incidents ``actor`` may see, as a subquery for the other tables' figures."""
    query = visible(select(Incident), actor)
    if open_only:
        query = query.where(Incident.status.not_in(CLOSED))
    return query.with_only_columns(Incident.id)


def hours_of(zone: LocalZone, now: datetime, days: int) -> list[datetime]:
    """The local hours of the last ``days`` days, oldest first, ending with the hour ``now`` is in."""
    last = zone.at(now).replace(minute=0, second=0, microsecond=0)
    return [last - timedelta(hours=n) for n in range(days * 24 - 1, -1, -1)]


def reports_per_hour(session: Session, actor: Actor, zone: LocalZone, now: datetime, days: int) -> list[HourCount]:
    """Reports per local hour over the last ``days`` days, every hour listed (zero too)."""
    hours = hours_of(zone, now, days)
    # Counted in the database, one row per UTC hour (Indonesia's offsets are whole hours): reading each report's
    # timestamp into Python cost ~30 ms of CPU per page with 7,000 reports in three days (bench/desk.py).
    if session.get_bind().dialect.name == "sqlite":
        hour = func.strftime("%Y-%m-%d %H:00:00", Report.created_at)
    else:
        hour = func.date_trunc("hour", Report.created_at)
    query = select(hour, func.count()).where(Report.created_at >= hours[0], Report.created_at <= now).group_by(hour)
    if actor.role == "agency":  # a coordinator's or viewer's count needs no join against incidents
        query = query.where(Report.incident_id.in_(_visible_ids(actor)))
    counted: dict[datetime, int] = {}
    for start, count in session.execute(query):
        utc_hour = start if isinstance(start, datetime) else datetime.fromisoformat(start)
        local = zone.at(utc_hour.replace(tzinfo=UTC))
        counted[local] = counted.get(local, 0) + count
    return [HourCount(hour, counted.get(hour, 0)) for hour in hours]


def open_incidents_by_hazard(session: Session, actor: Actor) -> list[tuple[str, int]]:
    """Open incidents per hazard, most first."""
    query = visible(select(Incident), actor).where(Incident.status.not_in(CLOSED))
    rows = session.execute(query.with_only_columns(Incident.hazard, func.count()).group_by(Incident.hazard))
    return sorted(((hazard or "other", n) for hazard, n in rows), key=lambda row: (-row[1], row[0]))


def open_incidents_by_district(session: Session, actor: Actor) -> list[tuple[str, int]]:
    """Open incidents per kecamatan code ("" for none known), most first."""
    query = visible(select(Incident), actor).where(Incident.status.not_in(CLOSED))
    rows = session.execute(
        query.with_only_columns(Incident.district_code, func.count()).group_by(Incident.district_code)
    )
    return sorted(((code or "", n) for code, n in rows), key=lambda row: (-row[1], row[0]))


def aid_by_program(session: Session, actor: Actor, open_only: bool = False) -> list[ProgramAid]:
    """Per program, allocations over the visible incidents (or only the open ones): allocated, collected, expired."""
    table: dict[tuple[str, str], Counter[str]] = {}
    query = select(Allocation.program, Allocation.agency, Allocation.status, func.count())
    if actor.role == "agency" or open_only:
        query = query.where(Allocation.incident_id.in_(_visible_ids(actor, open_only)))
    for program, agency, status, n in session.execute(
        query.group_by(Allocation.program, Allocation.agency, Allocation.status)
    ):
        counts = table.setdefault((program, agency), Counter())
        counts["allocated"] += n  # as in the accountability report: every allocation, whatever became of it
        if status in ("collected", "expired"):
            counts[status] += n
    return [ProgramAid(program, agency, c["allocated"], c["collected"], c["expired"])
            for (program, agency), c in sorted(table.items())]  # fmt: skip
