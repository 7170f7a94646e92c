"""Send queued SMS through the provider: claim, offer, record; retry what may pass, give up on what will not."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select, text, update

from gateway.db import naive_utc, utcnow
from gateway.jobs.kinds import Outcome
from gateway.models import InboundMessage, OutboundMessage, OutboundStatus
from gateway.runtime import Runtime
from gateway.sms.base import Accepted
from gateway.sms.errors import ProviderError
from gateway.sms.providers import sends_at_once
from gateway.sms.text import SmsText

log = logging.getLogger(__name__)

Taken = tuple[int, Accepted]  # an outbound message the provider took, and what it said
LEASE_MARGIN = timedelta(seconds=30)  # a send's lease: the provider's timeout plus this; past it, it is in doubt
DOUBT_WINDOW = timedelta(minutes=10)  # a provider's delivery report comes within this, if it comes at all
RESEND_IN_DOUBT = frozenset({"alert", "escalation"})  # in doubt, these are sent once more; replies are not


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver(rt: Runtime, outbound_ids: Sequence[int]) -> list[Outcome]:
    """Send queued SMS and store each outcome; one Outcome per id, in order.

    A link that takes several sends at once (``sends_at_once``, e.g. Kannel: its answer waits on bearerbox, not on
    our CPU) gets that many lanes, each offering its share of the batch one message at a time (see ``_lane``): a
    worker killed mid-batch leaves at most one message in doubt per lane. A lane that fails stops the others from
    claiming more; each finishes and records the send in hand, then the failure is raised.
    """
    slots = min(sends_at_once(rt.provider), len(outbound_ids))
    stop = threading.Event()
    if slots <= 1:
        return _lane(rt, outbound_ids, stop)
    _ = rt.pace  # built here, once: a cached property the lanes would race to build
    with ThreadPoolExecutor(slots, thread_name_prefix="sms-send") as pool:
        lanes = [pool.submit(_lane, rt, outbound_ids[n::slots], stop) for n in range(slots)]
        try:
            futures.wait(lanes, return_when=futures.FIRST_EXCEPTION)
        finally:  # all done, a lane failed, or this thread was told to stop: no lane claims any more
            stop.set()
    for lane in lanes:  # every lane has stopped and recorded what its link took
        if (error := lane.exception()) is not None:
            raise error
    outcomes: list[Outcome] = [Outcome()] * len(outbound_ids)
    for n, lane in enumerate(lanes):
        outcomes[n::slots] = lane.result()
    return outcomes


def _lane(rt: Runtime, outbound_ids: Sequence[int], stop: threading.Event) -> list[Outcome]:
    """Send SMS one at a time and store each outcome, until ``stop`` is set; one Outcome per id offered.

    A message is claimed (``sending``, with a lease) just before it is offered, in the same transaction that
    records the answer to the one before: a worker that dies leaves at most the one it was offering in doubt, and
    every message it never offered is still ``queued``. A provider error is recorded on its message and retried
    if it may pass; an answer that never came (a read timeout) leaves the message in doubt, never resent blindly.
    """
    outcomes: list[Outcome] = []
    taken: Taken | None = None  # accepted by the provider, recorded with the next claim
    lease = timedelta(seconds=rt.settings.sms_timeout_seconds) + LEASE_MARGIN
    with rt.db.engine.connect() as conn:  # one connection for the batch, a short transaction per message
        if not rt.db.is_sqlite:  # one statement per message, in autocommit: one round trip, not four
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            for outbound_id in outbound_ids:
                rt.pace.wait()  # before the claim: a message waits its turn in the queue, not in doubt
                if stop.is_set():
                    break
                now = utcnow()
                claim = {"message_id": outbound_id, "now": now, "lease": now + lease}
                if not rt.db.is_sqlite:
                    previous = _sent_row(rt, taken, now) if taken else {**NOTHING_SENT, "now": now}
                    params = {**claim, **_prefixed(previous)}  # text(): naive UTC, as UTCDateTime columns store it
                    params = {k: naive_utc(v) if isinstance(v, datetime) else v for k, v in params.items()}
                    claimed = conn.execute(SENT_THEN_CLAIM, params).first()
                    taken = None
                else:
                    with conn.begin():
                        if taken is not None:
                            conn.execute(MARK_SENT, _sent_row(rt, taken, now))
                            taken = None
                        claimed = conn.execute(CLAIM, claim).first()
                if claimed is None:
                    outcomes.append(_not_claimed(rt, outbound_id, now))
                    continue
                phone, text, encoding, segments, attempts = claimed
                try:
                    accepted = rt.provider.send(phone, SmsText(text, encoding, segments), ref=str(outbound_id))
                except ProviderError as error:
                    outcomes.append(_record_failure(rt, outbound_id, attempts, error))
                    continue
                except Exception as error:  # a bug in a provider's library: retry it like a passing fault, loudly
                    log.exception("provider %s raised %s", rt.provider_name, type(error).__name__)
                    unexpected = ProviderError(f"{type(error).__name__}: {error}", permanent=False)
                    outcomes.append(_record_failure(rt, outbound_id, attempts, unexpected))
                    continue
                taken = (outbound_id, accepted)
                outcomes.append(Outcome())
        finally:  # what the provider took is recorded, whatever stopped the loop
            if taken is not None:
                if conn.in_transaction():
                    conn.rollback()
                if rt.db.is_sqlite:
                    with conn.begin():
                        conn.execute(MARK_SENT, _sent_row(rt, taken, utcnow()))
                else:
                    conn.execute(MARK_SENT, _sent_row(rt, taken, utcnow()))
    return outcomes


NOTHING_SENT: dict[str, object] = {"message_id": 0, "provider": None, "provider_id": None, "delivery": None}


def _prefixed(row: dict[str, object]) -> dict[str, object]:
    """A sent row's parameters named for SENT_THEN_CLAIM."""
    return {f"sent_{key}": value for key, value in row.items()}


