"""Officers answer alerts by SMS: OK acknowledges, SELESAI says their agency's part is done, TOLAK marks a report
false. Who may do what:

- OK and SELESAI act on the dispatches of the sender's own agencies. The incident is resolved when every
  dispatched agency is done, or when the coordinator desk says SELESAI.
- The coordinator desk may OK (take over) a dispatch that was escalated, and close an incident with SELESAI.
- TOLAK (a false report) only from the coordinator desk or a supervisor of a dispatched agency.

Every refusal says why and who can do it.
"""

from __future__ import annotations

from collections.abc import Callable

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
from gateway.routing import Rules
from gateway.sms.queue import queue_sms
from gateway.sms.reply import Reply

OFFICER_INTENTS = ("ack", "resolve", "reject")


def officer_command(
    session: Session, settings: Settings, rules: Rules, region: Region, phone: str, intent: str, ref: str | None,
    language: str,
) -> Reply:  # fmt: skip
    """Apply an officer's OK, SELESAI or TOLAK to the incident ``ref``, as far as the sender may."""
    officers = officers_by_phone(session, phone)
    if not officers:
        return Reply("officer_only")
    if not ref:
        return Reply("missing_ref")
    incident = session.scalars(select(Incident).where(Incident.ref == ref).with_for_update()).first()
    if incident is None:
        return Reply("unknown_ref", {"ref": ref})
    if incident.status in CLOSED:
        return Reply("already_closed", {"ref": ref, "status": incident.status})
    command = Command(session, settings, rules, region, incident, officers, language)
    if intent == "ack":
        return command.acknowledge()
    if intent == "resolve":
        return command.resolve()
    return command.reject()


