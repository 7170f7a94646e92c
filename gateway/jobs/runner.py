"""Run outbox jobs: the table of job kinds and their handlers; claim a batch, run it, record what became of it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, bindparam, update

from gateway.db import utcnow
from gateway.inbound import process_inbound
from gateway.jobs.kinds import PROCESS_INBOUND, SEND_SMS, SEND_WARNING, Outcome
from gateway.jobs.lease import JOB_LEASE, Lease
from gateway.models import OutboxJob, OutboxStatus
from gateway.runtime import Runtime
from gateway.sms.send import deliver
from gateway.warnings.lane import deliver_warnings

log = logging.getLogger(__name__)

Results = list[Outcome | Exception]  # one per job, in order: what it asks of the outbox, or why it failed
JobKind = Callable[[Runtime, Sequence[int]], Results]  # runs the jobs of one kind, given their rows' ref ids


def in_one_go(run: Callable[[Runtime, Sequence[int]], list[Outcome]]) -> JobKind:
    """Run a job kind over the whole batch at once; if that fails, run each job alone, so a bad one fails alone.

    What a batch did before it failed is either rolled back (one transaction) or recorded and not done again
    (an SMS the provider took is marked sent even when a later one fails).
    """

    def run_batch(rt: Runtime, ref_ids: Sequence[int]) -> Results:
        if len(ref_ids) > 1:
            try:
                return list(run(rt, ref_ids))
            except Exception:  # each job is run again below, and a failure recorded on its own row
                log.warning("a batch of %d jobs failed; running them one at a time", len(ref_ids), exc_info=True)
        outcomes: Results = []
        for ref_id in ref_ids:
            try:
                outcomes.append(run(rt, [ref_id])[0])
            except Exception as error:  # recorded on its outbox row and retried; the rest of the batch goes on
                outcomes.append(error)
        return outcomes

    return run_batch


JOBS: dict[str, JobKind] = {
    PROCESS_INBOUND: in_one_go(process_inbound),
    SEND_SMS: in_one_go(deliver),
    SEND_WARNING: in_one_go(deliver_warnings),
}
MAX_JOB_ATTEMPTS = 8


@dataclass
class Ran:
    """What became of a batch of outbox jobs."""

    done: list[int] = field(default_factory=list)  # finished, or rescheduled by the job itself
    skipped: list[int] = field(default_factory=list)  # someone else had it, or it is not due
    failed: list[int] = field(default_factory=list)  # raised; recorded on the row with its retry time


def execute(rt: Runtime, outbox_id: int) -> bool | None:
    """Run one outbox job: True done (or rescheduled), False not claimable, None failed (recorded on the row)."""
    ran = execute_many(rt, [outbox_id])
    return True if ran.done else None if ran.failed else False


def execute_many(rt: Runtime, outbox_ids: Sequence[int]) -> Ran:
    """Claim the due rows among ``outbox_ids``, run their jobs kind by kind, record the outcomes, then run the
    follow-ups the same way.

    One statement claims the batch and one finishes it: a report's reply and alerts, and a worker's batch of
    reports, pass through here, and a transaction per row cost more than many of the jobs.
    """
    now = utcnow()
    ran = Ran()
    if not outbox_ids:
        return ran
    with rt.db.engine.begin() as conn:
        params = {"ids": list(outbox_ids), "now": now, "lease": now + JOB_LEASE}
        claimed = {row[0]: row[1:] for row in conn.execute(CLAIM, params)}
    ran.skipped = [outbox_id for outbox_id in outbox_ids if outbox_id not in claimed]
    by_kind: dict[str, list[int]] = {}
    for outbox_id in outbox_ids:
        if outbox_id in claimed:
            by_kind.setdefault(claimed[outbox_id][0], []).append(outbox_id)

    finished: list[int] = []
    rescheduled: list[dict[str, object]] = []
    follow_up: list[int] = []
    with Lease(rt.db, list(claimed)):  # renewed while the batch runs, however slow the provider
        for kind, ids in by_kind.items():
            run = JOBS.get(kind)
            outcomes = (
                run(rt, [claimed[i][1] for i in ids])
                if run
                else [LookupError(f"unknown outbox job kind {kind!r}")] * len(ids)
            )
            for outbox_id, outcome in zip(ids, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    _failed(rt, outbox_id, claimed[outbox_id][2], outcome)
                    ran.failed.append(outbox_id)
                    continue
                ran.done.append(outbox_id)
                if outcome.retry_at is None:
                    finished.append(outbox_id)
                else:
                    rescheduled.append({"job_id": outbox_id, "at": outcome.retry_at})
                follow_up += outcome.follow_up
    with rt.db.engine.begin() as conn:
        if finished:
            conn.execute(FINISH, {"ids": finished, "now": utcnow()})
        if rescheduled:
            conn.execute(RESCHEDULE, rescheduled)
    # A job's follow-ups (a report's reply and alerts) run here and now: no round trip through Redis, and the
    # SMS go out as soon as the report is recorded. Their outbox rows keep them safe if this process dies.
    execute_many(rt, follow_up)
    return ran


_TABLE = cast(Table, OutboxJob.__table__)
_job = _TABLE.c
CLAIM = (
    update(_TABLE)
    .where(_job.id.in_(bindparam("ids", expanding=True)), _job.status == OutboxStatus.PENDING,
           _job.available_at <= bindparam("now"))
    .values(status=OutboxStatus.RUNNING, started_at=bindparam("now"), attempts=_job.attempts + 1,
            lease_until=bindparam("lease"))
    .returning(_job.id, _job.kind, _job.ref_id, _job.attempts)
)  # fmt: skip
FINISH = (
    update(_TABLE)
    .where(_job.id.in_(bindparam("ids", expanding=True)))
    .values(status=OutboxStatus.DONE, finished_at=bindparam("now"), last_error=None)
)
RESCHEDULE = (
    update(_TABLE)
    .where(_job.id == bindparam("job_id"))
    .values(status=OutboxStatus.PENDING, available_at=bindparam("at"))
)


def _failed(rt: Runtime, outbox_id: int, attempts: int, error: Exception) -> None:
    """Record a crashed job: back to pending with backoff, or failed for good after MAX_JOB_ATTEMPTS."""
    give_up = attempts >= MAX_JOB_ATTEMPTS
    values: dict[str, object] = {"last_error": f"{type(error).__name__}: {error}"[:1000]}
    if give_up:
        values.update(status=OutboxStatus.FAILED, finished_at=utcnow())
    else:
        values.update(status=OutboxStatus.PENDING, available_at=utcnow() + timedelta(seconds=15 * 2**attempts))
    with rt.db.session() as session:
        session.execute(update(OutboxJob).where(OutboxJob.id == outbox_id).values(**values))
    log.error("outbox job %d failed on attempt %d (%s): %s", outbox_id, attempts,
              "giving up" if give_up else "will retry", type(error).__name__, exc_info=error)  # fmt: skip
