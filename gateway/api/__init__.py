"""The JSON API for machines (``/api/v1``): bearer tokens with a role, read-only.

- ``GET /api/v1/incidents``: the incidents the token may see, filtered and paged;
- ``GET /api/v1/incidents/<ref>``: one incident with its dispatches and audit trail;
- ``GET /api/v1/incidents/<ref>/aid``: its one-door aid ledger;
- ``GET /api/v1/openapi.json``: the OpenAPI document of all of it (no token needed).
"""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from gateway.api.bearer import ApiError, error_answer
from gateway.api.incidents import incident_aid, list_incidents, show_incident
from gateway.api.openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.add_url_rule("/incidents", "incidents", list_incidents)
bp.add_url_rule("/incidents/<ref>", "incident", show_incident)
bp.add_url_rule("/incidents/<ref>/aid", "incident_aid", incident_aid)
bp.add_url_rule("/openapi.json", "openapi", document)
bp.register_error_handler(ApiError, error_answer)


def not_found(error: NotFound) -> Response | NotFound:
    """An unknown path under /api/ answers JSON like every API refusal; elsewhere the usual 404 page."""
    if request.path.startswith("/api/"):
        return error_answer(ApiError(404, f"no endpoint {request.path}; see /api/v1/openapi.json"))
    return error
