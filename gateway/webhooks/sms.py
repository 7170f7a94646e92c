"""POST /webhooks/sms: an SMS from a resident or an officer, as Africa's Talking forwards it."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.models import InboundMessage
from gateway.outbox import add_job
from gateway.phones import normalize_phone
from gateway.webhooks import bad_request, parse_provider_date, relay, require_form, require_secret, runtime

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__)
bp.before_request(require_secret)

PROCESS_INBOUND = "process_inbound"
MAX_TEXT = 4000  # a long concatenated SMS is ~1,600 characters; anything far past that is not an SMS
MAX_ID = 100


@bp.post("/webhooks/sms")
def inbound_sms() -> Response:
    """Store the message and its processing job in one transaction, answer 200, then hand the job off."""
    problem = require_form(("from", "to", "text", "id"))
    if problem:
        return problem
    form = request.form
    phone = normalize_phone(form["from"])
    if phone is None:
        return bad_request("'from' is not a valid phone number")
    provider_id = form["id"].strip()
    if not provider_id or len(provider_id) > MAX_ID:
        return bad_request(f"'id' must be 1 to {MAX_ID} characters")
    if len(form["text"]) > MAX_TEXT:
        return bad_request(f"'text' is longer than {MAX_TEXT} characters")
    try:
        sent_at = parse_provider_date(form["date"]) if form.get("date") else None
    except ValueError:
        return bad_request("'date' is not a date and time")

    rt = runtime()
    try:
        with rt.db.session() as session:
            message = InboundMessage(
                provider_id=provider_id, channel="sms", phone=phone, to=form["to"][:30], text=form["text"],
                link_id=form.get("linkId") or None, sent_at=sent_at,
            )  # fmt: skip
            session.add(message)
            session.flush()
            job_id = add_job(session, PROCESS_INBOUND, message.id).id
    except IntegrityError:
        with rt.db.session() as session:
            known = session.scalar(select(InboundMessage.id).where(InboundMessage.provider_id == provider_id))
        if known is None:
            raise
        return Response("", status=200)  # a replayed callback: we have it already, change nothing
    relay().hand_off([job_id])
    return Response("", status=200)
