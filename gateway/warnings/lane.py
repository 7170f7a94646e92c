"""The warnings' own lane: their send jobs go to a second RQ queue that workers take from only when the main
queue is empty, in small batches, each SMS paced at WARNING_MAX_PER_SECOND within the link's own ceiling
(SMS_MAX_PER_SECOND); while it waits for room in its ceiling, a report's job takes the worker back."""

from __future__ import annotations

import time
from collections.abc import Sequence

import redis
from rq import Queue
from sqlalchemy import update

from gateway.db import utcnow
from gateway.jobs.kinds import WARNING_QUEUE, Outcome, enqueue_batches
from gateway.models import OutboxJob
from gateway.runtime import Runtime
from gateway.sms.pace import Pace
from gateway.sms.send import deliver

LANE_BATCH = 10  # SMS per RQ job: a worker looks at the main queue again after at most this many warnings
LOOK_AGAIN = 0.02  # seconds between looks at the main queue while the lane waits for room in its ceiling


class LanePace(Pace):
    """The lane's own ceiling per second, shared through Redis under its own key; a place is taken now or not."""

    def take_now(self) -> bool:
        """Take a place in this second's ceiling if one is left."""
        return self.rate <= 0 or self._take(int(time.time()))


def deliver_warnings(rt: Runtime, outbound_ids: Sequence[int]) -> list[Outcome]:
    """Send warning SMS as every SMS is sent (gateway.sms.send.deliver, within the link's ceiling), one at a time
    while the lane's ceiling has room; waiting for room, hand the rest back as soon as the main queue has work.

    The rest are rescheduled for now and the relay hands them to the lane again, so a report's reply never waits
    for a warning's pacing: at most for the one warning being offered.
    """
    lane = LanePace(rt.settings.warning_max_per_second, rt.redis, f"gateway:pace:warnings:{rt.settings.sms_backend}")
    outcomes: list[Outcome] = []
    for index, outbound_id in enumerate(outbound_ids):
        while not lane.take_now():
            if _main_waiting(rt):
                return outcomes + [Outcome(retry_at=utcnow())] * (len(outbound_ids) - index)
            time.sleep(LOOK_AGAIN)
        outcomes += deliver(rt, [outbound_id])
    return outcomes


def _main_waiting(rt: Runtime) -> bool:
    """Whether the gateway's main queue holds jobs (reports, replies, alerts) a worker should take first."""
    queue = rt.usable_queue()
    try:
        return queue is not None and queue.count > 0
    except redis.RedisError:
        return False


def warning_queue(rt: Runtime) -> Queue | None:
    """The lane's RQ queue, on the runtime's Redis; None without Redis."""
    return Queue(WARNING_QUEUE, connection=rt.redis) if rt.redis is not None else None


def hand_off_warnings(rt: Runtime, job_ids: Sequence[int]) -> bool:
    """Put warning send jobs on the lane's queue and note it on their rows; False when Redis cannot take them
    (the rows stay pending and the relay hands them over, or runs them itself without Redis)."""
    queue = warning_queue(rt) if rt.usable_queue() is not None else None
    if queue is None or not job_ids:
        return False
    try:
        enqueue_batches(queue, job_ids, LANE_BATCH)
    except redis.RedisError as error:
        rt.redis_failed(error)
        return False
    with rt.db.engine.begin() as conn:
        conn.execute(update(OutboxJob).where(OutboxJob.id.in_(list(job_ids))).values(enqueued_at=utcnow()))
    return True
