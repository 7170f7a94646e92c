"""Outbound SMS: queue one idempotently, then deliver it through the provider, retrying what may pass."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import utcnow
from gateway.models import InboundMessage, OutboundMessage, OutboundStatus, OutboxJob, OutboxStatus
from gateway.outbox import Outcome
from gateway.runtime import Runtime
from gateway.sms.base import Accepted
from gateway.sms.errors import ProviderError
from gateway.sms.templates import render
from gateway.sms.text import SmsText

log = logging.getLogger(__name__)

SEND_JOB = "send_sms"
Taken = tuple[int, Accepted]  # an outbound message the provider took, and what it said
KEY_BATCH = 500
IN_DOUBT_AFTER = timedelta(minutes=5)
MARK_EVERY = 10  # sent messages recorded together; at most this many are in doubt if a worker dies mid-batch


@dataclass(frozen=True)
class SmsRequest:
    """One SMS to queue: to whom, which template in which language, its values and idempotency key."""

    phone: str
    template: str
    language: str
    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    inbound_id: int | None = None


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
    for start in range(0, len(keys), KEY_BATCH):
        used.update(conn.scalars(USED_KEYS, {"keys": keys[start : start + KEY_BATCH]}))
    now = utcnow()
    expires = now + timedelta(seconds=settings.sms_ttl_seconds)
    rows = []
    for request in requests:
        if request.key in used:
            continue
        used.add(request.key)
        sms = render(request.template, request.language, **request.values)
        rows.append({"idempotency_key": request.key, "phone": request.phone, "text": sms.text,
                     "template": request.template, "language": request.language, "encoding": sms.encoding,
                     "segments": sms.segments, "status": OutboundStatus.QUEUED, "attempts": 0,
                     "inbound_id": request.inbound_id, "created_at": now, "next_attempt_at": now,
                     "expires_at": expires})  # fmt: skip
    if not rows:
        return {}
    message_ids = conn.scalars(INSERT_MESSAGES, rows).all()
    jobs = [{"kind": SEND_JOB, "ref_id": message_id, "status": OutboxStatus.PENDING, "attempts": 0,
             "created_at": now, "available_at": now} for message_id in message_ids]  # fmt: skip
    job_ids = conn.scalars(INSERT_JOBS, jobs).all()
    return {str(row["idempotency_key"]): job_id for row, job_id in zip(rows, job_ids, strict=True)}


def in_doubt(session: Session) -> int:
    """Messages handed to the provider by a worker that stopped before recording the answer (for /healthz).

    They stay ``sending`` and are not sent again (the provider may have taken them): an operator checks them in
    the provider's dashboard. Sending takes seconds; IN_DOUBT_AFTER past its due time, a message is in doubt.
    """
    due_before = utcnow() - IN_DOUBT_AFTER
    count = session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.status == OutboundStatus.SENDING, OutboundMessage.next_attempt_at <= due_before))  # fmt: skip
    return int(count or 0)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver(rt: Runtime, outbound_ids: Sequence[int]) -> list[Outcome]:
    """Send queued SMS: claim them, call the provider for each, store the outcomes; one Outcome per id.

    One statement claims the whole batch (a report's reply and alerts, or a worker's batch of them) and records
    the attempt before the provider is called (status ``sending``); the sent ones are marked every MARK_EVERY
    messages, so a worker that dies mid-batch leaves few whose fate is unknown. A provider's error, or a crash of
    its library, is recorded on its message and retried; if anything else fails, the messages not yet offered to
    the provider go back to the queue.
    """
    now = utcnow()
    with rt.db.engine.begin() as conn:
        claimed = {row[0]: row[1:] for row in conn.execute(CLAIM, {"ids": list(outbound_ids), "now": now})}
    outcomes: list[Outcome] = []
    sent: list[Taken] = []
    try:
        for outbound_id in outbound_ids:
            if outbound_id not in claimed:
                outcomes.append(_not_claimed(rt, outbound_id, now))
                continue
            phone, text, encoding, segments, attempts = claimed.pop(outbound_id)
            try:
                accepted = rt.provider.send(phone, SmsText(text, encoding, segments))
            except ProviderError as error:
                outcomes.append(_record_failure(rt, outbound_id, attempts, error))
                continue
            except Exception as error:  # a bug in a provider's library: retry it like a passing fault, loudly
                log.exception("provider %s raised %s", rt.provider_name, type(error).__name__)
                unexpected = ProviderError(f"{type(error).__name__}: {error}", permanent=False)
                outcomes.append(_record_failure(rt, outbound_id, attempts, unexpected))
                continue
            sent.append((outbound_id, accepted))
            outcomes.append(Outcome())
            if len(sent) >= MARK_EVERY:
                _mark_sent(rt, sent)
    finally:  # what the provider took is recorded, and what it was never offered is queued again
        _mark_sent(rt, sent)
        if claimed:
            with rt.db.engine.begin() as conn:
                conn.execute(UNCLAIM, {"ids": list(claimed)})
    return outcomes


def _mark_sent(rt: Runtime, sent: list[Taken]) -> None:
    """Record these messages as sent, in one executemany, and empty the list."""
    if not sent:
        return
    now = utcnow()
    rows = [{"message_id": outbound_id, "provider": rt.provider_name, "now": now, "provider_id": accepted.message_id,
             "delivery": accepted.status} for outbound_id, accepted in sent]  # fmt: skip
    with rt.db.engine.begin() as conn:
        conn.execute(MARK_SENT, rows)
    sent.clear()


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
_JOBS = cast(Table, OutboxJob.__table__)
USED_KEYS = select(_out.idempotency_key).where(_out.idempotency_key.in_(bindparam("keys", expanding=True)))
INSERT_MESSAGES = insert(_TABLE).returning(_out.id, sort_by_parameter_order=True)
INSERT_JOBS = insert(_JOBS).returning(_JOBS.c.id, sort_by_parameter_order=True)
CLAIM = (
    update(_TABLE)
    .where(_out.id.in_(bindparam("ids", expanding=True)), _out.status == OutboundStatus.QUEUED,
           _out.next_attempt_at <= bindparam("now"), _out.expires_at > bindparam("now"))
    .values(status=OutboundStatus.SENDING, attempts=_out.attempts + 1)
    .returning(_out.id, _out.phone, _out.text, _out.encoding, _out.segments, _out.attempts)
)  # fmt: skip
MARK_SENT = (
    update(_TABLE)
    .where(_out.id == bindparam("message_id"))
    .values(status=OutboundStatus.SENT, provider=bindparam("provider"), provider_message_id=bindparam("provider_id"),
            sent_at=bindparam("now"), last_error=None, delivery_status=bindparam("delivery"))
)  # fmt: skip
UNCLAIM = (
    update(_TABLE)
    .where(_out.id.in_(bindparam("ids", expanding=True)), _out.status == OutboundStatus.SENDING)
    .values(status=OutboundStatus.QUEUED, attempts=_out.attempts - 1)
)


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


def wait_for_replies(
    rt: Runtime, provider_id: str, timeout: float, run_jobs: Callable[[], object]
) -> tuple[list[OutboundMessage], bool]:
    """Wait until every SMS the inbound message ``provider_id`` caused has left the queue (for the simulators).

    Without Redis, ``run_jobs`` runs the due jobs here. Returns the SMS and whether they all left in time; a
    message that was never stored, or caused no SMS, returns at once with nothing.
    """
    deadline = time.monotonic() + timeout
    while True:
        with rt.db.session() as session:
            inbound_id = session.scalar(select(InboundMessage.id).where(InboundMessage.provider_id == provider_id))
            if inbound_id is None:
                return [], True
            replies = list(session.scalars(
                select(OutboundMessage).where(OutboundMessage.inbound_id == inbound_id).order_by(OutboundMessage.id)
            ))  # fmt: skip
        if replies and all(r.status not in (OutboundStatus.QUEUED, OutboundStatus.SENDING) for r in replies):
            return replies, True
        if time.monotonic() > deadline:
            return replies, False
        if rt.usable_queue() is None:
            run_jobs()
        time.sleep(0.1)  # a person is watching a terminal; this is not a test
