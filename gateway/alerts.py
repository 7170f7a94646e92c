"""Alerts: dispatch an incident to the agencies the rules name, alert their officers, escalate silence."""

from __future__ import annotations

import logging
import zlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.contacts import language_of
from gateway.db import utcnow
from gateway.incidents import CLOSED, facts_of, facts_summary, hazard_label, log_event, place_name
from gateway.models import Dispatch, Incident, Officer
from gateway.parsers import Region
from gateway.routing import Rules, escalation_due, escalation_schedule, route
from gateway.sms.outgoing import queue_sms

log = logging.getLogger(__name__)

ESCALATION_BATCH = 100


def officers_of(session: Session, agency: str, role: str, district_code: str | None) -> list[Officer]:
    """On-duty officers of ``agency`` with ``role`` whose area covers the kecamatan."""
    candidates = session.scalars(
        select(Officer)
        .where(Officer.agency == agency, Officer.role == role, Officer.on_duty.is_(True))
        .order_by(Officer.id)
    )
    return [o for o in candidates if o.covers(district_code)]


def dispatch_incident(
    session: Session, settings: Settings, rules: Rules, region: Region, incident: Incident,
    cause: int | None = None,
) -> list[int]:  # fmt: skip
    """Create a dispatch for every agency the rules want and the incident does not have yet; alert their officers.

    Called when an incident opens and again when a report changes it (a larger count can reach more agencies).
    ``cause`` is the inbound message that led here, kept on each alert. Returns the send jobs to hand off after
    the commit.
    """
    now = utcnow()
    have = {d.agency: d for d in session.scalars(select(Dispatch).where(Dispatch.incident_id == incident.id))}
    jobs: list[int] = []
    for wanted in route(facts_of(incident), rules):
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
            session.flush()
            log_event(session, incident.id, "dispatched", "system", detail=f"{agency.code}: {wanted.reason}")
        else:  # the incident grew: the agency is asked for more (e.g. a public kitchen once it is major)
            dispatch.task, dispatch.task_en, dispatch.reason = wanted.task_id, wanted.task_en, wanted.reason
            log_event(session, incident.id, "task_changed", "system", detail=f"{agency.code}: {wanted.task_id}")
        recipients = officers_of(session, agency.code, "officer", incident.district_code) or officers_of(
            session, agency.code, "supervisor", incident.district_code
        )
        if not recipients:
            log_event(session, incident.id, "no_officer", "system", detail=f"{agency.code} has nobody on duty here")
        key = f"alert:{dispatch.id}:{zlib.crc32(dispatch.task.encode())}"
        for officer in recipients:
            jobs += _alert(session, settings, region, incident, dispatch, officer, "alert", key=key, cause=cause)
    return jobs


def _alert(
    session: Session,
    settings: Settings,
    region: Region,
    incident: Incident,
    dispatch: Dispatch,
    officer: Officer,
    template: str,
    key: str,
    cause: int | None = None,
    **extra: object,
) -> list[int]:
    """Queue one alert or escalation SMS to one officer, once per key."""
    language = language_of(session, officer.phone, settings.default_language)
    values = {
        "agency": dispatch.agency, "hazard": hazard_label(incident.hazard, language).upper(),
        "place": place_name(region, incident.village_code), "facts": facts_summary(incident, language),
        "task": dispatch.task_en if language == "en" and dispatch.task_en else dispatch.task,
        "ref": incident.ref or "", **extra,
    }  # fmt: skip
    job = queue_sms(session, settings, phone=officer.phone, template=template, language=language,
                    key=f"{key}:{officer.id}", values=values, inbound_id=cause)  # fmt: skip
    return [job] if job is not None else []


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
    jobs: list[int] = []
    for dispatch, incident in session.execute(query).all():
        agency = rules.agencies.get(dispatch.agency)
        step = escalation_due(dispatch.created_at, now, False, dispatch.escalation_level, agency) if agency else None
        if agency is None or step is None:
            dispatch.next_escalation_at = None  # every level done, or the agency left the rules
            continue
        targets: list[Officer] = []
        if step.target == "supervisors":
            targets = officers_of(session, agency.code, "supervisor", incident.district_code)
        if not targets:  # no supervisor here: straight to the coordinator's desk
            targets = officers_of(session, rules.coordinator.code, "officer", None) + officers_of(
                session, rules.coordinator.code, "supervisor", None
            )
        minutes = int((now - dispatch.created_at).total_seconds() // 60)
        for officer in targets:
            jobs += _alert(session, settings, region, incident, dispatch, officer, "escalation",
                           key=f"escalation:{dispatch.id}:{step.level}", minutes=minutes)  # fmt: skip
        schedule = escalation_schedule(dispatch.created_at, agency)
        dispatch.escalation_level = step.level
        dispatch.next_escalation_at = schedule[step.level].due_at if step.level < len(schedule) else None
        who = ", ".join(f"{o.agency} {o.role} #{o.id}" for o in targets) or "nobody registered"
        log_event(session, incident.id, "escalated", "system",
                  detail=f"{agency.code} level {step.level} ({step.target}) to {who}")  # fmt: skip
    return jobs
