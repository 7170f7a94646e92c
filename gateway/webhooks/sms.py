"""POST /webhooks/sms: an SMS from a resident or an officer, as Africa's Talking forwards it."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Response

from gateway.db import utcnow
from gateway.inbound.store import UNAVAILABLE, store_inbound
from gateway.phones import normalize_phone
from gateway.webhooks import (
    bad_request,
    batcher,
    form_field,
    parse_provider_date,
    require_form,
    require_secret,
    runtime,
)

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__)
bp.before_request(require_secret)

MAX_TEXT = 4000  # a long concatenated SMS is ~1,600 characters; anything far past that is not an SMS
MAX_ID = 100


@bp.post("/webhooks/sms")
def inbound_sms() -> Response:
    """Store the message and its processing job in one transaction, answer 200, then hand the job off."""
    problem = require_form(("from", "to", "text", "id"))
    if problem:
        return problem
    phone = normalize_phone(form_field("from", MAX_ID))
    if phone is None:
        return bad_request("'from' is not a valid phone number")
    provider_id = form_field("id", MAX_TEXT).strip()
    if not provider_id or len(provider_id) > MAX_ID:
        return bad_request(f"'id' must be 1 to {MAX_ID} characters")
    text = form_field("text", MAX_TEXT, strip_nul=True)
    try:
        date = form_field("date", MAX_ID)
        sent_at = parse_provider_date(date) if date else None
    except ValueError:
        return bad_request("'date' is not a date and time")

    message = {
        "provider_id": provider_id,
        "phone": phone,
        "to": form_field("to", MAX_ID)[:30],
        "text": text,
        "link_id": form_field("linkId", MAX_ID) or None,
        "sent_at": sent_at,
        "received_at": utcnow(),
    }
    return keep(message)


def keep(message: dict[str, Any]) -> Response:
    """Store one inbound SMS and hand its job off, or spool it while the database is down; the answer to give.
    Every SMS webhook ends here (Africa's Talking's, Kannel's)."""
    rt = runtime()
    try:
        job_id = store_inbound(rt.db, message)
    except UNAVAILABLE as error:  # the database is down: keep the message on disk, replay it when it is back
        try:
            rt.spool.append(message)
        except OSError:
            log.exception("database down and the spool not writable: the aggregator must retry")
            return Response("unavailable: try again\n", status=503, mimetype="text/plain")
        _say_spooled(error)
        return Response("", status=200)
    if job_id is not None:
        batcher().submit([job_id])
    # else: a replayed callback; we have it already and change nothing
    return Response("", status=200)


_spooled = {"since": 0.0, "count": 0}  # this process's spooling, for one log line a minute, not one per message
SPOOL_LOG_EVERY = 60.0


def _say_spooled(error: Exception) -> None:
    _spooled["count"] += 1
    if time.monotonic() - _spooled["since"] >= SPOOL_LOG_EVERY:
        log.warning("database unavailable (%s): %d message(s) spooled for replay", type(error).__name__,
                    _spooled["count"])  # fmt: skip
        _spooled.update(since=time.monotonic(), count=0)
