"""Outbound SMS through the file provider: rendered, sent once, with its lifecycle recorded."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.db import utcnow
from gateway.jobs.relay import Relay
from gateway.jobs.runner import execute, execute_many
from gateway.models import OutboundMessage, OutboxJob
from gateway.runtime import Runtime
from gateway.sms.base import Accepted
from gateway.sms.queue import in_doubt, queue_sms
from gateway.sms.text import SmsText
from tests.conftest import SECRET, live_worker, relay_tick, run_worker

PHONE = "+6281234567890"


def queue_help(rt: Runtime, key: str = "test:1") -> int | None:
    with rt.db.session() as session:
        return queue_sms(session, rt.settings, phone=PHONE, template="help", language="id", key=key)


def sent_lines(rt: Runtime) -> list[dict[str, object]]:
    path = rt.settings.sms_file_path
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def outbound(rt: Runtime) -> OutboundMessage:
    with rt.db.session() as session:
        return session.scalars(select(OutboundMessage)).one()


def test_it_writes_a_sent_sms_as_one_json_line(rt: Runtime) -> None:
    job_id = queue_help(rt)
    assert job_id is not None
    Relay(rt, runs_jobs=False).hand_off([job_id])
    run_worker(rt)
    [line] = sent_lines(rt)
    assert set(line) == {"id", "to", "text", "segments", "encoding"}
    assert line["to"] == PHONE and line["segments"] == 1 and line["encoding"] == "GSM-7"
    assert str(line["text"]).startswith("Lapor bencana: LAPOR")
    message = outbound(rt)
    assert (message.status, message.attempts, message.provider_message_id) == ("sent", 1, line["id"])
    assert message.provider == "file"


def test_it_queues_a_message_once_per_idempotency_key(rt: Runtime) -> None:
    assert queue_help(rt, key="reply:7") is not None
    assert queue_help(rt, key="reply:7") is None
    with rt.db.session() as session:
        assert len(session.scalars(select(OutboundMessage)).all()) == 1


def test_running_the_send_job_twice_sends_once(rt: Runtime) -> None:
    job_id = queue_help(rt)
    assert job_id is not None
    assert execute(rt, job_id) is True
    assert execute(rt, job_id) is False
    with rt.db.session() as session:
        session.get_one(OutboxJob, job_id).status = "pending"  # as if a relay handed it over again
    assert execute(rt, job_id) is True
    assert len(sent_lines(rt)) == 1


def test_a_batch_of_send_jobs_sends_each_sms_once(rt: Runtime) -> None:
    jobs = [queue_help(rt, key=f"batch:{n}") for n in range(5)]
    ids = [job for job in jobs if job is not None]
    assert len(ids) == 5
    assert execute(rt, ids[0]) is True  # already sent on its own
    ran = execute_many(rt, ids)
    assert (ran.done, ran.skipped, ran.failed) == (ids[1:], ids[:1], [])
    assert execute_many(rt, ids).skipped == ids  # a batch handed over twice sends nothing more
    lines = sent_lines(rt)
    assert len(lines) == 5 and len({line["id"] for line in lines}) == 5
    with rt.db.session() as session:
        rows = session.scalars(select(OutboundMessage)).all()
        jobs_done = session.scalars(select(OutboxJob.status).where(OutboxJob.id.in_(ids))).all()
    assert {(m.status, m.attempts) for m in rows} == {("sent", 1)}
    assert {m.provider_message_id for m in rows} == {line["id"] for line in lines}
    assert set(jobs_done) == {"done"}


def test_a_job_that_fails_in_a_batch_fails_alone(rt: Runtime) -> None:
    sms_job = queue_help(rt)
    with rt.db.session() as session:
        now = utcnow()
        bogus = OutboxJob(kind="no_such_kind", ref_id=1, status="pending", attempts=0, created_at=now,
                          available_at=now)  # fmt: skip
        session.add(bogus)
        session.flush()
        bogus_id = bogus.id
    assert sms_job is not None
    ran = execute_many(rt, [bogus_id, sms_job])
    assert (ran.done, ran.failed) == ([sms_job], [bogus_id])
    assert len(sent_lines(rt)) == 1
    with rt.db.session() as session:
        failed = session.get_one(OutboxJob, bogus_id)
        assert failed.status == "pending" and failed.available_at > utcnow()  # retried later, with backoff
        assert "unknown outbox job kind 'no_such_kind'" in (failed.last_error or "")


class FlakyProvider:
    """A provider whose library breaks once, on the second message (not a ProviderError: a bug in its SDK)."""

    name = "flaky"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def send(self, phone: str, sms: SmsText, ref: str = "") -> Accepted:
        self.calls.append(phone)
        if len(self.calls) == 2:
            raise RuntimeError("the SDK tripped over its own feet")
        return Accepted(message_id=f"flaky-{len(self.calls)}", status="Sent")


def test_a_provider_crash_mid_batch_is_retried_and_the_rest_go_out(rt: Runtime) -> None:
    flaky = FlakyProvider()
    rt.__dict__["provider"] = flaky  # the provider is the outside world: fake it at the boundary
    with rt.db.session() as session:
        jobs = [queue_sms(session, rt.settings, phone=f"+62812345678{n}", template="help", language="id",
                          key=f"flaky:{n}") for n in range(3)]  # fmt: skip
    ran = execute_many(rt, [job for job in jobs if job is not None])
    assert len(ran.done) == 3 and ran.failed == []
    with rt.db.session() as session:
        crashed = session.scalars(select(OutboundMessage).where(OutboundMessage.phone == "+628123456781")).one()
    assert (crashed.status, crashed.attempts) == ("queued", 1)
    assert "RuntimeError: the SDK tripped" in (crashed.last_error or "")
    with time_machine.travel(crashed.next_attempt_at + timedelta(seconds=1), tick=False):
        assert relay_tick(rt) == 1
        run_worker(rt)
    assert flaky.calls == ["+628123456780", "+628123456781", "+628123456782", "+628123456781"]
    with rt.db.session() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(m.status, m.attempts, m.provider_message_id) for m in rows] == [
        ("sent", 1, "flaky-1"), ("sent", 2, "flaky-4"), ("sent", 1, "flaky-3")
    ]  # fmt: skip


class InterruptedProvider(FlakyProvider):
    """The worker is told to stop (Ctrl-C) while the provider takes the second message."""

    def send(self, phone: str, sms: SmsText, ref: str = "") -> Accepted:
        self.calls.append(phone)
        if len(self.calls) == 2:
            raise KeyboardInterrupt
        return Accepted(message_id=f"taken-{len(self.calls)}", status="Sent")


def test_a_worker_stopped_mid_batch_records_what_went_out_and_queues_what_did_not(rt: Runtime) -> None:
    rt.__dict__["provider"] = InterruptedProvider()
    with rt.db.session() as session:
        jobs = [queue_sms(session, rt.settings, phone=f"+62812345678{n}", template="help", language="id",
                          key=f"stop:{n}") for n in range(4)]  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        execute_many(rt, [job for job in jobs if job is not None])
    with rt.db.session() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(m.status, m.attempts) for m in rows] == [
        ("sent", 1),  # taken by the provider and recorded
        ("sending", 1),  # interrupted inside the provider call: its fate is unknown, so it is not sent again
        ("queued", 0), ("queued", 0),  # never offered: back in the queue, as if never claimed
    ]  # fmt: skip
    with rt.db.session() as session:
        assert in_doubt(session) == 0  # a send takes seconds: not yet
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False), rt.db.session() as session:
        assert in_doubt(session) == 1  # /healthz shows it to an operator


def test_it_expires_a_message_not_sent_in_time(rt: Runtime) -> None:
    job_id = queue_help(rt)
    assert job_id is not None
    with time_machine.travel(utcnow() + timedelta(seconds=rt.settings.sms_ttl_seconds + 1), tick=False):
        execute(rt, job_id)
    assert outbound(rt).status == "expired"
    assert sent_lines(rt) == []


def test_the_relay_sends_what_the_hand_off_missed(rt: Runtime) -> None:
    job_id = queue_help(rt)  # committed, but never handed to Redis (as if the process died right there)
    assert job_id is not None and relay_tick(rt) == 0  # young rows are left to their hand-off for a while
    with time_machine.travel(utcnow() + timedelta(seconds=11), tick=False):
        assert relay_tick(rt) == 1
        run_worker(rt)
    assert len(sent_lines(rt)) == 1


def test_the_relay_hands_over_again_what_redis_lost(rt: Runtime) -> None:
    job_id = queue_help(rt)
    assert job_id is not None
    with time_machine.travel(utcnow() + timedelta(seconds=11), tick=False), live_worker(rt):
        assert relay_tick(rt) == 1
    assert rt.redis is not None
    rt.redis.flushdb()  # Redis restarted: it keeps nothing on disk
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False), live_worker(rt):
        assert relay_tick(rt) == 1
        assert sent_lines(rt) == []  # handed to Redis again, for the live worker
        run_worker(rt)
    assert len(sent_lines(rt)) == 1


def test_a_delivery_report_marks_the_message_delivered(client: FlaskClient, rt: Runtime) -> None:
    job_id = queue_help(rt)
    assert job_id is not None
    execute(rt, job_id)
    message_id = outbound(rt).provider_message_id
    form = {"id": message_id, "status": "Success", "phoneNumber": PHONE, "networkCode": "51010",
            "failureReason": "", "retryCount": "0"}  # fmt: skip
    response = client.post("/webhooks/delivery", query_string={"secret": SECRET}, data=form)
    assert response.status_code == 200
    message = outbound(rt)
    assert (message.status, message.delivery_status) == ("delivered", "Success")
    assert message.delivered_at is not None
    late = dict(form, status="Buffered")
    assert client.post("/webhooks/delivery", query_string={"secret": SECRET}, data=late).status_code == 200
    assert outbound(rt).status == "delivered"  # a late report never undoes a final state