class Command:
    """One officer's command about one open incident, with what the sender may do there."""

    def __init__(
        self, session: Session, settings: Settings, rules: Rules, region: Region, incident: Incident,
        officers: list[Officer], language: str,
    ) -> None:  # fmt: skip
        self.session, self.settings, self.region, self.incident = session, settings, region, incident
        self.dispatches = list(session.scalars(select(Dispatch).where(Dispatch.incident_id == incident.id)))
        self.by_agency = {o.agency: o for o in officers}
        self.coordinator = self.by_agency.get(rules.coordinator.code)
        self.own = [d for d in self.dispatches if d.agency in self.by_agency]
        self.ref = incident.ref or ""
        self.about: dict[str, object] = {"ref": self.ref, "hazard": hazard_label(incident.hazard, language),
                                         "place": place_name(region, incident.village_code)}  # fmt: skip

    def acknowledge(self) -> Reply:
        """The sender's agencies take the incident on; the coordinator takes over what was escalated to it."""
        if self.own:
            return self._acknowledge(self.own, lambda d: self.by_agency[d.agency])
        if self.coordinator is not None:
            escalated = [d for d in self.dispatches if d.acknowledged_at is None and d.escalation_level > 0]
            if not escalated:
                return Reply("nothing_escalated", {"ref": self.ref, "agencies": self._agencies(self.dispatches)})
            coordinator = self.coordinator
            return self._acknowledge(escalated, lambda _: coordinator, taken_over=True)
        return self._not_assigned()

    def resolve(self) -> Reply:
        """The sender's agencies are done; the incident is resolved when every agency is, or the coordinator says."""
        now = utcnow()
        if self.coordinator is not None and not self.own:
            return self._close("resolved", self.coordinator, "resolve_done", "reporter_resolved")
        if not self.own:
            return self._not_assigned()
        for dispatch in self.own:
            officer = self.by_agency[dispatch.agency]
            if dispatch.acknowledged_at is None:
                dispatch.acknowledged_at, dispatch.acknowledged_by = now, officer.id
            if dispatch.done_at is None:
                dispatch.done_at, dispatch.done_by, dispatch.next_escalation_at = now, officer.id, None
                log_event(self.session, self.incident.id, "agency_done", "sms", detail=dispatch.agency,
                          officer_id=officer.id, phone=officer.phone)  # fmt: skip
        waiting = [d for d in self.dispatches if d.done_at is None]
        if waiting:
            self.incident.updated_at = now
            return Reply("agency_done", {**self.about, "agency": self._agencies(self.own),
                                         "waiting": self._agencies(waiting)})  # fmt: skip
        return self._close("resolved", self.by_agency[self.own[0].agency], "resolve_done", "reporter_resolved")

    def reject(self) -> Reply:
        """A false report: only the coordinator desk or a supervisor of a dispatched agency may say so."""
        deciders = [self.by_agency[d.agency] for d in self.own if self.by_agency[d.agency].role == "supervisor"]
        officer = self.coordinator or (deciders[0] if deciders else None)
        if officer is None:
            return Reply("reject_not_allowed", {"ref": self.ref, "agencies": self._agencies(self.dispatches)})
        return self._close("rejected", officer, "reject_done", None)

    def _acknowledge(
        self, dispatches: list[Dispatch], officer_for: Callable[[Dispatch], Officer], taken_over: bool = False
    ) -> Reply:
        open_ones = [d for d in dispatches if d.acknowledged_at is None]
        if not open_ones:
            return Reply("already_acknowledged", {"ref": self.ref, "agency": dispatches[0].agency})
        now = utcnow()
        names = self._agencies(open_ones)
        agency = f"{officer_for(open_ones[0]).agency} ({names})" if taken_over else names
        reply = Reply("ack_done", {**self.about, "agency": agency})
        for dispatch in open_ones:
            officer = officer_for(dispatch)
            dispatch.acknowledged_at, dispatch.acknowledged_by, dispatch.next_escalation_at = now, officer.id, None
            log_event(self.session, self.incident.id, "taken_over" if taken_over else "acknowledged", "sms",
                      detail=dispatch.agency, officer_id=officer.id, phone=officer.phone)  # fmt: skip
            reply.follow_up += self._tell_reporters("reporter_ack", key=f"reporter_ack:{dispatch.id}",
                                                    agency=officer.agency)  # fmt: skip
        if self.incident.status == "reported":
            self.incident.status = "acknowledged"
        self.incident.updated_at = now
        return reply

    def _close(self, status: str, officer: Officer, template: str, reporter_template: str | None) -> Reply:
        """Resolve or reject the incident and stop every escalation of it."""
        now = utcnow()
        self.incident.status, self.incident.updated_at = status, now
        for dispatch in self.dispatches:
            dispatch.next_escalation_at = None
        log_event(self.session, self.incident.id, status, "sms", detail=officer.agency, officer_id=officer.id,
                  phone=officer.phone)  # fmt: skip
        reply = Reply(template, self.about)
        if reporter_template:
            reply.follow_up += self._tell_reporters(reporter_template, key=f"{reporter_template}:{self.incident.id}")
        return reply

    def _not_assigned(self) -> Reply:
        agencies = ", ".join(sorted(self.by_agency))
        return Reply("not_assigned", {"ref": self.ref, "agency": agencies, "agencies": self._agencies(self.dispatches)})

    @staticmethod
    def _agencies(dispatches: list[Dispatch]) -> str:
        return "+".join(sorted({d.agency for d in dispatches})) or "-"

    def _tell_reporters(self, template: str, key: str, **values: object) -> list[int]:
        return tell_reporters(self.session, self.settings, self.region, self.incident, template, key, **values)


def tell_reporters(
    session: Session, settings: Settings, region: Region, incident: Incident, template: str, key: str,
    **values: object,
) -> list[int]:  # fmt: skip
    """Queue ``template`` to every phone that reported the incident, each in its own language, once per ``key``."""
    jobs: list[int] = []
    for phone in reporter_phones(session, incident.id):
        language = language_of(session, phone, settings.default_language)
        about = {"ref": incident.ref or "", "hazard": hazard_label(incident.hazard, language),
                 "place": place_name(region, incident.village_code), **values}  # fmt: skip
        job = queue_sms(session, settings, phone=phone, template=template, language=language,
                        key=f"{key}:{phone}", values=about)  # fmt: skip
        if job is not None:
            jobs.append(job)
    return jobs
