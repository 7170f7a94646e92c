"""The one RQ entry point, and the table of outbox job kinds it runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, bindparam, update

from gateway.config import load_settings
from gateway.db import utcnow
from gateway.models import OutboxJob, OutboxStatus
from gateway.outbox import PROCESS_INBOUND, Outcome, Relay
from gateway.runtime import Runtime
from gateway.sms.outgoing import SEND_JOB, deliver
from workers.inbound import process_inbound

log = logging.getLogger(__name__)

JOBS: dict[str, Callable[[Runtime, int], Outcome]] = {
    PROCESS_INBOUND: process_inbound,
    SEND_JOB: deliver,
}
MAX_JOB_ATTEMPTS = 8

_runtime: Runtime | None = None


def bind(runtime: Runtime) -> None:
    """Give this process's RQ jobs the runtime to use (``gateway worker`` does this at start)."""
    global _runtime
    _runtime = runtime


def current_runtime() -> Runtime:
    """The bound runtime, or one built from the environment for a plain ``rq worker``."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(load_settings())
    return _runtime


def run_outbox_jobs(outbox_ids: list[int]) -> None:
    """RQ entry point: run a batch of outbox jobs; each failure is recorded on its row, then reported to RQ."""
    rt = current_runtime()
    failed = [outbox_id for outbox_id in outbox_ids if execute(rt, outbox_id) is None]
    if failed:
        raise RuntimeError(f"outbox jobs {failed} failed; recorded on their rows and retried by the relay")


def execute(rt: Runtime, outbox_id: int) -> bool | None:
    """Claim the outbox row, run its job, record the outcome.

    True: done (or rescheduled). False: someone else had it, or it is not due. None: it failed, and the failure
    is recorded on the row with its retry time.
    """
    now = utcnow()
    # Core statements built once (below), not ORM sessions: every report and every SMS passes through here.
    with rt.db.engine.begin() as conn:
        job = conn.execute(CLAIM, {"job_id": outbox_id, "now": now}).first()
    if job is None:
        return False
    kind, ref_id, attempts = job

    run = JOBS.get(kind)
    try:
        if run is None:
            raise LookupError(f"unknown outbox job kind {kind!r}")
        outcome = run(rt, ref_id)
    except Exception as error:  # recorded on the row and retried with backoff; never lost, never silent
        _failed(rt, outbox_id, attempts, error)
        return None

    with rt.db.engine.begin() as conn:
        if outcome.retry_at is None:
            conn.execute(FINISH, {"job_id": outbox_id, "now": utcnow()})
        else:
            conn.execute(RESCHEDULE, {"job_id": outbox_id, "at": outcome.retry_at})
    # A job's follow-ups (a report's reply and alerts) run here and now: no round trip through Redis, and the
    # SMS go out as soon as the report is recorded. Their outbox rows keep them safe if this process dies.
    for follow_up in outcome.follow_up:
        execute(rt, follow_up)
    return True


_TABLE = cast(Table, OutboxJob.__table__)
_job = _TABLE.c
CLAIM = (
    update(_TABLE)
    .where(_job.id == bindparam("job_id"), _job.status == OutboxStatus.PENDING, _job.available_at <= bindparam("now"))
    .values(status=OutboxStatus.RUNNING, started_at=bindparam("now"), attempts=_job.attempts + 1)
    .returning(_job.kind, _job.ref_id, _job.attempts)
)
FINISH = (
    update(_TABLE)
    .where(_job.id == bindparam("job_id"))
    .values(status=OutboxStatus.DONE, finished_at=bindparam("now"), last_error=None)
)
RESCHEDULE = (
    update(_TABLE)
    .where(_job.id == bindparam("job_id"))
    .values(status=OutboxStatus.PENDING, available_at=bindparam("at"))
)


def run_escalations(rt: Runtime) -> int:
    """Escalate the unanswered alerts that are due, then hand their SMS off; return how many were queued."""
    from gateway.alerts import escalate_due

    with rt.db.session() as session:
        jobs = escalate_due(session, rt.settings, rt.rules, rt.region)
    Relay(rt, run_inline=execute).hand_off(jobs)
    return len(jobs)


def run_aid_clock(rt: Runtime) -> int:
    """Expire closed pickup windows and remind households whose window closes within a day."""
    from gateway.ledger import remind_and_expire

    with rt.db.session() as session:
        jobs = remind_and_expire(session, rt.settings, rt.programs)
    Relay(rt, run_inline=execute).hand_off(jobs)
    return len(jobs)


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
