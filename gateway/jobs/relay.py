"""The outbox relay: moves committed jobs into RQ, or runs them in this process when Redis is absent.

The webhook and the jobs write an OutboxJob row in the same transaction as the data it is about, commit,
and then hand the new ids off: the web process through its ``Batcher`` thread, jobs through
``Relay.hand_off``. When that hand-off cannot reach Redis, the row simply stays pending: the relay's ``tick``
finds it later, so nothing accepted is ever lost to a Redis outage.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.inbound.store import UNAVAILABLE, store_spooled
from gateway.jobs.kinds import LANE_KINDS, enqueue_batches
from gateway.jobs.runner import execute_many
from gateway.jobs.worker import live_consumers
from gateway.models import OutboxJob, OutboxStatus
from gateway.runtime import Runtime
from gateway.warnings.lane import hand_off_warnings

log = logging.getLogger(__name__)

# Seconds the hand-off thread gathers ids before one enqueue. Larger batches cost workers less per report (one
# transaction and a few statements per batch): at 500 reports/s, 20 ms made jobs of ~5 reports and the workers
# fell behind; 100 ms makes ~25 (bench/HISTORY.md, pipeline). A report waits at most this long for its job.
BATCH_WINDOW = 0.1
RQ_BATCH = 50  # outbox ids per RQ job: one job's overhead spread over many, several jobs for several workers
HAND_OFF_GRACE = timedelta(seconds=10)  # leave fresh rows to the post-commit hand-off before sweeping them
REQUEUE_AFTER = timedelta(minutes=5)  # an enqueued row not done by then: Redis lost it (it keeps nothing on disk)
UNCONSUMED_AFTER = timedelta(seconds=10)  # handed to Redis, not taken by then, and no worker alive: run it here
STALE_RUNNING = timedelta(minutes=10)  # a running row from before leases, this old: its worker died
BATCH = 200


class Relay:
    """Hands outbox rows to RQ or, when ``runs_jobs`` and Redis is absent or down, runs them in this process.

    A process builds one (create_app for the web process, the ``relay`` command for the relay process) and
    passes it down. A web process served by gunicorn does not run jobs: its rows wait for ``gateway relay``.
    """

    def __init__(self, runtime: Runtime, *, runs_jobs: bool) -> None:
        self.rt = runtime
        self.runs_jobs = runs_jobs
        self.wake = threading.Event()  # set by a hand-off that could not reach Redis: the relay loop looks now
        self._had_consumers = True

    def run_inline(self, job_ids: Sequence[int]) -> None:
        """Run these jobs here and now."""
        execute_many(self.rt, job_ids)

    def hand_off(self, job_ids: Sequence[int]) -> None:
        """Right after a commit: enqueue these jobs, run them inline, or wake the relay thread."""
        if not job_ids:
            return
        if self._enqueue(job_ids):
            return
        if self.runs_jobs:
            self.run_inline(job_ids)
        else:
            self.wake.set()

    def _enqueue(self, job_ids: Sequence[int]) -> bool:
        """Put the ids on the RQ queue in batches, in one round trip; False when Redis is absent or failing."""
        queue = self.rt.usable_queue()
        if queue is None:
            return False
        try:
            enqueue_batches(queue, job_ids, RQ_BATCH)
        except redis.RedisError as error:
            self.rt.redis_failed(error)
            return False
        return True

    def tick(self) -> int:
        """Hand every due row over once; return how many were handed (or run here).

        With Redis up but no worker alive to consume, rows handed to Redis and still pending after
        UNCONSUMED_AFTER are stranded: a relay that runs jobs runs them itself, as it does without Redis.
        """
        replayed = self._replay_spool()
        now = utcnow()
        queue_up = self._redis_answers()
        stranded: list[int] = []
        with self.rt.db.session() as session:
            self._recover_stale(session, now)
            due_rows = session.execute(self._due(now, queue_up)).all()
            due = [row.id for row in due_rows]
            lane = {row.id for row in due_rows if row.kind in LANE_KINDS}
            if queue_up and self.runs_jobs and not self._consumed():
                stranded = [row.id for row in session.execute(self._stranded(now)).all()]
        if stranded:
            self.run_inline(stranded)
            due = [job_id for job_id in due if job_id not in set(stranded)]
        if not due:
            return replayed + len(stranded)
        main = [job_id for job_id in due if job_id not in lane]
        if queue_up and self._enqueue(main) and (not lane or hand_off_warnings(self.rt, sorted(lane))):
            with self.rt.db.session() as session:
                session.execute(update(OutboxJob).where(OutboxJob.id.in_(due)).values(enqueued_at=now))
        elif self.runs_jobs:
            self.run_inline(due)
        else:
            return replayed + len(stranded)
        return replayed + len(stranded) + len(due)

    def _replay_spool(self) -> int:
        """Store what the webhook spooled while the database was down, and hand its jobs off; 0 while still down."""
        try:
            jobs = self.rt.spool.replay(lambda message: store_spooled(self.rt.db, message))
        except UNAVAILABLE:
            return 0
        self.hand_off(jobs)
        return len(jobs)

    def _consumed(self) -> bool:
        """Whether some worker is alive to consume the queue; said once in the log when that changes."""
        try:
            alive = live_consumers(self.rt) > 0
        except redis.RedisError as error:
            self.rt.redis_failed(error)
            return False
        if alive != self._had_consumers:
            log.warning("workers consuming the queue: %s", "yes" if alive else "none; the relay runs stranded jobs")
            self._had_consumers = alive
        return alive

    def _stranded(self, now: datetime) -> Select[int]:
        """Rows handed to Redis (by the web's hand-off or a tick) that nobody took within UNCONSUMED_AFTER."""
        return (
            select(OutboxJob.id)
            .where(OutboxJob.status == OutboxStatus.PENDING, OutboxJob.available_at <= now,
                   OutboxJob.created_at <= now - UNCONSUMED_AFTER,
                   or_(OutboxJob.enqueued_at.is_(None), OutboxJob.enqueued_at <= now - UNCONSUMED_AFTER))
            .order_by(OutboxJob.id)
            .limit(BATCH)
        )  # fmt: skip

    def _redis_answers(self) -> bool:
        """Ask Redis once per tick, so a relay that just started knows whether to run jobs itself."""
        queue = self.rt.usable_queue()
        if queue is None:
            return False
        try:
            queue.connection.ping()
        except redis.RedisError as error:
            self.rt.redis_failed(error)
            return False
        return True

    def _due(self, now: datetime, queue_up: bool) -> Select[int, str]:
        """Pending rows whose time has come, and that no live hand-off is looking after."""
        due = select(OutboxJob.id, OutboxJob.kind).where(OutboxJob.status == OutboxStatus.PENDING,
                                                         OutboxJob.available_at <= now)  # fmt: skip
        if queue_up:
            missed_hand_off = (
                (OutboxJob.attempts == 0)
                & OutboxJob.enqueued_at.is_(None)
                & (OutboxJob.created_at <= now - HAND_OFF_GRACE)
            )
            retry_not_handed = (OutboxJob.attempts > 0) & or_(
                OutboxJob.enqueued_at.is_(None), OutboxJob.enqueued_at < OutboxJob.available_at
            )
            lost_by_redis = OutboxJob.enqueued_at <= now - REQUEUE_AFTER
            due = due.where(or_(missed_hand_off, retry_not_handed, lost_by_redis))
        # Without Redis every due row runs here at once: nothing else will. Warnings wait for the rest.
        return due.order_by(OutboxJob.kind.in_(LANE_KINDS), OutboxJob.id).limit(BATCH)

    def _recover_stale(self, session: Session, now: datetime) -> None:
        """Take back running jobs whose process stopped renewing their lease (see gateway.jobs.lease)."""
        lapsed = OutboxJob.lease_until < now
        unleased = OutboxJob.lease_until.is_(None) & (OutboxJob.started_at <= now - STALE_RUNNING)  # older rows
        stale = session.execute(
            update(OutboxJob)
            .where(OutboxJob.status == OutboxStatus.RUNNING, or_(lapsed, unleased))
            .values(status=OutboxStatus.PENDING, available_at=now, lease_until=None)
        )
        if stale.rowcount:  # type: ignore[attr-defined]
            log.warning("took back %d running outbox jobs whose process is gone", stale.rowcount)  # type: ignore[attr-defined]

    def run_forever(self, stop: threading.Event, periodic: Sequence[Callable[[], object]] = ()) -> None:
        """Tick until ``stop`` is set, running ``periodic`` steps first (the clock); sleep on the wake event."""
        interval = self.rt.settings.relay_interval_seconds
        while not stop.is_set():
            try:
                for step in periodic:
                    step()
                handed = self.tick()
            except Exception:  # the loop must outlive a database hiccup; the rows stay pending
                log.exception("relay tick failed; retrying in %.1fs", interval)
                handed = 0
            if handed < BATCH:
                self.wake.wait(interval)
                self.wake.clear()


class Batcher:
    """Collects one process's post-commit hand-offs and enqueues them from a thread, many ids per RQ job.

    The webhook answers without waiting for Redis. One RQ enqueue costs about a millisecond of CPU, as much as
    the rest of the request, so the thread collects ids for up to BATCH_WINDOW (or a full batch) and enqueues
    them as one job. Ids lost here (a crash, Redis down) are still pending in the outbox, and the relay hands
    them over after HAND_OFF_GRACE.
    """

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self._ids: list[int] = []
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._busy = False
        self._hurry = False  # someone waits for the hand-off: do not wait out the window

    def submit(self, job_ids: Sequence[int]) -> None:
        """Queue ids for the hand-off thread (started lazily, and again in a forked child)."""
        with self._lock:
            self._ids.extend(job_ids)
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="hand-off", daemon=True)
                self._thread.start()
            self._ready.notify()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Hand over every submitted id now and block until done (tests, shutdown); False on timeout."""
        with self._lock:
            self._hurry = True
            self._ready.notify_all()
            idle = self._ready.wait_for(lambda: not self._ids and not self._busy, timeout)
            self._hurry = False
            return idle

    def _run(self) -> None:
        while True:
            with self._lock:
                self._ready.wait_for(lambda: bool(self._ids))
                self._busy = True
                self._ready.wait_for(lambda: len(self._ids) >= RQ_BATCH or self._hurry, BATCH_WINDOW)
                ids, self._ids = self._ids, []
            try:
                self.relay.hand_off(ids)
            except Exception:  # the ids are safe in the outbox; the relay will hand them over
                log.exception("hand-off of %d outbox jobs failed; the relay will pick them up", len(ids))
            finally:
                with self._lock:
                    self._busy = False
                    self._ready.notify_all()


def backlog(session: Session) -> dict[str, float | int]:
    """Pending outbox rows and the age of the oldest, and running ones whose process stopped renewing their
    lease, for /healthz."""
    now = utcnow()
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxJob.created_at)).where(OutboxJob.status == OutboxStatus.PENDING)
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # aggregates bypass the column type on some dialects
        oldest = oldest.replace(tzinfo=UTC)
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    lapsed = session.scalar(
        select(func.count()).where(OutboxJob.status == OutboxStatus.RUNNING, OutboxJob.lease_until < now)
    )
    return {"pending": int(count), "oldest_pending_seconds": round(max(age, 0.0), 1),
            "running_past_lease": int(lapsed or 0)}  # fmt: skip
