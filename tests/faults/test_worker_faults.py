"""A worker killed with SIGKILL while the provider holds its request, and a worker whose Redis restarts:
counted, as an operator would count them, in SMS lost, doubled and in doubt."""

from __future__ import annotations

import json
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from gateway.db import utcnow
from gateway.jobs.lease import JOB_LEASE
from gateway.jobs.relay import Relay
from gateway.jobs.worker import live_consumers
from gateway.models import OutboundMessage
from gateway.runtime import Runtime
from gateway.sms.queue import in_doubt, queue_sms
from gateway.sms.send import LEASE_MARGIN, settle_doubt
from tests.conftest import REDIS_URL, SECRET, make_settings, relay_tick, run_worker
from tests.fake_africastalking import FakeAfricasTalking, serve_fake
from tests.faults.processes import gateway_process, wait_until
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow
PHONES = [f"+62812000000{n:02d}" for n in range(6)]


@pytest.fixture
def fake_at() -> Iterator[FakeAfricasTalking]:
    with serve_fake(FakeAfricasTalking(hold=threading.Event(), hold_after=2)) as fake:
        yield fake
        assert fake.hold is not None
        fake.hold.set()


@pytest.fixture
def settings_overrides(fake_at: FakeAfricasTalking) -> dict[str, Any]:
    return {"sms_backend": "africastalking", "at_username": fake_at.username, "at_api_key": fake_at.api_key,
            "at_api_url": fake_at.url}  # fmt: skip


def process_env(rt: Runtime, **more: str) -> dict[str, str]:
    s = rt.settings
    return {"DATABASE_URL": s.database_url, "REDIS_URL": s.redis_url or "", "WEBHOOK_SECRET": SECRET,
            "GATEWAY_VAR_DIR": str(s.var_dir), "SMS_BACKEND": s.sms_backend, "SMS_FILE_PATH": str(s.sms_file_path),
            "AT_USERNAME": s.at_username, "AT_API_KEY": s.at_api_key, "AT_API_URL": s.at_api_url,
            **more}  # fmt: skip


def queue_replies(rt: Runtime) -> list[int]:
    with rt.db.session() as session:
        jobs = [queue_sms(session, rt.settings, phone=phone, template="help", language="id", key=f"kill:{phone}")
                for phone in PHONES]  # fmt: skip
    return [job for job in jobs if job is not None]


def test_a_worker_killed_mid_send_loses_nothing_and_doubles_nothing(
    rt: Runtime, fake_at: FakeAfricasTalking, tmp_path: Path
) -> None:
    Relay(rt, runs_jobs=False).hand_off(queue_replies(rt))  # one RQ job of six SMS
    with gateway_process(["worker"], process_env(rt), tmp_path / "worker.log") as worker:
        wait_until(lambda: len(fake_at.requests) == 3, "the worker to offer the third SMS")
        worker.send_signal(signal.SIGKILL)  # inside the provider call: the provider has the third SMS
        worker.wait(timeout=10)
    assert fake_at.hold is not None
    fake_at.hold.set()  # the provider answers again, at once
    with rt.db.session() as session:
        rows = {m.phone: m.status for m in session.scalars(select(OutboundMessage))}
    assert sorted(rows.values()) == ["queued"] * 3 + ["sending"] + ["sent"] * 2  # at most one in doubt

    after_lease = utcnow() + JOB_LEASE + timedelta(seconds=1)
    with time_machine.travel(after_lease, tick=False):
        relay_tick(rt)  # the dead worker's job is taken back within its lease, and handed over again
        run_worker(rt)  # another worker sends what was never offered
    doubt_settled = after_lease + timedelta(seconds=rt.settings.sms_timeout_seconds) + LEASE_MARGIN
    with time_machine.travel(doubt_settled, tick=False):
        settle_doubt(rt)
        with rt.db.session() as session:
            doubtful = in_doubt(session)
    offered = Counter(request["to"] for request in fake_at.requests)
    lost = [phone for phone in PHONES if offered[phone] == 0]
    doubled = [phone for phone in PHONES if offered[phone] > 1]
    assert (lost, doubled, doubtful) == ([], [], 1)  # the one in doubt is shown, not resent


def sent_to(path: Path) -> list[str]:
    return [json.loads(line)["to"] for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("settings_overrides", [{}])
def test_a_worker_outlives_a_redis_restart_and_goes_on_working(
    app: Any, tmp_path: Path, database_url: str, settings_overrides: dict[str, Any]
) -> None:
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    rt = Runtime(make_settings(tmp_path, database_url, redis_url=redis_server.url))
    try:
        with gateway_process(["worker"], process_env(rt), tmp_path / "worker.log") as worker:
            wait_until(lambda: live_consumers(rt) == 1, "the worker to start")
            redis_server.stop()  # the outage
            with pytest.raises(AssertionError):
                wait_until(lambda: worker.poll() is not None, "the worker to exit", timeout=2)
            redis_server.start()  # back, empty, on the same port
            wait_until(lambda: live_consumers(rt) == 1, "the worker to register again")
            Relay(rt, runs_jobs=False).hand_off(queue_replies(rt))
            wait_until(lambda: len(sent_to(rt.settings.sms_file_path)) == len(PHONES), "the SMS to go out")
            assert worker.poll() is None  # the same process, never restarted by hand
        log = (tmp_path / "worker.log").read_text()
        assert (log.count("Redis unavailable"), log.count("Redis is back")) == (1, 1)  # said once each way
        assert "could not connect to Redis" not in log  # RQ's line at every retry is not repeated
    finally:
        rt.close()
        redis_server.stop()
    assert REDIS_URL  # the shared test Redis was never touched
