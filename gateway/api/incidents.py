"""``/api/v1/incidents``: the list (filtered, paged), one incident with its trail, and its one-door aid ledger."""

from __future__ import annotations

from typing import cast

from flask import jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.aid.report import program_rows, report_rows
from gateway.api.bearer import ApiError, current_token, reader
from gateway.api.listing import incident_item, list_filter
from gateway.incidents.board import board, dispatch_states, visible_incident
from gateway.incidents.labels import LocalZone, region_zone
from gateway.incidents.record import incident_record, record_json
from gateway.models import Incident, Report
from gateway.webhooks import runtime


def zone() -> LocalZone:
    return region_zone(runtime().settings.gateway_region)


@reader()
def list_incidents() -> Response:
    """The incidents the token may see, one page: ``{"items", "total", "limit", "offset", "next"}``."""
    rt = runtime()
    wanted = list_filter(request.args, rt.region)
    with rt.db.session() as session:
        page = board(session, current_token(), wanted)
        items = [incident_item(row, rt.region, zone()) for row in page.rows]
    limit, offset = wanted.limit, wanted.offset
    following = None
    if offset + limit < page.total:
        following = url_for("api.incidents", _external=True, **{**request.args, "offset": str(offset + limit),
                                                                "limit": str(limit)})  # fmt: skip
    return jsonify(items=items, total=page.total, limit=limit, offset=offset, next=following)


@reader()
def show_incident(ref: str) -> Response:
    """One incident: facts, dispatches with their state, the whole audit trail (phones masked), reports count."""
    rt = runtime()
    with rt.db.session() as session:
        incident = _incident(session, ref)
        record = incident_record(session, incident, rt.region, zone())
        answer = record_json(record)
        answer["opened_at"] = answer["created_at"]  # the list's name for it
        answer["reports"] = _reports(session, incident)
        shown = cast(list[dict[str, object]], answer["dispatches"])
        states = dispatch_states(session, [incident], {incident.id: list(record.dispatches)})
        answer["dispatches"] = [{**entry, "state": states[dispatch.id]}
                                for entry, dispatch in zip(shown, record.dispatches, strict=True)]  # fmt: skip
    return jsonify(answer)


@reader()
def incident_aid(ref: str) -> Response:
    """The incident's one-door ledger: per agency and desa, and per program (every agency's, for every reader)."""
    with runtime().db.session() as session:
        incident = _incident(session, ref)
        rows, programs = report_rows(session, incident), program_rows(session, incident)
        return jsonify(ref=incident.ref, rows=rows, programs=programs)


def _incident(session: Session, ref: str) -> Incident:
    incident = visible_incident(session, current_token(), ref)
    if incident is None:  # an agency's token is told no more about another agency's incident than that it is not there
        raise ApiError(404, f"no incident {ref.strip().upper()!r}")
    return incident


def _reports(session: Session, incident: Incident) -> int:
    return session.scalar(select(func.count()).select_from(Report).where(Report.incident_id == incident.id)) or 0
