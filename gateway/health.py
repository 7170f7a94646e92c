"""GET /healthz: can we store reports, reach Redis, and are we keeping up. Every number an operator needs to see
that something is wrong, and ``problems`` saying which."""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway.jobs.relay import backlog
from gateway.jobs.worker import live_consumers
from gateway.runtime import Runtime
from gateway.sms.providers import link_states
from gateway.sms.queue import in_doubt, withheld
from gateway.webhooks import runtime

bp = Blueprint("health", __name__)

BACKLOG_LIMIT = 60.0  # seconds a job may wait before the pipeline counts as behind


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 while the database answers (anything else only degrades us); 503 when it does not."""
    rt = runtime()
    body: dict[str, Any] = {"redis": rt.redis_state(), "consumers": _consumers(rt)}
    messages, age = rt.spool.backlog()
    body["spool"] = {"messages": messages, "oldest_seconds": age}
    body["sms_links"] = link_states(rt.provider)
    try:
        with rt.db.session() as session:
            session.execute(text("SELECT 1"))
            body["outbox"] = backlog(session)
            body["sms_in_doubt"] = in_doubt(session)
            body["sms_withheld_24h"] = withheld(session)
        body["database"] = "ok"
    except SQLAlchemyError as error:
        body["database"] = f"error: {type(error).__name__}"
    body["problems"] = problems(body)
    healthy = body["database"] == "ok"
    body["status"] = ("ok" if not body["problems"] else "degraded") if healthy else "down"
    return jsonify(body), 200 if healthy else 503


def problems(body: dict[str, Any]) -> list[str]:
    """What is out of bounds, in words an operator can act on."""
    found = []
    if body["database"] != "ok":
        found.append("the database does not answer: reports are spooled to disk")
    if body["redis"] == "unavailable":
        found.append("Redis does not answer: jobs wait in the outbox for the relay")
    outbox = body.get("outbox", {})
    if outbox.get("oldest_pending_seconds", 0) > BACKLOG_LIMIT:
        found.append(f"jobs have waited over {BACKLOG_LIMIT:.0f} s: is a worker or the relay running?")
    if outbox.get("running_past_lease", 0):
        found.append("jobs whose process is gone: the relay takes them back")
    if body.get("sms_in_doubt", 0):
        found.append("SMS in doubt: check them in the provider's dashboard")
    down = [name for name, state in body.get("sms_links", {}).items() if state not in ("ok", "configured")]
    if down:
        found.append(f"SMS link(s) {', '.join(down)} not working: SMS go out through the next link, or wait")
    if body["spool"]["messages"]:
        found.append("reports in the spool: the relay replays them once the database answers")
    return found


def _consumers(rt: Runtime) -> int | None:
    """Workers alive on the queue; None without Redis."""
    if rt.queue is None:
        return None
    try:
        return live_consumers(rt)
    except redis.RedisError:
        return None
