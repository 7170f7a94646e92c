"""Alerts: dispatch an incident to the agencies the rules name, alert their officers (also those who join late),
escalate silence in one digest per recipient."""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import utcnow
from gateway.incidents.audit import log_event
from gateway.incidents.labels import CLOSED, facts_summary, hazard_label, place_name, village_label
from gateway.incidents.store import facts_of
from gateway.models import Dispatch, Incident, Officer
from gateway.parsers import Region
from gateway.people.contacts import languages_of
from gateway.routing import Dispatch as RoutedDispatch
from gateway.routing import IncidentFacts, Rules, escalation_due, escalation_schedule, route
from gateway.sms.queue import SmsRequest, queue_sms_keyed, queue_sms_many
from gateway.sms.templates import render
from gateway.sms.text import MULTI, fit_list

log = logging.getLogger(__name__)

ESCALATION_BATCH = 100
DIGEST_SEGMENTS = 2  # an escalation digest fits two GSM-7 segments; what does not fit is counted ("+3 lagi")
DIGEST_SEPARATOR = "; "
DIGEST_MORE = {"id": "+{n} lagi", "en": "+{n} more"}
ANY_REF = "<no>"  # the reply hint of a digest listing several reports


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

    def alerted(self, agency: str, district_code: str | None) -> list[Officer]:
        """Whom a dispatch of ``agency`` alerts: its officers covering the kecamatan, else its supervisors there."""
        return self.of(agency, "officer", district_code) or self.of(agency, "supervisor", district_code)


@dataclass(frozen=True)
class Alert:
    """One alert SMS to queue for one officer about one dispatch, once per key."""

    incident: Incident
    dispatch: Dispatch
    officer: Officer
    template: str
    key: str


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
    changed: list[tuple[Dispatch, str, str]] = []  # the dispatch, its audit action and detail
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
            changed.append((dispatch, "dispatched", f"{agency.code}: {wanted.reason}"))
        else:  # the incident grew: the agency is asked for more (e.g. a public kitchen once it is major)
            dispatch.task, dispatch.task_en, dispatch.reason = wanted.task_id, wanted.task_en, wanted.reason
            changed.append((dispatch, "task_changed", f"{agency.code}: {wanted.task_id}"))
    if not changed:
        return []
    session.flush()  # the new dispatches' ids name their alerts' keys
    roster = Roster(session, (d.agency for d, _, _ in changed))
    alerts: list[Alert] = []
    for dispatch, action, detail in changed:
        recipients = roster.alerted(dispatch.agency, incident.district_code)
        log_event(session, incident.id, action, "system", detail=f"{detail}; alerted {officer_names(recipients)}")
        if not recipients:
            log_event(session, incident.id, "no_officer", "system",
                      detail=f"{dispatch.agency} has nobody on duty here")  # fmt: skip
        alerts += [Alert(incident, dispatch, officer, "alert", alert_key(dispatch, officer)) for officer in recipients]
    return queue_alerts(session, settings, region, alerts, cause=cause)


def _tasks(dispatches: Iterable[RoutedDispatch]) -> set[tuple[str, str]]:
    return {(d.agency, d.task_id) for d in dispatches}


def alert_key(dispatch: Dispatch, officer: Officer) -> str:
    """The idempotency key of one officer's alert about a dispatch's current task: each is sent once."""
    return f"alert:{dispatch.id}:{zlib.crc32(dispatch.task.encode())}:{officer.id}"


def officer_names(officers: Sequence[Officer]) -> str:
    """``BPBD officer #1, BPBD supervisor #5`` (ids, never phones), or ``nobody registered``."""
    return ", ".join(f"{o.agency} {o.role} #{o.id}" for o in officers) or "nobody registered"


def queue_alerts(
    session: Session, settings: Settings, region: Region, alerts: Sequence[Alert], cause: int | None = None
) -> list[int]:
    """Queue the alert SMS, each in its officer's language, in one go; return the send jobs."""
    return queue_sms_many(session, settings, alert_requests(session, settings, region, alerts, cause))


def alert_requests(
    session: Session, settings: Settings, region: Region, alerts: Sequence[Alert], cause: int | None = None
) -> list[SmsRequest]:
    """The alert SMS, each in its officer's language."""
    languages = languages_of(session, [a.officer.phone for a in alerts], settings.default_language)
    requests = []
    for alert in alerts:
        incident, dispatch, language = alert.incident, alert.dispatch, languages[alert.officer.phone]
        values = {
            "agency": dispatch.agency, "hazard": hazard_label(incident.hazard, language).upper(),
            "place": place_name(region, incident.village_code), "facts": facts_summary(incident, language),
            "task": dispatch.task_en if language == "en" and dispatch.task_en else dispatch.task,
            "ref": incident.ref or "",
        }  # fmt: skip
        requests.append(SmsRequest(alert.officer.phone, alert.template, language, alert.key, values, cause))
    return requests


@dataclass(frozen=True)
class Escalated:
    """One dispatch escalated to one officer in one run of the clock, for that officer's digest."""

    officer: Officer
    incident: Incident
    dispatch: Dispatch
    level: int


