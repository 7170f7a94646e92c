"""The RQ worker of ``gateway worker``: it runs each job with this process's runtime, passed explicitly."""

from __future__ import annotations

from typing import Any

from rq import SimpleWorker
from rq.job import Job

from gateway.runtime import Runtime


class RuntimeJob(Job):
    """An RQ job whose function gets the worker's runtime as its first argument (see ``Worker``)."""

    runtime: Runtime | None = None

    def _execute(self) -> Any:
        if self.runtime is None:
            raise RuntimeError("gateway jobs run in `gateway worker`, which gives them its runtime")
        return self.func(self.runtime, *self.args, **self.kwargs)


class Worker(SimpleWorker):
    """Runs the gateway's queue in this process (no fork per job, the database pool reused), with ``runtime``."""

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        if runtime.queue is None or runtime.redis is None:
            raise ValueError("a worker needs REDIS_URL")
        super().__init__([runtime.queue], connection=runtime.redis, job_class=RuntimeJob, **kwargs)
        self.runtime = runtime

    def perform_job(self, job: Job, *args: Any, **kwargs: Any) -> bool:
        if isinstance(job, RuntimeJob):
            job.runtime = self.runtime  # on this job object only: nothing is stored with the job
        return bool(super().perform_job(job, *args, **kwargs))
