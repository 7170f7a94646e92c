"""The OpenAPI 3.1 document of ``/api/v1``, written by hand next to the code it describes (a test keeps them equal)."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from gateway.aid.report import COUNTS
from gateway.incidents.board import MAX_PAGE, SORTS, STATES, STATUS_FILTERS, STATUSES
from gateway.incidents.labels import HAZARD_LABELS

DESCRIPTION = """Read-only JSON for district systems (OpenSID, provincial dashboards) about the incidents reported
by SMS and USSD and the aid given for them.

Every endpoint but this document needs `Authorization: Bearer <token>`; a token is made on the server with
`gateway tokens create NAME --role viewer|agency [--agency CODE]` and shown once. Without a valid token (missing,
unknown or revoked) the answer is 401 with `WWW-Authenticate: Bearer`; a token whose role may not read an
endpoint gets 403.

- A **viewer** token reads every incident.
- An **agency** token reads the incidents its agency was dispatched to. Any other incident answers 404, exactly
  as if it did not exist (as on the web desk), so a token learns nothing about incidents that are not its
  agency's.
- The aid ledger of an incident the token may read shows **every** agency's rows: the one-door ledger exists so
  that agencies see each other's aid and no household gets the same aid twice. It holds counts only: no names,
  KK, NIK or phones.

