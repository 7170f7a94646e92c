"""Send queued SMS through the provider: claim, offer, record; retry what may pass, give up on what will not."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from gateway.db import utcnow
from gateway.jobs.kinds import Outcome
from gateway.models import InboundMessage, OutboundMessage, OutboundStatus
from gateway.runtime import Runtime
from gateway.sms.base import Accepted
from gateway.sms.errors import ProviderError
from gateway.sms.text import SmsText

log = logging.getLogger(__name__)

Taken = tuple[int, Accepted]  # an outbound message the provider took, and what it said
MARK_EVERY = 10  # sent messages recorded together; at most this many are in doubt if a worker dies mid-batch


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


_TABLE = cast(Table, OutboundMessage.__table__)
_out = _TABLE.c
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
