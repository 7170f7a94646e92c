"""What happens to jobs and SMS when a process dies: leases, SMS in doubt, and the relay as a stand-in worker."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update

from gateway.db import utcnow
from gateway.jobs.lease import JOB_LEASE
from gateway.jobs.relay import Relay
from gateway.jobs.runner import CLAIM, execute_many
from gateway.models import OutboundMessage, OutboxJob
from gateway.runtime import Runtime
from gateway.sms.base import Accepted
from gateway.sms.queue import in_doubt, queue_sms
from gateway.sms.send import DOUBT_WINDOW, LEASE_MARGIN, settle_doubt
from gateway.sms.text import SmsText
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


class SeveralAtOnce:
    """A link that takes four sends at once, as Kannel does: every send waits (on a barrier, not a clock) until
    four are in flight, and then looks at the database; ``interrupt_at`` makes that call raise KeyboardInterrupt."""

    name = "several"
    sends_at_once = 4

    def __init__(self, rt: Runtime, interrupt_at: int = 0) -> None:
        self.rt, self.interrupt_at = rt, interrupt_at
        self.calls: list[str] = []
        self.sending: list[int] = []  # messages claimed and not recorded, each time four were in flight
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(4, action=self.look, timeout=10) if not interrupt_at else None

    def look(self) -> None:
        with self.rt.db.session() as session:
            count = select(func.count()).select_from(OutboundMessage).where(OutboundMessage.status == "sending")
            self.sending.append(session.scalar(count) or 0)

    def send(self, phone: str, sms: SmsText, ref: str = "") -> Accepted:
        with self.lock:
            self.calls.append(phone)
            call = len(self.calls)
        if self.barrier is not None:
            self.barrier.wait()  # BrokenBarrierError (a failed send) unless four sends are in flight together
        if call == self.interrupt_at:
            raise KeyboardInterrupt
        return Accepted(message_id=f"several-{ref}", status="Sent")


def queue_many(rt: Runtime, count: int) -> list[int]:
    with rt.db.session() as session:
        jobs = [queue_sms(session, rt.settings, phone=f"+62812345{n:05d}", template="help", language="id",
                          key=f"several:{n}") for n in range(count)]  # fmt: skip
    return [job for job in jobs if job is not None]


def test_a_link_that_takes_several_sends_at_once_gets_that_many_each_sms_once(rt: Runtime) -> None:
    link = SeveralAtOnce(rt)
    rt.__dict__["provider"] = link  # the provider is the outside world: fake it at the boundary
    jobs = queue_many(rt, 12)
    assert len(execute_many(rt, jobs).done) == 12
    assert sorted(link.calls) == [f"+62812345{n:05d}" for n in range(12)]  # each offered once
    assert link.sending == [4, 4, 4]  # four in flight, never more: each lane claims its next as it records the last
    with rt.db.session() as session:
        rows = session.scalars(select(OutboundMessage)).all()
    assert {(m.status, m.attempts, m.provider_message_id) for m in rows} == {
        ("sent", 1, f"several-{m.id}") for m in rows
    }


def test_a_worker_stopped_mid_burst_leaves_only_the_interrupted_send_in_doubt_and_the_rest_queued(rt: Runtime) -> None:
    link = SeveralAtOnce(rt, interrupt_at=6)
    rt.__dict__["provider"] = link
    jobs = queue_many(rt, 16)
    with pytest.raises(KeyboardInterrupt):
        execute_many(rt, jobs)
    with rt.db.session() as session:
        rows = {m.phone: (m.status, m.attempts) for m in session.scalars(select(OutboundMessage))}
    offered = Counter(link.calls)
    assert set(offered.values()) == {1}  # nothing offered twice
    interrupted = link.calls[5]
    assert rows.pop(interrupted) == ("sending", 1)  # its fate unknown: in doubt once its lease lapses, not resent
    assert {rows[phone] for phone in offered if phone in rows} == {("sent", 1)}  # what the link took is recorded
    assert {state for phone, state in rows.items() if phone not in offered} <= {("queued", 0)}  # never claimed
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False), rt.db.session() as session:
        assert in_doubt(session) == 1
