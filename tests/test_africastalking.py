"""The Africa's Talking provider, through the official SDK, against a local server that speaks its API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from gateway.db import utcnow
from gateway.jobs.runner import execute, execute_many
from gateway.models import OutboundMessage
from gateway.runtime import Runtime
from gateway.sms.africas_talking import AfricasTalkingProvider
from gateway.sms.queue import in_doubt, queue_sms
from gateway.sms.send import settle_doubt
from tests.conftest import relay_tick, run_worker
from tests.fake_africastalking import FakeAfricasTalking, serve_fake
from tests.faults.processes import free_port

PHONE = "+6281234567890"


@pytest.fixture
def fake_at() -> Iterator[FakeAfricasTalking]:
    with serve_fake(FakeAfricasTalking()) as fake:
        yield fake


@pytest.fixture
def settings_overrides(fake_at: FakeAfricasTalking) -> dict[str, Any]:
    return {"sms_backend": "africastalking", "at_username": fake_at.username, "at_api_key": fake_at.api_key,
            "at_sender_id": "BPBD-KDL", "at_api_url": fake_at.url, "sms_max_attempts": 3}  # fmt: skip


def send_one(rt: Runtime) -> int:
    with rt.db.session() as session:
        job_id = queue_sms(session, rt.settings, phone=PHONE, template="help", language="en", key="k")
    assert job_id is not None
    execute(rt, job_id)
    return job_id


def message(rt: Runtime) -> OutboundMessage:
    with rt.db.session() as session:
        return session.scalars(select(OutboundMessage)).one()


def test_it_sends_through_the_sdk_and_keeps_the_message_id(rt: Runtime, fake_at: FakeAfricasTalking) -> None:
    send_one(rt)
    [request] = fake_at.requests
    assert request["to"] == PHONE and request["from"] == "BPBD-KDL"
    assert request["message"].startswith("Report: REPORT <hazard>")
    sent = message(rt)
    assert (sent.status, sent.attempts, sent.provider, sent.provider_message_id) == (
        "sent",
        1,
        "africastalking",
        "ATXid_000001",
    )


@pytest.mark.parametrize("transient", [500, 501, 502])
def test_a_transient_failure_is_retried_with_backoff_and_sent_once(
    rt: Runtime, fake_at: FakeAfricasTalking, transient: int
) -> None:
    fake_at.script.append(transient)
    send_one(rt)
    waiting = message(rt)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert f"status {transient}" in (waiting.last_error or "")
    assert relay_tick(rt) == 0  # not before its backoff is over
    with time_machine.travel(waiting.next_attempt_at + timedelta(seconds=1), tick=False):
        assert relay_tick(rt) == 1
        run_worker(rt)
        assert relay_tick(rt) == 0
    sent = message(rt)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert len(fake_at.requests) == 2


@pytest.mark.parametrize("permanent", [401, 403, 405, 406])
def test_a_permanent_failure_is_not_retried(rt: Runtime, fake_at: FakeAfricasTalking, permanent: int) -> None:
    fake_at.script.append(permanent)
    send_one(rt)
    failed = message(rt)
    assert (failed.status, failed.attempts) == ("failed", 1)
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        relay_tick(rt)
        run_worker(rt)
    assert len(fake_at.requests) == 1


def test_an_http_error_from_the_api_is_transient(rt: Runtime, fake_at: FakeAfricasTalking) -> None:
    fake_at.http_errors.append(503)
    send_one(rt)
    assert message(rt).status == "queued"


def test_it_gives_up_after_the_last_attempt(rt: Runtime, fake_at: FakeAfricasTalking) -> None:
    fake_at.script.extend([500, 500, 500, 500])
    send_one(rt)
    for _ in range(3):
        with time_machine.travel(message(rt).next_attempt_at + timedelta(seconds=1), tick=False):
            relay_tick(rt)
            run_worker(rt)
    failed = message(rt)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert len(fake_at.requests) == 3


def test_an_unreachable_api_is_transient(rt: Runtime) -> None:
    closed = free_port()  # a port nobody listens on
    rt.provider.service._baseUrl = f"http://127.0.0.1:{closed}/version1"  # type: ignore[attr-defined]
    send_one(rt)
    waiting = message(rt)
    assert waiting.status == "queued"
    assert "unreachable" in (waiting.last_error or "")


def test_wrong_credentials_are_reported_and_not_retried(rt: Runtime, fake_at: FakeAfricasTalking) -> None:
    fake_at.api_key = "another-key"
    send_one(rt)
    failed = message(rt)
    assert failed.status == "failed"
    assert "authentication is invalid" in (failed.last_error or "")


def test_in_a_batch_each_sms_keeps_its_own_outcome(rt: Runtime, fake_at: FakeAfricasTalking) -> None:
    with rt.db.session() as session:
        jobs = [queue_sms(session, rt.settings, phone=f"+62812345678{n:02d}", template="help", language="en",
                          key=f"batch:{n}") for n in range(4)]  # fmt: skip
    fake_at.script += [101, 403, 500, 101]  # sent, refused for good, failed for now, sent
    ids = [job for job in jobs if job is not None]
    ran = execute_many(rt, ids)
    assert len(ran.done) == 4 and ran.failed == [] and ran.skipped == []
    with rt.db.session() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(m.status, m.attempts) for m in rows] == [("sent", 1), ("failed", 1), ("queued", 1), ("sent", 1)]
    assert [m.provider_message_id is not None for m in rows] == [True, False, False, True]
    assert len({m.provider_message_id for m in rows if m.provider_message_id}) == 2
    assert execute_many(rt, ids).skipped == ids  # three are done; the fourth waits for its backoff
    assert len(fake_at.requests) == 4


def test_a_2xx_whose_content_type_has_a_charset_is_a_success(rt: Runtime, fake_at: FakeAfricasTalking) -> None:
    fake_at.content_type = "application/json; charset=utf-8"  # the SDK hands this body back as text
    send_one(rt)
    assert len(fake_at.requests) == 1
    assert (message(rt).status, message(rt).provider_message_id) == ("sent", "ATXid_000001")


def test_a_provider_that_answers_too_late_leaves_the_sms_in_doubt_and_never_resends_it(
    rt: Runtime, fake_at: FakeAfricasTalking
) -> None:
    s = rt.settings
    rt.__dict__["provider"] = AfricasTalkingProvider(s.at_username, s.at_api_key, "", s.at_base_url, read_timeout=0.2)
    fake_at.delay = 1.0
    job_id = send_one(rt)
    sent = message(rt)
    assert (sent.status, sent.attempts) == ("in_doubt", 1)
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=False):
        execute(rt, job_id)  # the job again, much later
        settle_doubt(rt)  # a reply in doubt stays so: its resident got it, or texts again
        relay_tick(rt)
    assert len(fake_at.requests) == 1
    with rt.db.session() as session:
        assert in_doubt(session) == 1  # shown to an operator in /healthz
