"""One incident's record, for people and machines: its facts, dispatches and audit trail, on the region's clock.

Phones are masked; KKs and NIKs never reach the trail unmasked (the events are written masked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.incidents.audit import trail
from gateway.incidents.labels import LocalZone, facts_summary, hazard_label, place_name, village_label
from gateway.incidents.store import dispatches_of, reports_of
from gateway.models import Dispatch, Incident, Officer, Report
from gateway.parsers import Region
from gateway.phones import mask_phone

REPORT_ACTIONS = ("created", "report_joined")  # each written with its report, in the same order


@dataclass(frozen=True)
class Entry:
    """One line of the audit trail as shown: when (UTC), what, through which channel, by whom."""

    at: datetime
    action: str
    channel: str
    by: str | None  # the phone, masked
    officer_id: int | None
    officer: str | None  # ``Budi, BPBD officer #1``
    detail: str
    user: str | None = None  # the desk user (web) or API token who did it


@dataclass(frozen=True)
class IncidentRecord:
    """What ``gateway incident REF`` shows."""

    incident: Incident
    place: str
    dispatches: Sequence[Dispatch]
    trail: Sequence[Entry]
    zone: LocalZone


def incident_record(session: Session, incident: Incident, region: Region, zone: LocalZone) -> IncidentRecord:
    """Read the incident's dispatches and audit trail, each report's facts and each officer's name."""
    events = trail(session, incident.id)
    wanted = {e.officer_id for e in events if e.officer_id is not None}
    officers = {o.id: o for o in session.scalars(select(Officer).where(Officer.id.in_(sorted(wanted))))}
    reports = iter(reports_of(session, incident.id))
    entries = []
    for event in events:
        detail = event.detail
        if event.action in REPORT_ACTIONS:
            report = next(reports, None)
            detail = detail or (_report_summary(report, region) if report else "")
        officer = officers.get(event.officer_id) if event.officer_id is not None else None
        entries.append(Entry(
            at=event.at, action=event.action, channel=event.channel,
            by=mask_phone(event.phone) if event.phone else None, officer_id=event.officer_id,
            officer=f"{officer.name}, {officer.agency} {officer.role} #{officer.id}" if officer else None,
            detail=detail, user=event.username,
        ))  # fmt: skip
    place = place_name(region, incident.village_code)
    return IncidentRecord(incident, place, dispatches_of(session, [incident.id])[incident.id], entries, zone)


def _report_summary(report: Report, region: Region) -> str:
    """``flood at Sukodono: 25 KK. Needs: food.``: what one report said, in English."""
    facts = facts_summary(report, "en") or "no counts"
    return f"{hazard_label(report.hazard, 'en')} at {village_label(region, report.village_code)}: {facts}"


def record_json(record: IncidentRecord) -> dict[str, object]:
    """The record as one JSON object: facts, dispatches and the trail, times in ISO 8601 on the local clock."""
    incident, zone = record.incident, record.zone

    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else zone.iso(moment)

    return {
        "ref": incident.ref, "status": incident.status, "hazard": incident.hazard, "place": record.place,
        "village_code": incident.village_code, "district_code": incident.district_code,
        "households": incident.households, "people": incident.people, "houses": incident.houses,
        "needs": incident.needs.split(), "created_at": iso(incident.created_at), "updated_at": iso(incident.updated_at),
        "last_report_at": iso(incident.last_report_at), "zone": zone.name, "utc_offset": zone.offset,
        "dispatches": [
            {"agency": d.agency, "task": d.task, "task_en": d.task_en, "reason": d.reason,
             "created_at": iso(d.created_at), "acknowledged_at": iso(d.acknowledged_at),
             "acknowledged_by": d.acknowledged_by, "escalation_level": d.escalation_level,
             "next_escalation_at": iso(d.next_escalation_at)}
            for d in record.dispatches
        ],
        "trail": [
            {"at": iso(e.at), "action": e.action, "channel": e.channel, "by": e.by, "officer_id": e.officer_id,
             "officer": e.officer, "user": e.user, "detail": e.detail}
            for e in record.trail
        ],
    }  # fmt: skip


def record_lines(record: IncidentRecord) -> list[str]:
    """The record as a person reads it: the facts, one line per dispatch, then the trail, in local time."""
    incident, zone = record.incident, record.zone
    lines = [f"incident {incident.ref}: {incident.hazard} at {record.place}, {incident.status}; "
             f"{facts_summary(incident, 'en') or 'no counts'}"]  # fmt: skip
    for d in record.dispatches:
        state = f"acknowledged {zone.show(d.acknowledged_at)}" if d.acknowledged_at else "not acknowledged"
        lines.append(f"  {d.agency:<8} {d.task_en or d.task} ({state}, escalation level {d.escalation_level})")
    lines.append(f"audit trail ({zone.name}, UTC{zone.offset}):")
    for e in record.trail:
        who = f" by {e.by}" if e.by else f" by {e.user}" if e.user else ""
        officer = f" [{e.officer}]" if e.officer else ""
        at = zone.at(e.at).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"  {at} {e.action:<14} via {e.channel}{who} {e.detail}".rstrip() + officer)
    return lines
