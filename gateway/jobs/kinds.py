"""The kinds of outbox job, and what a job asks of the outbox when it ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rq import Queue

PROCESS_INBOUND = "process_inbound"  # read an inbound message and answer it (gateway.inbound)
SEND_SMS = "send_sms"  # hand one queued SMS to the provider (gateway.sms.send)
SEND_WARNING = "send_warning"  # hand one early-warning SMS to the provider, in the warnings' lane (gateway.warnings)
WARNING_QUEUE = "gateway-warnings"  # the warnings' RQ queue: workers take from it only when the main one is empty
LANE_KINDS = frozenset({SEND_WARNING})  # job kinds handed to WARNING_QUEUE
RQ_ENTRY_POINT = "workers.tasks.run_outbox_jobs"  # what RQ runs: a batch of outbox ids, with the worker's runtime


@dataclass(frozen=True)
class Outcome:
    """What a job asks of the outbox afterwards: run again at ``retry_at``, hand off ``follow_up`` jobs."""

    retry_at: datetime | None = None
    follow_up: tuple[int, ...] = ()


JOB_TIMEOUT = 900  # seconds: a batch sends each report's SMS too, through a provider that may be slow


def enqueue_batches(queue: Queue, job_ids: Sequence[int], size: int) -> None:
    """Put outbox ids on an RQ queue, ``size`` per RQ job, in one round trip (raises redis.RedisError)."""
    with queue.connection.pipeline() as pipe:
        for start in range(0, len(job_ids), size):
            queue.enqueue(RQ_ENTRY_POINT, list(job_ids[start : start + size]), pipeline=pipe,
                          result_ttl=0, failure_ttl=24 * 3600, job_timeout=JOB_TIMEOUT)  # fmt: skip
        pipe.execute()
