"""POST /webhooks/delivery: Africa's Talking's delivery report for an SMS we sent."""

from __future__ import annotations

import logging

from flask import Blueprint, Response
from sqlalchemy import select

from gateway.db import utcnow
from gateway.models import OutboundMessage, OutboundStatus
from gateway.webhooks import form_field, require_form, require_secret, runtime

MAX_ID = 100

log = logging.getLogger(__name__)

bp = Blueprint("delivery", __name__)
bp.before_request(require_secret)

# Africa's Talking's delivery statuses, and what each means for our row (None: still on its way).
STATUSES: dict[str, OutboundStatus | None] = {
    "Sent": None,
    "Submitted": None,
    "Buffered": None,
    "Success": OutboundStatus.DELIVERED,
    "Rejected": OutboundStatus.FAILED,
    "Failed": OutboundStatus.FAILED,
    "AbsentSubscriber": OutboundStatus.FAILED,
    "Expired": OutboundStatus.EXPIRED,
}
FINAL = {OutboundStatus.DELIVERED, OutboundStatus.FAILED, OutboundStatus.EXPIRED}


@bp.post("/webhooks/delivery")
def delivery_report() -> Response:
    """Record the report on the outbound row; unknown ids and statuses get 200 so the aggregator stops retrying."""
    problem = require_form(("id", "status"))
    if problem:
        return problem
    provider_id, status = form_field("id", MAX_ID).strip(), form_field("status", MAX_ID).strip()
    reason = form_field("failureReason", MAX_ID, strip_nul=True)
    if status not in STATUSES:
        log.warning("delivery report with unknown status %r for %s; ignored", status[:40], provider_id[:100])
        return Response("", status=200)
    with runtime().db.session() as session:
        message = session.scalar(
            select(OutboundMessage).where(OutboundMessage.provider_message_id == provider_id).limit(1)
        )
        if message is None:
            log.warning("delivery report for unknown message id %s; ignored", provider_id[:100])
            return Response("", status=200)
        if message.status in FINAL:  # a late or replayed report never undoes a final state
            return Response("", status=200)
        message.delivery_status = status
        new_status = STATUSES[status]
        if new_status is not None:
            message.status = new_status
            if new_status == OutboundStatus.DELIVERED:
                message.delivered_at = utcnow()
            else:
                message.last_error = reason or status
    return Response("", status=200)
