"""The incident board: which incidents a desk user or an API token may see, filtered, sorted and paged, with
each one's report count and each dispatched agency's state. One query module for the web desk and the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import Session

from gateway.accounts.roles import Actor
from gateway.incidents.alerts import Roster
from gateway.incidents.labels import CLOSED
from gateway.incidents.store import dispatches_of
from gateway.models import Dispatch, Incident, Report

STATUSES = ("reported", "acknowledged", "responding", "resolved", "rejected")
STATUS_FILTERS = ("open", "all", *STATUSES)
SORTS = ("newest", "urgent")
MAX_PAGE = 200


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows: ``status`` ``open`` (default), ``all`` or one status; ``sort`` newest or urgent."""

    district_code: str | None = None
    hazard: str | None = None
    status: str = "open"
    sort: str = "newest"
    limit: int = 50
    offset: int = 0
    village_code: str | None = None


@dataclass(frozen=True)
class DispatchState:
    """One dispatched agency's state on the board: alerted, escalated, acknowledged or done."""

    agency: str
    state: str
    escalation_level: int


@dataclass(frozen=True)
class BoardRow:
    incident: Incident
    reports: int
    dispatches: list[DispatchState] = field(default_factory=list)


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    total: int
    filter: BoardFilter


STATES = ("no_officer", "alerted", "escalated", "acknowledged", "done")


def dispatch_state(dispatch: Dispatch, staffed: bool = True) -> str:
    """Where the agency stands; ``no_officer`` when nobody of it on duty covers the place, so nobody was told."""
    if dispatch.done_at is not None:
        return "done"
    if dispatch.acknowledged_at is not None:
        return "acknowledged"
    if not staffed:
        return "no_officer"
    return "escalated" if dispatch.escalation_level > 0 else "alerted"


def dispatch_states(session: Session, incidents: Sequence[Incident], dispatches: dict[int, list[Dispatch]]
                    ) -> dict[int, str]:  # fmt: skip
    """Each dispatch's state by its id, knowing which agencies have someone on duty where each incident is."""
    roster = Roster(session, {d.agency for found in dispatches.values() for d in found})
    return {
        d.id: dispatch_state(d, bool(roster.alerted(d.agency, incident.district_code)))
        for incident in incidents for d in dispatches.get(incident.id, [])
    }  # fmt: skip


def visible(query: Select[Incident], actor: Actor) -> Select[Incident]:
    """Narrow an incident query to what ``actor`` may see: an agency only what it was dispatched to."""
    if actor.role != "agency":
        return query
    mine = exists().where(Dispatch.incident_id == Incident.id, Dispatch.agency == actor.agency)
    return query.where(mine)


def visible_incident(session: Session, actor: Actor, ref: str) -> Incident | None:
    """The incident ``ref`` if ``actor`` may see it (else None, as if it did not exist)."""
    return session.scalars(visible(select(Incident).where(Incident.ref == ref.strip().upper()), actor)).first()


def board(session: Session, actor: Actor, wanted: BoardFilter) -> Board:
    """One page of the board for ``actor``, with the total the filters match."""
    query = visible(select(Incident), actor)
    if wanted.status == "open":
        query = query.where(Incident.status.not_in(CLOSED))
    elif wanted.status != "all":
        query = query.where(Incident.status == wanted.status)
    if wanted.district_code:
        query = query.where(Incident.district_code == wanted.district_code)
    if wanted.village_code:
        query = query.where(Incident.village_code == wanted.village_code)
    if wanted.hazard:
        query = query.where(Incident.hazard == wanted.hazard)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if wanted.sort == "urgent":  # nobody on it yet first, then the most people, then the latest
        waiting = case((Incident.status == "reported", 0), (Incident.status == "acknowledged", 1), else_=2)
        size = func.coalesce(Incident.people, Incident.households * 4, 0)
        query = query.order_by(waiting, size.desc(), Incident.last_report_at.desc(), Incident.id.desc())
    else:
        query = query.order_by(Incident.last_report_at.desc(), Incident.id.desc())
    limit = max(1, min(wanted.limit, MAX_PAGE))
    incidents = list(session.scalars(query.limit(limit).offset(max(0, wanted.offset))))
    return Board(_rows(session, incidents), total, wanted)


def _rows(session: Session, incidents: Sequence[Incident]) -> list[BoardRow]:
    ids = [incident.id for incident in incidents]
    if not ids:
        return []
    counts: dict[int, int] = {incident_id: count for incident_id, count in session.execute(
        select(Report.incident_id, func.count()).where(Report.incident_id.in_(ids)).group_by(Report.incident_id)
    )}  # fmt: skip
    dispatches = dispatches_of(session, ids)
    states = dispatch_states(session, incidents, dispatches)
    return [
        BoardRow(incident, counts.get(incident.id, 0),
                 [DispatchState(d.agency, states[d.id], d.escalation_level) for d in dispatches[incident.id]])
        for incident in incidents
    ]  # fmt: skip