Times are ISO 8601 on the region's clock with its offset (e.g. `2026-11-23T10:00:00+07:00` in WIB). Phones in the
audit trail are masked. A bad query parameter (an unknown name or a value out of range) answers 400 with the
reason in `error`."""

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
TIME = {"type": "string", "format": "date-time", "examples": ["2026-11-23T10:00:00+07:00"]}
STATE = {
    "type": "string",
    "enum": list(STATES),
    "description": "no_officer: nobody of the agency is on duty where the incident is, so nobody was alerted.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, object]) -> dict[str, object]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _json(schema: str, description: str) -> dict[str, object]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


INCIDENT_FACTS: dict[str, object] = {
    "ref": {"type": "string", "examples": ["1001"]},
    "hazard": {"type": ["string", "null"], "enum": [*HAZARD_LABELS, None]},
    "village_code": {"type": ["string", "null"], "examples": ["33.24.15.1002"]},
    "district_code": {"type": ["string", "null"], "examples": ["33.24.15"]},
    "place": {"type": "string", "examples": ["Sukodono, Kec. Kendal"]},
    "status": {"type": "string", "enum": list(STATUSES)},
    "households": NULLABLE_INT, "people": NULLABLE_INT, "houses": NULLABLE_INT,
    "needs": {"type": "array", "items": {"type": "string"}},
    "reports": {"type": "integer", "description": "How many reports joined the incident."},
    "opened_at": TIME, "last_report_at": TIME,
}  # fmt: skip

SCHEMAS: dict[str, object] = {
    "Error": _object({"error": {"type": "string", "description": "Why the request was refused."}}),
    "DispatchState": _object({"agency": {"type": "string"}, "state": STATE}),
    "IncidentItem": _object({**INCIDENT_FACTS, "dispatches": {"type": "array", "items": _ref("DispatchState")}}),
    "IncidentPage": _object({
        "items": {"type": "array", "items": _ref("IncidentItem")}, "total": {"type": "integer"},
        "limit": {"type": "integer"}, "offset": {"type": "integer"},
        "next": {"type": ["string", "null"], "format": "uri", "description": "The next page, or null on the last."},
    }),
    "Dispatch": _object({
        "agency": {"type": "string"}, "state": STATE, "task": {"type": "string"}, "task_en": {"type": "string"},
        "reason": {"type": "string"}, "created_at": TIME, "acknowledged_at": NULLABLE_TIME,
        "acknowledged_by": {"type": ["string", "null"]}, "escalation_level": {"type": "integer"},
        "next_escalation_at": NULLABLE_TIME,
    }),
    "TrailEntry": _object({
        "at": TIME, "action": {"type": "string"}, "channel": {"type": "string", "examples": ["sms", "web", "cli"]},
        "by": {"type": ["string", "null"], "description": "The phone, masked."},
        "officer_id": NULLABLE_INT, "officer": {"type": ["string", "null"]},
        "user": {"type": ["string", "null"], "description": "The desk user who did it."},
        "detail": {"type": "string"},
    }),
    "Incident": _object({
        **INCIDENT_FACTS, "created_at": TIME, "updated_at": TIME,
        "zone": {"type": "string", "enum": ["WIB", "WITA", "WIT"]},
        "utc_offset": {"type": "string", "examples": ["+07:00"]},
        "dispatches": {"type": "array", "items": _ref("Dispatch")},
        "trail": {"type": "array", "items": _ref("TrailEntry")},
    }),
    "AidRow": _object({
        "agency": {"type": "string"}, "village_code": {"type": "string", "description": "`-` when unknown."},
        **{column: {"type": "integer"} for column in COUNTS},
    }),
    "AidProgram": _object({
        "program": {"type": "string"}, "agency": {"type": "string"},
        **{column: {"type": "integer"} for column in COUNTS},
    }),
    "AidLedger": _object({
        "ref": {"type": "string"},
        "rows": {"type": "array", "items": _ref("AidRow"), "description": "Per agency and desa."},
        "programs": {"type": "array", "items": _ref("AidProgram"), "description": "Per program, all desa."},
    }),
}  # fmt: skip

REFUSALS: dict[str, dict[str, object]] = {
    "401": _json("Error", "No valid token: missing, unknown or revoked (with `WWW-Authenticate: Bearer`)."),
    "403": _json("Error", "The token's role may not read this."),
}
REF = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}, "description": "The incident."}
NOT_SEEN = _json("Error", "No such incident, or one an agency token's agency was not dispatched to.")


def _query(name: str, description: str, schema: dict[str, object]) -> dict[str, object]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PATHS: dict[str, dict[str, dict[str, object]]] = {
    "/api/v1/incidents": {"get": {
        "operationId": "listIncidents", "summary": "The incidents the token may see, filtered and paged.",
        "parameters": [
            _query("status", "`open` (not resolved or rejected), `all`, or one status.",
                   {"type": "string", "enum": list(STATUS_FILTERS), "default": "open"}),
            _query("hazard", "One hazard.", {"type": "string", "enum": list(HAZARD_LABELS)}),
            _query("district_code", "One kecamatan (Kemendagri code).", {"type": "string"}),
            _query("village_code", "One desa (Kemendagri code).", {"type": "string"}),
            _query("sort", "`newest` report first, or `urgent`: unanswered first, then the most people.",
                   {"type": "string", "enum": list(SORTS), "default": "newest"}),
            _query("limit", "Page size.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}),
            _query("offset", "Incidents to skip.", {"type": "integer", "minimum": 0, "default": 0}),
        ],
        "responses": {"200": _json("IncidentPage", "One page."), "400": _json("Error", "A bad parameter."),
                      **REFUSALS},
    }},
    "/api/v1/incidents/{ref}": {"get": {
        "operationId": "getIncident", "summary": "One incident with its dispatches and whole audit trail.",
        "parameters": [REF],
        "responses": {"200": _json("Incident", "The incident."), "404": NOT_SEEN, **REFUSALS},
    }},
    "/api/v1/incidents/{ref}/aid": {"get": {
        "operationId": "getIncidentAid",
        "summary": "The incident's one-door aid ledger, per agency and desa and per program (every agency's).",
        "parameters": [REF],
        "responses": {"200": _json("AidLedger", "The ledger."), "404": NOT_SEEN, **REFUSALS},
    }},
    "/api/v1/openapi.json": {"get": {
        "operationId": "getOpenApi", "summary": "This document.", "security": [],
        "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {}}}},
    }},
}  # fmt: skip

OPENAPI: dict[str, object] = {
    "openapi": "3.1.0",
    "info": {"title": "Disaster SMS & USSD gateway API", "version": "1", "description": DESCRIPTION},
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "A token from `gateway tokens create`."}},
        "schemas": SCHEMAS,
    },
}  # fmt: skip


def document() -> Response:
    """The OpenAPI document; no token needed, so a machine can learn how to ask for one."""
    return jsonify(OPENAPI)
