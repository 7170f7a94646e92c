"""Alerts: dispatch an incident to the agencies the rules name, alert their officers, escalate silence."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import utcnow
from gateway.incidents.audit import log_event
from gateway.incidents.labels import CLOSED, facts_summary, hazard_label, place_name
from gateway.incidents.store import facts_of
from gateway.models import Dispatch, Incident, Officer
from gateway.parsers import Region
from gateway.people.contacts import languages_of
from gateway.routing import Dispatch as RoutedDispatch
from gateway.routing import IncidentFacts, Rules, escalation_due, escalation_schedule, route
from gateway.sms.queue import SmsRequest, queue_sms_many

log = logging.getLogger(__name__)

ESCALATION_BATCH = 100


class Roster:
    """The on-duty officers of some agencies, read in one query, to pick recipients from."""

    def __init__(self, session: Session, agencies: Iterable[str]) -> None:
        self.officers = list(session.scalars(
            select(Officer).where(Officer.agency.in_(sorted(set(agencies))), Officer.on_duty.is_(True))
            .order_by(Officer.id)
        ))  # fmt: skip

    def of(self, agency: str, role: str, district_code: str | None) -> list[Officer]:
        """On-duty officers of ``agency`` with ``role`` whose area covers the kecamatan."""
        return [o for o in self.officers if o.agency == agency and o.role == role and o.covers(district_code)]


@dataclass(frozen=True)
class Alert:
    """One alert or escalation SMS to queue for one officer about one dispatch, once per key."""

    incident: Incident
    dispatch: Dispatch
    officer: Officer
    template: str
    key: str
    extra: Mapping[str, object] = field(default_factory=dict)


def dispatch_incident(
    session: Session, settings: Settings, rules: Rules, region: Region, incident: Incident,
    cause: int | None = None, before: IncidentFacts | None = None,
) -> list[int]:  # fmt: skip
    """Create a dispatch for every agency the rules want and the incident does not have yet; alert their officers.

    Called when an incident opens and again when a report changes it (a larger count can reach more agencies).
    ``cause`` is the inbound message that led here, kept on each alert. ``before``, the incident's facts before
    that report: when they route to the same tasks as now, the last call already did all there is to do.
    Returns the send jobs to hand off after the commit.
    """
    wanted_now = route(facts_of(incident), rules)
    if before is not None and _tasks(route(before, rules)) == _tasks(wanted_now):
        return []  # most reports to an open incident change nothing routing reads
    now = utcnow()
    have = {d.agency: d for d in session.scalars(select(Dispatch).where(Dispatch.incident_id == incident.id))}
    changed: list[Dispatch] = []
    for wanted in wanted_now:
        dispatch = have.get(wanted.agency)
        if dispatch is not None and dispatch.task == wanted.task_id:
            continue
        agency = rules.agencies[wanted.agency]
        if dispatch is None:
            schedule = escalation_schedule(now, agency)
            dispatch = Dispatch(
                incident_id=incident.id, agency=agency.code, task=wanted.task_id, task_en=wanted.task_en,
                reason=wanted.reason, created_at=now, escalation_level=0,
                next_escalation_at=schedule[0].due_at if schedule else None,
            )  # fmt: skip
            session.add(dispatch)
            log_event(session, incident.id, "dispatched", "system", detail=f"{agency.code}: {wanted.reason}")
        else:  # the incident grew: the agency is asked for more (e.g. a public kitchen once it is major)
            dispatch.task, dispatch.task_en, dispatch.reason = wanted.task_id, wanted.task_en, wanted.reason
            log_event(session, incident.id, "task_changed", "system", detail=f"{agency.code}: {wanted.task_id}")
        changed.append(dispatch)
    if not changed:
        return []
    session.flush()  # the new dispatches' ids name their alerts' keys
    roster = Roster(session, (d.agency for d in changed))
    district = incident.district_code
    alerts: list[Alert] = []
    for dispatch in changed:
        code = dispatch.agency  # its officers covering the kecamatan, else its supervisors there
        recipients = roster.of(code, "officer", district) or roster.of(code, "supervisor", district)
        if not recipients:
            log_event(session, incident.id, "no_officer", "system", detail=f"{code} has nobody on duty here")
        key = f"alert:{dispatch.id}:{zlib.crc32(dispatch.task.encode())}"
        alerts += [Alert(incident, dispatch, officer, "alert", f"{key}:{officer.id}") for officer in recipients]
    return queue_alerts(session, settings, region, alerts, cause=cause)


def _tasks(dispatches: Iterable[RoutedDispatch]) -> set[tuple[str, str]]:
    return {(d.agency, d.task_id) for d in dispatches}


def queue_alerts(
    session: Session, settings: Settings, region: Region, alerts: Sequence[Alert], cause: int | None = None
) -> list[int]:
    """Queue the alert SMS, each in its officer's language, in one go; return the send jobs."""
    languages = languages_of(session, [a.officer.phone for a in alerts], settings.default_language)
    requests = []
    for alert in alerts:
        incident, dispatch, language = alert.incident, alert.dispatch, languages[alert.officer.phone]
        values = {
            "agency": dispatch.agency, "hazard": hazard_label(incident.hazard, language).upper(),
            "place": place_name(region, incident.village_code), "facts": facts_summary(incident, language),
            "task": dispatch.task_en if language == "en" and dispatch.task_en else dispatch.task,
            "ref": incident.ref or "", **alert.extra,
        }  # fmt: skip
        requests.append(SmsRequest(alert.officer.phone, alert.template, language, alert.key, values, cause))
    return queue_sms_many(session, settings, requests)


