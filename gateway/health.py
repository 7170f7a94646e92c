"""GET /healthz: can we store reports, reach Redis, and are we keeping up."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway.jobs.relay import backlog
from gateway.sms.queue import in_doubt
from gateway.webhooks import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 while the database answers (Redis down only degrades us); 503 when it does not."""
    rt = runtime()
    body: dict[str, object] = {"redis": rt.redis_state()}
    try:
        with rt.db.session() as session:
            session.execute(text("SELECT 1"))
            body["outbox"] = backlog(session)
            body["sms_in_doubt"] = in_doubt(session)
        body["database"] = "ok"
    except SQLAlchemyError as error:
        body["database"] = f"error: {type(error).__name__}"
    healthy = body["database"] == "ok"
    body["status"] = "ok" if healthy and body["redis"] != "unavailable" else ("degraded" if healthy else "down")
    return jsonify(body), 200 if healthy else 503