def _sent_row(rt: Runtime, taken: Taken, now: datetime) -> dict[str, object]:
    outbound_id, accepted = taken
    return {"message_id": outbound_id, "provider": accepted.link or rt.provider_name, "now": now,
            "provider_id": accepted.message_id, "delivery": accepted.status}  # fmt: skip


def settle_doubt(rt: Runtime, now: datetime | None = None) -> int:
    """Move SMS whose sending lease lapsed to ``in_doubt``, and queue once more the alerts in doubt longer than
    DOUBT_WINDOW with no delivery report; return how many changed. Run on the relay's clock.

    A confirmation in doubt is not resent (a second copy of a reference is worse than none, and the resident
    can text CEK or ask again); an officer alert in doubt is resent once, since an unread alert costs a response.
    """
    now = now or utcnow()
    with rt.db.engine.begin() as conn:
        lapsed = conn.execute(LAPSED, {"now": now}).rowcount
        resent = conn.execute(RESEND, {"before": now - DOUBT_WINDOW, "now": now,
                                       "templates": sorted(RESEND_IN_DOUBT)}).rowcount  # fmt: skip
    if lapsed:
        log.warning("%d SMS in doubt: handed to the provider with no answer recorded", lapsed)
    if resent:
        log.warning("%d officer alerts in doubt for %s queued once more", resent, DOUBT_WINDOW)
    return int(lapsed) + int(resent)


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
    values: dict[str, object] = {"last_error": str(error)[:500], "provider": error.link or rt.provider_name,
                                 "lease_until": None}  # fmt: skip
    retry_at = None
    if error.in_doubt:  # the provider may have it: never resend blindly (see settle_doubt)
        values.update(status=OutboundStatus.IN_DOUBT, lease_until=now)
    elif give_up:
        values["status"] = OutboundStatus.FAILED
    else:
        retry_at = now + backoff(attempts)
        values.update(status=OutboundStatus.QUEUED, next_attempt_at=retry_at)
    with rt.db.session() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(**values))
    verdict = "in doubt" if error.in_doubt else "giving up" if give_up else "will retry"
    log.warning("outbound %d attempt %d failed (%s): %s", outbound_id, attempts, verdict, error)
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
    .where(_out.id == bindparam("message_id"), _out.status == OutboundStatus.QUEUED,
           _out.next_attempt_at <= bindparam("now"), _out.expires_at > bindparam("now"))
    .values(status=OutboundStatus.SENDING, attempts=_out.attempts + 1, lease_until=bindparam("lease"))
    .returning(_out.phone, _out.text, _out.encoding, _out.segments, _out.attempts)
)  # fmt: skip
MARK_SENT = (
    update(_TABLE)
    .where(_out.id == bindparam("message_id"), _out.status == OutboundStatus.SENDING)
    .values(status=OutboundStatus.SENT, provider=bindparam("provider"), provider_message_id=bindparam("provider_id"),
            sent_at=bindparam("now"), last_error=None, delivery_status=bindparam("delivery"), lease_until=None)
)  # fmt: skip
LAPSED = (
    update(_TABLE)
    .where(_out.status == OutboundStatus.SENDING, _out.lease_until < bindparam("now"))
    .values(status=OutboundStatus.IN_DOUBT, last_error="no answer recorded from the provider: in doubt")
)
RESEND = (
    update(_TABLE)
    .where(_out.status == OutboundStatus.IN_DOUBT, _out.doubt_resends == 0, _out.delivery_status.is_(None),
           _out.template.in_(bindparam("templates", expanding=True)), _out.lease_until < bindparam("before"),
           _out.expires_at > bindparam("now"))
    .values(status=OutboundStatus.QUEUED, doubt_resends=1, next_attempt_at=bindparam("now"), lease_until=None)
)  # fmt: skip
# PostgreSQL: record the previous message as sent and claim the next in one statement (a data-modifying CTE).
SENT_THEN_CLAIM = text(
    "WITH sent AS (UPDATE outbound_messages SET status = 'sent', provider = :sent_provider, "
    "provider_message_id = :sent_provider_id, sent_at = :sent_now, last_error = NULL, "
    "delivery_status = :sent_delivery, lease_until = NULL WHERE id = :sent_message_id AND status = 'sending') "
    "UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1, lease_until = :lease "
    "WHERE id = :message_id AND status = 'queued' AND next_attempt_at <= :now AND expires_at > :now "
    "RETURNING phone, text, encoding, segments, attempts"
)
