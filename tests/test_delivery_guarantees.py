"""What happens to jobs and SMS when a process dies: leases, SMS in doubt, and the relay as a stand-in worker."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, update

from gateway.db import utcnow
from gateway.jobs.lease import JOB_LEASE
from gateway.jobs.relay import Relay
from gateway.jobs.runner import CLAIM
from gateway.models import OutboundMessage, OutboxJob
from gateway.runtime import Runtime
from gateway.sms.queue import in_doubt, queue_sms
from gateway.sms.send import DOUBT_WINDOW, LEASE_MARGIN, settle_doubt
from tests.conftest import live_worker, relay_tick

PHONE = "+6281234567890"


def queue(rt: Runtime, key: str, template: str = "help") -> int:
    with rt.db.session() as session:
        job = queue_sms(session, rt.settings, phone=PHONE, template="help", language="id", key=key)
        session.execute(update(OutboundMessage).where(OutboundMessage.idempotency_key == key).values(template=template))
    assert job is not None
    return job


def sent(rt: Runtime) -> list[str]:
    path = rt.settings.sms_file_path
    return [json.loads(line)["to"] for line in path.read_text().splitlines()] if path.exists() else []


def statuses(rt: Runtime) -> dict[str, str]:
    with rt.db.session() as session:
        return {m.idempotency_key: m.status for m in session.scalars(select(OutboundMessage))}


def test_a_job_whose_process_died_is_taken_back_when_its_lease_lapses(rt: Runtime) -> None:
    job_id = queue(rt, "died")
    with rt.db.engine.begin() as conn:  # a worker claims it, then is killed before it finishes or renews
        conn.execute(CLAIM, {"ids": [job_id], "now": utcnow(), "lease": utcnow() + JOB_LEASE})
    assert relay_tick(rt) == 0  # its lease still runs: the worker may be busy
    with time_machine.travel(utcnow() + JOB_LEASE + timedelta(seconds=1), tick=False):
        assert relay_tick(rt) == 1  # seconds later, not ten minutes: taken back and run here
    assert sent(rt) == [PHONE]


def test_a_sending_sms_whose_worker_died_is_in_doubt_and_only_alerts_go_again_once(rt: Runtime) -> None:
    reply, alert = queue(rt, "reply"), queue(rt, "alert", template="alert")
    lease_until = utcnow() + timedelta(seconds=rt.settings.sms_timeout_seconds) + LEASE_MARGIN  # as deliver() sets
    with rt.db.engine.begin() as conn:  # both offered to the provider by a worker that then died
        conn.execute(update(OutboundMessage).values(status="sending", attempts=1, lease_until=lease_until))
    with rt.db.session() as session:
        assert in_doubt(session) == 0  # not yet: the lease has not lapsed
    later = lease_until + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert settle_doubt(rt) == 2
        assert statuses(rt) == {"reply": "in_doubt", "alert": "in_doubt"}
        with rt.db.session() as session:
            assert in_doubt(session) == 2
    with time_machine.travel(later + DOUBT_WINDOW + timedelta(seconds=1), tick=False):
        assert settle_doubt(rt) == 1  # the alert, once: an officer who never got it cannot respond
        assert statuses(rt) == {"reply": "in_doubt", "alert": "queued"}
        Relay(rt, runs_jobs=True).run_inline([reply, alert])
        assert sent(rt) == [PHONE]  # the alert; the confirmation is not sent a second time
        assert statuses(rt) == {"reply": "in_doubt", "alert": "sent"}
    with rt.db.engine.begin() as conn:  # in doubt a second time: a human decides
        conn.execute(update(OutboundMessage).where(OutboundMessage.idempotency_key == "alert").values(
            status="in_doubt", lease_until=utcnow()))  # fmt: skip
    with time_machine.travel(utcnow() + 3 * DOUBT_WINDOW, tick=False):
        assert settle_doubt(rt) == 0
    assert statuses(rt)["alert"] == "in_doubt"


def test_with_redis_up_and_no_worker_alive_the_relay_runs_stranded_jobs_itself(rt: Runtime) -> None:
    job_id = queue(rt, "stranded")
    with time_machine.travel(utcnow() + timedelta(seconds=11), tick=False), live_worker(rt):
        assert relay_tick(rt) == 1  # handed to Redis, for the worker that is alive
    assert sent(rt) == []
    with time_machine.travel(utcnow() + timedelta(seconds=22), tick=False):
        assert relay_tick(rt) == 1  # nobody took it, and no worker is alive: the relay runs it
    assert sent(rt) == [PHONE]
    with rt.db.session() as session:
        assert session.get_one(OutboxJob, job_id).status == "done"


@pytest.mark.parametrize("settings_overrides", [{"sms_max_per_second": 4}])
def test_sends_keep_under_the_links_ceiling_per_second(rt: Runtime) -> None:
    jobs = [queue(rt, f"paced:{n}") for n in range(10)]
    Relay(rt, runs_jobs=True).run_inline(jobs)
    with rt.db.session() as session:
        seconds = Counter(m.sent_at.replace(microsecond=0) for m in session.scalars(select(OutboundMessage)))
    assert sum(seconds.values()) == 10 and max(seconds.values()) <= 4
