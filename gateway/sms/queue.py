"""Queue outbound SMS: rendered from a template, once per idempotency key, with the job that will send it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import chunks, utcnow
from gateway.jobs.kinds import SEND_SMS
from gateway.models import OutboundMessage, OutboundStatus, OutboxJob, OutboxStatus
from gateway.sms.budget import allowed_country
from gateway.sms.templates import render


@dataclass(frozen=True)
class SmsRequest:
    """One SMS to queue: to whom, which template in which language, its values and idempotency key."""

    phone: str
    template: str
    language: str
    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    inbound_id: int | None = None
    withheld: str | None = None  # why it must not be sent (e.g. ``budget``): stored and counted, never sent


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
    jobs = queue_sms_many(session, settings, [SmsRequest(phone, template, language, key, values or {}, inbound_id)])
    return jobs[0] if jobs else None


def queue_sms_many(session: Session, settings: Settings, requests: Sequence[SmsRequest]) -> list[int]:
    """Queue many SMS at once (a report's alerts, pickup notices for a whole incident); return the send jobs."""
    return list(queue_sms_keyed(session, settings, requests).values())


def queue_sms_keyed(session: Session, settings: Settings, requests: Sequence[SmsRequest]) -> dict[str, int]:
    """Queue many SMS at once; skip keys already used; return the send job of each key queued now.

    Core statements on the session's connection: every report queues its reply and alerts here, and the ORM's
    bulk machinery cost more than the inserts. Nothing here needs the session's pending objects flushed.
    """
    conn = session.connection()
    used: set[str] = set()
    keys = [r.key for r in requests]
    for chunk in chunks(keys):
        used.update(conn.scalars(USED_KEYS, {"keys": chunk}))
    now = utcnow()
    expires = now + timedelta(seconds=settings.sms_ttl_seconds)
    rows = []
    for request in requests:
        if request.key in used:
            continue
        used.add(request.key)
        sms = render(request.template, request.language, **request.values)
        withheld = request.withheld or (None if allowed_country(request.phone, settings) else "country")
        rows.append({"idempotency_key": request.key, "phone": request.phone, "text": sms.text,
                     "template": request.template, "language": request.language, "encoding": sms.encoding,
                     "segments": sms.segments, "status": OutboundStatus.WITHHELD if withheld else OutboundStatus.QUEUED,
                     "last_error": f"withheld: {withheld}" if withheld else None, "attempts": 0,
                     "inbound_id": request.inbound_id, "created_at": now, "next_attempt_at": now,
                     "expires_at": expires})  # fmt: skip
    if not rows:
        return {}
    message_ids = conn.scalars(INSERT_MESSAGES, rows).all()
    to_send = [(row, message_id) for row, message_id in zip(rows, message_ids, strict=True)
               if row["status"] == OutboundStatus.QUEUED]  # fmt: skip
    if not to_send:
        return {}
    jobs = [{"kind": SEND_SMS, "ref_id": message_id, "status": OutboxStatus.PENDING, "attempts": 0,
             "created_at": now, "available_at": now} for _, message_id in to_send]  # fmt: skip
    job_ids = conn.scalars(INSERT_JOBS, jobs).all()
    return {str(row["idempotency_key"]): job_id for (row, _), job_id in zip(to_send, job_ids, strict=True)}


def withheld(session: Session) -> dict[str, int]:
    """SMS withheld in the last day, by reason (``budget``, ``country``), for /healthz."""
    since = utcnow() - timedelta(days=1)
    rows = session.execute(
        select(OutboundMessage.last_error, func.count())
        .where(OutboundMessage.status == OutboundStatus.WITHHELD, OutboundMessage.created_at >= since)
        .group_by(OutboundMessage.last_error)
    ).all()
    return {str(reason).removeprefix("withheld: "): int(count) for reason, count in rows}


def in_doubt(session: Session) -> int:
    """SMS handed to the provider with no answer recorded (a read timeout, a worker gone), for /healthz.

    They are not resent blindly: an operator checks them in the provider's dashboard, and officer alerts are
    sent once more after the delivery-report window (gateway.sms.send.settle_doubt).
    """
    lapsed = (OutboundMessage.status == OutboundStatus.SENDING) & (OutboundMessage.lease_until < utcnow())
    count = session.scalar(select(func.count()).select_from(OutboundMessage).where(
        (OutboundMessage.status == OutboundStatus.IN_DOUBT) | lapsed))  # fmt: skip
    return int(count or 0)


_TABLE = cast(Table, OutboundMessage.__table__)
_JOBS = cast(Table, OutboxJob.__table__)
USED_KEYS = select(_TABLE.c.idempotency_key).where(_TABLE.c.idempotency_key.in_(bindparam("keys", expanding=True)))
INSERT_MESSAGES = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)
INSERT_JOBS = insert(_JOBS).returning(_JOBS.c.id, sort_by_parameter_order=True)
