"""Outbound SMS: queue one idempotently, then deliver it through the provider, retrying what may pass."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select, update
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
    with rt.db.session() as session:
        message = session.get(OutboundMessage, outbound_id)
        if message is None or message.status != OutboundStatus.QUEUED:
            return Outcome()
        if message.expires_at <= now:
            message.status = OutboundStatus.EXPIRED
            message.last_error = "not sent before it expired"
            return Outcome()
        if message.next_attempt_at > now:
            return Outcome(retry_at=message.next_attempt_at)
        claimed = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id, OutboundMessage.status == OutboundStatus.QUEUED)
            .values(status=OutboundStatus.SENDING, attempts=OutboundMessage.attempts + 1)
            .returning(OutboundMessage.attempts)
            .execution_options(synchronize_session=False)
        ).first()
        if claimed is None:  # another worker has it
            return Outcome()
        attempts = claimed.attempts
        phone, sms = message.phone, SmsText(message.text, message.encoding, message.segments)  # type: ignore[arg-type]

    try:
        accepted = rt.provider.send(phone, sms)
    except ProviderError as error:
        return _record_failure(rt, outbound_id, attempts, error)

    with rt.db.session() as session:
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id)
            .values(status=OutboundStatus.SENT, provider=rt.provider.name, provider_message_id=accepted.message_id,
                    sent_at=utcnow(), last_error=None, delivery_status=accepted.status)
        )  # fmt: skip
    return Outcome()


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
