"""Officers answer alerts by SMS: OK acknowledges, SELESAI resolves, TOLAK marks a report false."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import utcnow
from gateway.incidents.audit import log_event
from gateway.incidents.labels import CLOSED, hazard_label, place_name
from gateway.incidents.store import reporter_phones
from gateway.models import Dispatch, Incident, Officer
from gateway.parsers import Region
from gateway.people.contacts import language_of
from gateway.people.officers import officers_by_phone
from gateway.sms.queue import queue_sms
from gateway.sms.reply import Reply

OFFICER_INTENTS = ("ack", "resolve", "reject")
CLOSING = {"resolve": ("resolved", "resolve_done", "reporter_resolved"), "reject": ("rejected", "reject_done", None)}


def officer_command(
    session: Session, settings: Settings, region: Region, phone: str, intent: str, ref: str | None, language: str
) -> Reply:
    """Apply an officer's OK, SELESAI or TOLAK to the incident ``ref``; refuse anyone not registered."""
    officers = officers_by_phone(session, phone)
    if not officers:
        return Reply("officer_only")
    if not ref:
        return Reply("missing_ref")
    incident = session.scalars(select(Incident).where(Incident.ref == ref).with_for_update()).first()
    if incident is None:
        return Reply("unknown_ref", {"ref": ref})
    about: dict[str, object] = {"ref": ref, "hazard": hazard_label(incident.hazard, language),
             "place": place_name(region, incident.village_code)}  # fmt: skip
    if incident.status in CLOSED:
        return Reply("already_closed", {"ref": ref, "status": incident.status})
    if intent == "ack":
        return _acknowledge(session, settings, region, incident, officers, about)
    return _close(session, settings, region, incident, officers[0], intent, about)


def _acknowledge(
    session: Session, settings: Settings, region: Region, incident: Incident, officers: list[Officer],
    about: dict[str, object],
) -> Reply:  # fmt: skip
    """Acknowledge the dispatches of the sender's agencies, stop their escalation, tell the reporters."""
    agencies = {o.agency: o for o in officers}
    dispatches = list(
        session.scalars(select(Dispatch).where(Dispatch.incident_id == incident.id, Dispatch.agency.in_(agencies)))
    )
    if not dispatches:
        return Reply("not_assigned", {"ref": about["ref"], "agency": officers[0].agency})
    open_ones = [d for d in dispatches if d.acknowledged_at is None]
    if not open_ones:
        return Reply("already_acknowledged", {"ref": about["ref"], "agency": dispatches[0].agency})
    now = utcnow()
    reply = Reply("ack_done", {**about, "agency": ", ".join(d.agency for d in open_ones)})
    for dispatch in open_ones:
        officer = agencies[dispatch.agency]
        dispatch.acknowledged_at, dispatch.acknowledged_by, dispatch.next_escalation_at = now, officer.id, None
        log_event(session, incident.id, "acknowledged", "sms", detail=dispatch.agency, officer_id=officer.id,
                  phone=officer.phone)  # fmt: skip
        reply.follow_up += _tell_reporters(session, settings, region, incident, "reporter_ack",
                                           key=f"reporter_ack:{dispatch.id}", agency=dispatch.agency)  # fmt: skip
    if incident.status == "reported":
        incident.status = "acknowledged"
    incident.updated_at = now
    return reply


def _close(
    session: Session, settings: Settings, region: Region, incident: Incident, officer: Officer, intent: str,
    about: dict[str, object],
) -> Reply:  # fmt: skip
    """Resolve or reject the incident and stop every escalation of it."""
    status, template, reporter_template = CLOSING[intent]
    now = utcnow()
    incident.status, incident.updated_at = status, now
    for dispatch in session.scalars(select(Dispatch).where(Dispatch.incident_id == incident.id)):
        dispatch.next_escalation_at = None
    log_event(session, incident.id, status, "sms", detail=officer.agency, officer_id=officer.id, phone=officer.phone)
    reply = Reply(template, about)
    if reporter_template:
        reply.follow_up += _tell_reporters(session, settings, region, incident, reporter_template,
                                           key=f"{reporter_template}:{incident.id}")  # fmt: skip
    return reply


def _tell_reporters(
    session: Session, settings: Settings, region: Region, incident: Incident, template: str, key: str,
    **values: object,
) -> list[int]:  # fmt: skip
    """Queue ``template`` to every phone that reported the incident, each in its own language."""
    jobs: list[int] = []
    for phone in reporter_phones(session, incident.id):
        language = language_of(session, phone, settings.default_language)
        about = {"ref": incident.ref or "", "hazard": hazard_label(incident.hazard, language),
                 "place": place_name(region, incident.village_code), **values}  # fmt: skip
        job = queue_sms(session, settings, phone=phone, template=template, language=language, key=f"{key}:{phone}",
                        values=about)  # fmt: skip
        if job is not None:
            jobs.append(job)
    return jobs