def escalate_due(
    session: Session, settings: Settings, rules: Rules, region: Region, now: datetime | None = None
) -> list[int]:
    """Escalate every unacknowledged dispatch whose next step is due: supervisors first, then the coordinator.

    Levels, timing and the audit trail are per dispatch; the SMS are not: each recipient gets one digest of
    everything escalated to them in this run (see queue_digests).
    """
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
    escalated: list[Escalated] = []
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
        escalated += [Escalated(officer, incident, dispatch, step.level) for officer in targets]
        schedule = escalation_schedule(dispatch.created_at, agency)
        dispatch.escalation_level = step.level
        dispatch.next_escalation_at = schedule[step.level].due_at if step.level < len(schedule) else None
        log_event(session, incident.id, "escalated", "system",
                  detail=f"{agency.code} level {step.level} ({step.target}) to {officer_names(targets)}")  # fmt: skip
    return queue_digests(session, settings, region, escalated)


def queue_digests(session: Session, settings: Settings, region: Region, escalated: Sequence[Escalated]) -> list[int]:
    """Queue one escalation SMS per phone, listing every report escalated to it in this run; return the send jobs.

    The key names the recipient and exactly which dispatch levels the digest covers, so a run repeated (two
    relays, a retried transaction) queues nothing twice.
    """
    by_phone: dict[str, dict[int, Escalated]] = {}
    for item in escalated:  # one phone may be two officer rows (a desk officer who is also a supervisor)
        by_phone.setdefault(item.officer.phone, {}).setdefault(item.dispatch.id, item)
    languages = languages_of(session, list(by_phone), settings.default_language)
    requests = []
    for phone, items in by_phone.items():
        covered = ",".join(f"{dispatch_id}.{item.level}" for dispatch_id, item in sorted(items.items()))
        first = min(item.officer.id for item in items.values())
        key = f"escalation:{first}:{hashlib.sha256(covered.encode()).hexdigest()[:24]}"
        values = digest_values(region, list(items.values()), languages[phone])
        requests.append(SmsRequest(phone, "escalation", languages[phone], key, values))
    return queue_sms_many(session, settings, requests)


def digest_values(region: Region, items: Sequence[Escalated], language: str) -> dict[str, object]:
    """The digest's values: how many reports wait, as many as fit (``1002 banjir Sukodono: DINSOS+PMI``), the ref."""
    by_incident: dict[int, tuple[Incident, list[str]]] = {}
    for item in sorted(items, key=lambda i: (i.incident.id, i.dispatch.agency)):
        by_incident.setdefault(item.incident.id, (item.incident, []))[1].append(item.dispatch.agency)
    lines = [f"{incident.ref} {hazard_label(incident.hazard, language)} {village_label(region, incident.village_code)}:"
             f" {'+'.join(agencies)}" for incident, agencies in by_incident.values()]  # fmt: skip
    refs = [incident.ref or "" for incident, _ in by_incident.values()]
    values: dict[str, object] = {"count": len(lines), "ref": refs[0] if len(refs) == 1 else ANY_REF, "escalated": ""}
    budget = DIGEST_SEGMENTS * MULTI["GSM-7"]
    room = budget - len(render("escalation", language, **values).text)
    more = DIGEST_MORE.get(language, DIGEST_MORE["id"])
    while True:  # a name with characters GSM-7 counts double may need a little more room
        values["escalated"] = fit_list(lines, room, DIGEST_SEPARATOR, lambda n: more.format(n=n))
        if room <= 0 or render("escalation", language, **values).segments <= DIGEST_SEGMENTS:
            return values
        room -= 8


# ---- officers who join after the dispatch ---------------------------------------------------------------


def alert_late_officers(
    session: Session, settings: Settings, region: Region, officer_ids: Collection[int] | None = None
) -> list[int]:
    """Alert on-duty officers about the open, unanswered dispatches the rules send them but that were made before
    they were on the roster (imported, put on duty, or given the kecamatan later); return the send jobs.

    Each alert has the key the dispatch's own alert has, so an officer who got that one gets nothing more, and
    one alerted here is never alerted again. ``officer_ids`` narrows it to some officers.
    """
    session.flush()  # officers just added have ids
    rows = session.execute(
        select(Dispatch, Incident)
        .join(Incident, Incident.id == Dispatch.incident_id)
        .where(Dispatch.acknowledged_at.is_(None), Incident.status.not_in(CLOSED))
        .order_by(Dispatch.id)
    ).all()
    roster = Roster(session, {dispatch.agency for dispatch, _ in rows})
    alerts = [
        Alert(incident, dispatch, officer, "alert", alert_key(dispatch, officer))
        for dispatch, incident in rows
        for officer in roster.alerted(dispatch.agency, incident.district_code)
        if officer_ids is None or officer.id in officer_ids
    ]
    queued = queue_sms_keyed(session, settings, alert_requests(session, settings, region, alerts))
    for alert in alerts:
        if alert.key in queued:
            detail = f"{alert.dispatch.agency} to {officer_names([alert.officer])}, on the roster after the dispatch"
            log_event(session, alert.incident.id, "alerted_late", "system", detail=detail)
    return list(queued.values())
