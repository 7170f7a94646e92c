"""The coordinators' desk acts on an incident: acknowledge, resolve, reject, note, re-dispatch.

The same authority as officers' SMS commands (``commands.py``), for desk users instead of phones: an agency
user acts on their own agency's dispatch only; rejecting a report, closing an incident over the agencies'
heads and re-dispatching are the coordinator's. Each action lands in the audit trail with the user's name and
tells the reporters what an SMS command would have told them (the same idempotency keys, so a report acknowledged
both by SMS and on the desk is announced once).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.accounts.roles import Actor
from gateway.db import utcnow
from gateway.incidents.alerts import Alert, Roster, alert_key, officer_names, queue_alerts
from gateway.incidents.audit import log_event
from gateway.incidents.commands import tell_reporters
from gateway.incidents.labels import CLOSED
from gateway.models import Dispatch, Incident
from gateway.routing import escalation_schedule
from gateway.runtime import Setup

MAX_NOTE = 500
ACTIONS = ("acknowledge", "resolve", "reject", "note", "redispatch")


@dataclass
class Outcome:
    """What an action did (``code``: done, or why not) and the SMS jobs to hand off after the commit."""

    code: str
    done: bool = True
    values: dict[str, str] = field(default_factory=dict)
    jobs: list[int] = field(default_factory=list)


def refused(code: str, **values: str) -> Outcome:
    return Outcome(code, done=False, values=values)


def act(
    session: Session, setup: Setup, actor: Actor, ref: str, action: str, agency: str | None = None, note: str = ""
) -> Outcome:
    """Apply one desk action to incident ``ref`` as far as ``actor`` may; the caller commits and hands off."""
    incident = session.scalars(select(Incident).where(Incident.ref == ref).with_for_update()).first()
    if incident is None:
        return refused("unknown_ref", ref=ref)
    dispatches = list(session.scalars(select(Dispatch).where(Dispatch.incident_id == incident.id)))
    if not actor.sees(d.agency for d in dispatches):
        return refused("unknown_ref", ref=ref)  # an incident another agency handles is not shown, so not named
    if not actor.may_act:
        return refused("read_only")
    desk = Desk(session, setup, actor, incident, dispatches)
    if action == "note":
        return desk.note(note)
    if incident.status in CLOSED:
        return refused("closed", status=incident.status)
    if action == "acknowledge":
        return desk.acknowledge(agency)
    if action == "resolve":
        return desk.resolve(agency)
    if action == "reject":
        return desk.reject(note)
    if action == "redispatch":
        return desk.redispatch(agency, note)
    return refused("unknown_action", action=action)


class Desk:
    """One desk user's action on one incident they may see."""

    def __init__(
        self, session: Session, setup: Setup, actor: Actor, incident: Incident, dispatches: list[Dispatch]
    ) -> None:
        self.session, self.setup, self.actor, self.incident = session, setup, actor, incident
        self.dispatches = dispatches
        self.ref = incident.ref or ""

    def _log(self, action: str, detail: str = "") -> None:
        log_event(self.session, self.incident.id, action, self.actor.channel, detail=detail, username=self.actor.name)

    def _mine(self, agency: str | None) -> list[Dispatch]:
        """The dispatches this action is about: the one named (if the actor may act for it), else all of the actor's."""
        if agency:
            return [d for d in self.dispatches if d.agency == agency and self.actor.acts_for(d.agency)]
        return [d for d in self.dispatches if self.actor.acts_for(d.agency)]

    def acknowledge(self, agency: str | None) -> Outcome:
        """The actor's agency takes the incident on; the coordinator may acknowledge any dispatch."""
        mine = self._mine(agency)
        if not mine:
            return refused("not_your_dispatch", agency=agency or self.actor.agency or "-")
        open_ones = [d for d in mine if d.acknowledged_at is None]
        if not open_ones:
            return refused("already_acknowledged", agency="+".join(sorted(d.agency for d in mine)))
        now = utcnow()
        outcome = Outcome("acknowledged", values={"agency": "+".join(sorted(d.agency for d in open_ones))})
        for dispatch in open_ones:
            dispatch.acknowledged_at, dispatch.next_escalation_at = now, None
            self._log("acknowledged", dispatch.agency)
            outcome.jobs += tell_reporters(self.session, self.setup.settings, self.setup.region, self.incident,
                                           "reporter_ack", key=f"reporter_ack:{dispatch.id}",
                                           agency=dispatch.agency)  # fmt: skip
        if self.incident.status == "reported":
            self.incident.status = "acknowledged"
        self.incident.updated_at = now
        return outcome

    def resolve(self, agency: str | None) -> Outcome:
        """The agency's part is done; the incident is resolved when every agency is, or when the coordinator says."""
        now = utcnow()
        if self.actor.is_coordinator and not agency:
            return self._close("resolved", "reporter_resolved")
        mine = self._mine(agency)
        if not mine:
            return refused("not_your_dispatch", agency=agency or self.actor.agency or "-")
        for dispatch in mine:
            if dispatch.acknowledged_at is None:
                dispatch.acknowledged_at = now
            if dispatch.done_at is None:
                dispatch.done_at, dispatch.next_escalation_at = now, None
                self._log("agency_done", dispatch.agency)
        waiting = [d for d in self.dispatches if d.done_at is None]
        if waiting:
            self.incident.updated_at = now
            return Outcome("agency_done", values={"agency": "+".join(sorted(d.agency for d in mine)),
                                                  "waiting": "+".join(sorted(d.agency for d in waiting))})  # fmt: skip
        return self._close("resolved", "reporter_resolved")

    def reject(self, note: str) -> Outcome:
        """A false report: only the coordinator desk decides that from the web, and says why (it cannot be undone)."""
        if not self.actor.is_coordinator:
            return refused("coordinator_only")
        reason = " ".join(note.split())
        if not reason:
            return refused("reason_required")
        return self._close("rejected", None, reason[:MAX_NOTE])

    def note(self, text: str) -> Outcome:
        body = " ".join(text.split())
        if not body:
            return refused("empty_note")
        if len(body) > MAX_NOTE:
            return refused("long_note", limit=str(MAX_NOTE))
        self._log("note", body)
        return Outcome("noted")

    def redispatch(self, agency: str | None, note: str) -> Outcome:
        """Dispatch the incident to an agency (again): its on-duty officers are alerted and its clock restarts."""
        if not self.actor.is_coordinator:
            return refused("coordinator_only")
        rules = self.setup.rules
        known = rules.agencies.get((agency or "").upper())
        if known is None:
            return refused("unknown_agency", agency=agency or "-", agencies=", ".join(sorted(rules.agencies)))
        now = utcnow()
        schedule = escalation_schedule(now, known)
        dispatch = next((d for d in self.dispatches if d.agency == known.code), None)
        reason = " ".join(note.split())[:MAX_NOTE] or "re-dispatched from the desk"
        if dispatch is None:
            dispatch = Dispatch(incident_id=self.incident.id, agency=known.code, task=known.role_id,
                                task_en=known.role_en, reason=reason, created_at=now)  # fmt: skip
            self.session.add(dispatch)
            self.dispatches.append(dispatch)
        dispatch.created_at, dispatch.escalation_level = now, 0
        dispatch.acknowledged_at = dispatch.acknowledged_by = dispatch.done_at = dispatch.done_by = None
        dispatch.next_escalation_at = schedule[0].due_at if schedule else None
        self.session.flush()
        recipients = Roster(self.session, [known.code]).alerted(known.code, self.incident.district_code)
        self._log("redispatched", f"{known.code}: {reason}; alerted {officer_names(recipients)}")
        stamp = int(now.timestamp())  # a re-dispatch is a new request: its alerts are new messages
        alerts = [Alert(self.incident, dispatch, o, "alert", f"{alert_key(dispatch, o)}:re{stamp}") for o in recipients]
        jobs = queue_alerts(self.session, self.setup.settings, self.setup.region, alerts)
        self.incident.updated_at = now
        return Outcome("redispatched", values={"agency": known.code, "alerted": str(len(recipients))}, jobs=jobs)

    def _close(self, status: str, reporter_template: str | None, reason: str = "") -> Outcome:
        now = utcnow()
        self.incident.status, self.incident.updated_at = status, now
        for dispatch in self.dispatches:
            dispatch.next_escalation_at = None
        self._log(status, reason)
        outcome = Outcome(status)
        if reporter_template:
            outcome.jobs = tell_reporters(self.session, self.setup.settings, self.setup.region, self.incident,
                                          reporter_template, key=f"{reporter_template}:{self.incident.id}")  # fmt: skip
        return outcome
