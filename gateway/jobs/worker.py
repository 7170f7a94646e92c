"""The RQ worker of ``gateway worker``: it runs each job with this process's runtime, passed explicitly."""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from rq import Queue, SimpleWorker
from rq.exceptions import StopRequested
from rq.job import Job

from gateway.db import utcnow
from gateway.jobs.kinds import WARNING_QUEUE
from gateway.runtime import Runtime

log = logging.getLogger(__name__)

WORKER_TTL = 30  # seconds: an idle worker says it is alive at least this often (RQ's default is 7 minutes)
ALIVE_WITHIN = timedelta(seconds=WORKER_TTL * 2)  # a worker silent longer is gone (or busy with one long batch)


class RuntimeJob(Job):
    """An RQ job whose function gets the worker's runtime as its first argument (see ``Worker``)."""

    runtime: Runtime | None = None

    def _execute(self) -> Any:
        if self.runtime is None:
            raise RuntimeError("gateway jobs run in `gateway worker`, which gives them its runtime")
        return self.func(self.runtime, *self.args, **self.kwargs)


class Outage(logging.Filter):
    """Says once that Redis went away and once that it is back, whoever notices: RQ's own retrying dequeue (whose
    error line, repeated at every retry, is dropped here) or ``wait_for_redis``."""

    def __init__(self) -> None:
        super().__init__()
        self.since: float | None = None

    def went(self) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("Redis unavailable; the worker waits for it (jobs stay safe in the outbox)")

    def back(self) -> None:
        if self.since is not None:
            log.warning("Redis is back after %.0f s; the worker resumes", time.monotonic() - self.since)
            self.since = None

    def filter(self, record: logging.LogRecord) -> bool:
        if "could not connect to Redis" in record.getMessage():
            self.went()
            return False
        return True


class Worker(SimpleWorker):
    """Runs the gateway's queue in this process (no fork per job, the database pool reused), with ``runtime``."""

    def __init__(self, runtime: Runtime, outage: Outage | None = None, **kwargs: Any) -> None:
        if runtime.queue is None or runtime.redis is None:
            raise ValueError("a worker needs REDIS_URL")
        # The warnings' lane second: RQ takes from it only while the gateway's queue is empty (gateway.warnings.lane).
        lane = Queue(WARNING_QUEUE, connection=runtime.redis)
        super().__init__([runtime.queue, lane], connection=runtime.redis, job_class=RuntimeJob,
                         worker_ttl=WORKER_TTL, **kwargs)  # fmt: skip
        self.runtime = runtime
        self.outage = outage or Outage()

    stop_asked = False  # a SIGTERM or Ctrl-C came: RQ sets its own flag only while a job runs

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]

    def perform_job(self, job: Job, *args: Any, **kwargs: Any) -> bool:
        if isinstance(job, RuntimeJob):
            job.runtime = self.runtime  # on this job object only: nothing is stored with the job
        return bool(super().perform_job(job, *args, **kwargs))

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """Say we are alive; after a Redis restart (which keeps nothing), register again so the relay sees us."""
        super().heartbeat(timeout, pipeline)
        if pipeline is None:
            self.outage.back()
            if not self.connection.sismember(self.redis_workers_keys, self.key):
                self.connection.delete(self.key)
                self.register_birth()  # type: ignore[no-untyped-call]


def work(runtime: Runtime, *, burst: bool = False, logging_level: str = "WARNING") -> None:
    """Run the gateway's worker until it is stopped; when Redis goes away, wait for it and work again.

    RQ retries a dequeue that lost Redis, but gives up elsewhere (a heartbeat's ConnectionError, a timeout):
    here either is an outage to sit out, with backoff and one log line each way, not a reason to exit. Jobs
    handed off meanwhile stay pending in the outbox, and the relay runs them while no worker consumes.
    """
    outage = Outage()
    logging.getLogger("rq.worker").addFilter(outage)
    while True:
        worker = Worker(runtime, outage)
        with contextlib.suppress(redis.RedisError):  # RQ's start and teardown talk to Redis too
            worker.work(burst=burst, with_scheduler=False, logging_level=logging_level)
        if burst or worker.stop_asked:
            return
        try:
            wait_for_redis(runtime, outage)
        except (KeyboardInterrupt, StopRequested):
            return


def wait_for_redis(runtime: Runtime, outage: Outage, first_delay: float = 0.5, longest_delay: float = 30.0) -> None:
    """Block until Redis answers again, trying with exponential backoff."""
    assert runtime.redis is not None
    delay = first_delay
    outage.went()
    while True:
        try:
            runtime.redis.ping()
        except redis.RedisError:
            time.sleep(delay)
            delay = min(delay * 2, longest_delay)
            continue
        outage.back()
        return


def live_consumers(runtime: Runtime) -> int:
    """Workers of the gateway's queue that said they were alive lately (raises redis.RedisError without Redis)."""
    if runtime.queue is None:
        return 0
    since = utcnow() - ALIVE_WITHIN
    workers = SimpleWorker.all(connection=runtime.queue.connection, queue=runtime.queue)
    return sum(1 for w in workers if w.last_heartbeat is not None and _aware(w.last_heartbeat) >= since)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
