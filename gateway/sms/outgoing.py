"""Outbound SMS: queue one idempotently, then deliver it through the provider, retrying what may pass."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import utcnow
from gateway.models import OutboundMessage, OutboundStatus
from gateway.outbox import Outcome, add_job
from gateway.runtime import Runtime
from gateway.sms.errors import ProviderError
from gateway.sms.templates import render
from gateway.sms.text import SmsText

log = logging.getLogger(__name__)

SEND_JOB = "send_sms"


def queue_sms(
    session: Session,
    settings: Settings,
    *,
    phone: str,
    template: str,
    language: str,
    key: str,
    values: Mapping[str, object] | None = None,
    inbound_id: int | None = None,
) -> int | None:
    """Render and queue an SMS in the caller's transaction; return the send job's id, or None if ``key`` was used."""
    if session.scalar(select(OutboundMessage.id).where(OutboundMessage.idempotency_key == key)) is not None:
        return None
    sms = render(template, language, **(values or {}))
    now = utcnow()
    message = OutboundMessage(
        idempotency_key=key, phone=phone, text=sms.text, template=template, language=language,
        encoding=sms.encoding, segments=sms.segments, status=OutboundStatus.QUEUED, attempts=0,
        inbound_id=inbound_id, created_at=now, next_attempt_at=now,
        expires_at=now + timedelta(seconds=settings.sms_ttl_seconds),
    )  # fmt: skip
    session.add(message)
    session.flush()
    return add_job(session, SEND_JOB, message.id).id


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver(rt: Runtime, outbound_id: int) -> Outcome:
    """Send one queued SMS: claim it, record the attempt, call the provider, store the outcome."""
    now = utcnow()
    # The common case in one statement: due, not expired, still queued. Core statements built once, not ORM
    # sessions: every SMS passes through here.
    with rt.db.engine.begin() as conn:
        claimed = conn.execute(CLAIM, {"message_id": outbound_id, "now": now}).first()
    if claimed is None:
        return _not_claimed(rt, outbound_id, now)
    phone, text, encoding, segments, attempts = claimed
    try:
        accepted = rt.provider.send(phone, SmsText(text, encoding, segments))
    except ProviderError as error:
        return _record_failure(rt, outbound_id, attempts, error)
    with rt.db.engine.begin() as conn:
        conn.execute(MARK_SENT, {"message_id": outbound_id, "provider": rt.provider.name, "now": utcnow(),
                                 "provider_id": accepted.message_id, "delivery": accepted.status})  # fmt: skip
    return Outcome()


def _not_claimed(rt: Runtime, outbound_id: int, now: datetime) -> Outcome:
    """Why a message could not be claimed: expired (say so), not due yet (come back), or not ours to send."""
    with rt.db.session() as session:
        message = session.get(OutboundMessage, outbound_id)
        if message is None or message.status != OutboundStatus.QUEUED:
            return Outcome()  # sent, failed, or another worker has it
        if message.expires_at <= now:
            message.status = OutboundStatus.EXPIRED
            message.last_error = "not sent before it expired"
            return Outcome()
        return Outcome(retry_at=message.next_attempt_at)


_TABLE = cast(Table, OutboundMessage.__table__)
_out = _TABLE.c
CLAIM = (
    update(_TABLE)
    .where(_out.id == bindparam("message_id"), _out.status == OutboundStatus.QUEUED,
           _out.next_attempt_at <= bindparam("now"), _out.expires_at > bindparam("now"))
    .values(status=OutboundStatus.SENDING, attempts=_out.attempts + 1)
    .returning(_out.phone, _out.text, _out.encoding, _out.segments, _out.attempts)
)  # fmt: skip
MARK_SENT = (
    update(_TABLE)
    .where(_out.id == bindparam("message_id"))
    .values(status=OutboundStatus.SENT, provider=bindparam("provider"), provider_message_id=bindparam("provider_id"),
            sent_at=bindparam("now"), last_error=None, delivery_status=bindparam("delivery"))
)  # fmt: skip


def _record_failure(rt: Runtime, outbound_id: int, attempts: int, error: ProviderError) -> Outcome:
    now = utcnow()
    give_up = error.permanent or attempts >= rt.settings.sms_max_attempts
    values: dict[str, object] = {"last_error": str(error)[:500], "provider": rt.provider_name}
    if give_up:
        values["status"] = OutboundStatus.FAILED
        retry_at = None
    else:
        retry_at = now + backoff(attempts)
        values.update(status=OutboundStatus.QUEUED, next_attempt_at=retry_at)
    with rt.db.session() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(**values))
    log.warning("outbound %d attempt %d failed (%s): %s", outbound_id, attempts,
                "giving up" if give_up else "will retry", error)  # fmt: skip
    return Outcome(retry_at=retry_at)