def escalate_due(
    session: Session, settings: Settings, rules: Rules, region: Region, now: datetime | None = None
) -> list[int]:
    """Escalate every unacknowledged dispatch whose next step is due: supervisors first, then the coordinator."""
    now = now or utcnow()
    query = (
        select(Dispatch, Incident)
        .join(Incident, Incident.id == Dispatch.incident_id)
        .where(Dispatch.acknowledged_at.is_(None), Dispatch.next_escalation_at <= now, Incident.status.not_in(CLOSED))
        .order_by(Dispatch.next_escalation_at)
        .limit(ESCALATION_BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Dispatch)  # two relays never take the same dispatch
    due = session.execute(query).all()
    roster = Roster(session, [d.agency for d, _ in due] + [rules.coordinator.code])
    alerts: list[Alert] = []
    for dispatch, incident in due:
        agency = rules.agencies.get(dispatch.agency)
        step = escalation_due(dispatch.created_at, now, False, dispatch.escalation_level, agency) if agency else None
        if agency is None or step is None:
            dispatch.next_escalation_at = None  # every level done, or the agency left the rules
            continue
        targets: list[Officer] = []
        if step.target == "supervisors":
            targets = roster.of(agency.code, "supervisor", incident.district_code)
        if not targets:  # no supervisor here: straight to the coordinator's desk
            coordinator = rules.coordinator.code
            targets = roster.of(coordinator, "officer", None) + roster.of(coordinator, "supervisor", None)
        minutes = int((now - dispatch.created_at).total_seconds() // 60)
        key = f"escalation:{dispatch.id}:{step.level}"
        alerts += [Alert(incident, dispatch, officer, "escalation", f"{key}:{officer.id}", {"minutes": minutes})
                   for officer in targets]  # fmt: skip
        schedule = escalation_schedule(dispatch.created_at, agency)
        dispatch.escalation_level = step.level
        dispatch.next_escalation_at = schedule[step.level].due_at if step.level < len(schedule) else None
        who = ", ".join(f"{o.agency} {o.role} #{o.id}" for o in targets) or "nobody registered"
        log_event(session, incident.id, "escalated", "system",
                  detail=f"{agency.code} level {step.level} ({step.target}) to {who}")  # fmt: skip
    return queue_alerts(session, settings, region, alerts)
