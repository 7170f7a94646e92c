"""The incident store: reports join or open incidents (one per hazard, desa and window), under a lock per cluster."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, text, tuple_
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.incidents.audit import log_event
from gateway.incidents.labels import CLOSED
from gateway.models import Dispatch, InboundMessage, Incident, Report
from gateway.models.incidents import REF_OFFSET
from gateway.routing import IncidentFacts, Rules, merge_reports
from gateway.routing.clustering import cluster_of, joins_incident

if TYPE_CHECKING:
    from gateway.parsers import ParseResult


def facts_of(incident: Incident) -> IncidentFacts:
    """What routing and clustering need to know about an incident."""
    return IncidentFacts(
        hazard=incident.hazard, village_code=incident.village_code, district_code=incident.district_code,
        households=incident.households, people=incident.people, houses=incident.houses,
        needs=tuple(incident.needs.split()),
    )  # fmt: skip


def report_facts(result: ParseResult) -> IncidentFacts:
    """What a complete report says about its incident."""
    return IncidentFacts(
        hazard=result.hazard, village_code=result.village_code, district_code=result.district_code,
        households=result.households, people=result.people, houses=result.houses, needs=tuple(result.needs),
    )  # fmt: skip


@dataclass(frozen=True)
class Recorded:
    incident: Incident
    created: bool
    before: IncidentFacts | None = None  # the joined incident's facts before this report


class OpenIncidents:
    """The open incidents that a batch of reports may join, locked and read once for the whole batch.

    Reports of one hazard and desa are serialised, so two workers cannot open two incidents for them: SQLite
    transactions take the write lock up front (BEGIN IMMEDIATE); PostgreSQL takes an advisory lock per cluster,
    held until the transaction ends, for every cluster of the batch at once and in sorted order, so two
    workers' batches cannot deadlock. Whether a report joins an incident is decided by the one clustering rule,
    ``routing.joins_incident``; the query only narrows the candidates to the batch's clusters and window.
    """

    def __init__(self, session: Session, rules: Rules, reports: Iterable[IncidentFacts]) -> None:
        self.window = rules.cluster_window
        self._open: dict[tuple[str | None, str | None], list[Incident]] = {}  # by (hazard, desa)
        wanted = sorted({cluster for cluster in map(cluster_of, reports) if cluster is not None})
        if not wanted:
            return
        if session.get_bind().dialect.name == "postgresql":
            keys = sorted({zlib.crc32(f"{h}|{v}".encode()) for h, v in wanted})
            session.execute(LOCK_CLUSTERS, {"keys": keys})
        candidates = session.scalars(
            select(Incident)
            .where(
                tuple_(Incident.hazard, Incident.village_code).in_(wanted),
                Incident.status.not_in(CLOSED),
                Incident.last_report_at >= utcnow() - rules.cluster_window,
            )
            .order_by(Incident.id.desc())
        )
        for incident in candidates:
            self._open.setdefault((incident.hazard, incident.village_code), []).append(incident)

    def find(self, report: IncidentFacts, at: datetime) -> Incident | None:
        """The newest open incident the report joins (one an earlier message of the batch closed is not open)."""
        cluster = cluster_of(report)
        for incident in self._open.get(cluster, []) if cluster else []:
            if incident.status not in CLOSED and joins_incident(
                facts_of(incident), incident.last_report_at, report, at, self.window
            ):
                return incident
        return None

    def opened(self, incident: Incident) -> None:
        self._open.setdefault((incident.hazard, incident.village_code), []).insert(0, incident)


# One statement locks every cluster of a batch; unnest keeps the sorted order of the array.
LOCK_CLUSTERS = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k")


def record_report(
    session: Session, inbound: InboundMessage, result: ParseResult, rules: Rules, channel: str = "sms",
    open_incidents: OpenIncidents | None = None,
) -> Recorded:  # fmt: skip
    """Store a complete report: join the open incident of the same hazard and desa within the window, or open one.

    ``open_incidents`` is the batch's (see OpenIncidents); without it, the report's cluster is locked and read.
    """
    now = utcnow()
    new = report_facts(result)
    if open_incidents is None:
        open_incidents = OpenIncidents(session, rules, [new])
    incident = open_incidents.find(new, now)
    created = incident is None
    before = None if incident is None else facts_of(incident)
    if incident is None:
        incident = Incident(
            hazard=new.hazard, village_code=new.village_code, district_code=new.kecamatan, status="reported",
            households=new.households, people=new.people, houses=new.houses, needs=" ".join(new.needs),
            created_at=now, updated_at=now, last_report_at=now,
        )  # fmt: skip
        session.add(incident)
        session.flush()
        incident.ref = str(REF_OFFSET + incident.id)
        open_incidents.opened(incident)
        log_event(session, incident.id, "created", channel, phone=inbound.phone)
    else:
        assert before is not None
        merged = merge_reports(before, new)
        incident.households, incident.people, incident.houses = merged.households, merged.people, merged.houses
        incident.needs = " ".join(merged.needs)
        incident.updated_at = incident.last_report_at = now
        log_event(session, incident.id, "report_joined", channel, phone=inbound.phone)
    session.add(
        Report(
            inbound_id=inbound.id, incident_id=incident.id, channel=channel, hazard=new.hazard,
            village_code=new.village_code, households=new.households, people=new.people, houses=new.houses,
            needs=" ".join(new.needs), created_at=now,
        )
    )  # fmt: skip
    return Recorded(incident, created, before)


def reporter_phones(session: Session, incident_id: int) -> list[str]:
    """Every distinct phone that reported this incident, in the order they reported."""
    phones = session.scalars(
        select(InboundMessage.phone)
        .join(Report, Report.inbound_id == InboundMessage.id)
        .where(Report.incident_id == incident_id)
        .order_by(Report.id)
    )
    return list(dict.fromkeys(phones))


def find_incident(session: Session, ref: str) -> Incident | None:
    """The incident with reference ``ref``, if any."""
    return session.scalars(select(Incident).where(Incident.ref == ref.strip())).first()


def dispatches_of(session: Session, incident_ids: Sequence[int]) -> dict[int, list[Dispatch]]:
    """Each incident's dispatches, oldest first, read in one query."""
    found: dict[int, list[Dispatch]] = {incident_id: [] for incident_id in incident_ids}
    for dispatch in session.scalars(
        select(Dispatch).where(Dispatch.incident_id.in_(list(incident_ids))).order_by(Dispatch.id)
    ):
        found[dispatch.incident_id].append(dispatch)
    return found


def recent_incidents(session: Session, include_closed: bool, limit: int) -> list[Incident]:
    """The newest incidents, open ones only unless ``include_closed``."""
    query = select(Incident).order_by(Incident.id.desc()).limit(limit)
    if not include_closed:
        query = query.where(Incident.status.not_in(CLOSED))
    return list(session.scalars(query))


def reports_of(session: Session, incident_id: int) -> list[Report]:
    """The incident's reports, oldest first."""
    return list(session.scalars(select(Report).where(Report.incident_id == incident_id).order_by(Report.id)))
