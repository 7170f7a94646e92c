"""Redis down: reports are still accepted, kept, and processed once it is back; no Redis at all: in-process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from gateway import create_app
from gateway.db import utcnow
from gateway.models import InboundMessage, OutboundMessage, OutboxJob
from gateway.runtime import Runtime
from tests.conftest import make_settings, post_sms, relay_tick, run_worker
from tests.redis_server import RedisServer


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def sent(rt: Runtime) -> list[dict[str, Any]]:
    path = rt.settings.sms_file_path
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_reports_are_kept_while_redis_is_down_and_processed_when_it_returns(
    app: Flask, tmp_path: Path, database_url: str, private_redis: RedisServer
) -> None:
    web = create_app(make_settings(tmp_path, database_url, redis_url=private_redis.url))
    web_rt: Runtime = web.extensions["gateway"]
    private_redis.stop()

    started = time.monotonic()
    responses = [post_sms(web.test_client(), id=f"ATXid_{n}").status_code for n in range(3)]
    assert responses == [200, 200, 200]
    assert time.monotonic() - started < 2.0  # the webhook never waits on a dead Redis
    with web_rt.db.session() as session:
        assert len(session.scalars(select(InboundMessage)).all()) == 3
        assert {job.status for job in session.scalars(select(OutboxJob))} == {"pending"}

    private_redis.start()
    relay_rt = Runtime(web_rt.settings)  # the relay and the worker are processes of their own
    with time_machine.travel(utcnow() + timedelta(seconds=11), tick=False):
        assert relay_tick(relay_rt, inline=False) == 3
        run_worker(relay_rt)
        run_worker(relay_rt)
    assert sorted(line["to"] for line in sent(relay_rt)) == ["+6281234567890"] * 3
    with relay_rt.db.session() as session:
        replies = session.scalars(select(OutboundMessage)).all()
    assert [r.template for r in replies] == ["report_received"] * 3
    relay_rt.close()
    web_rt.close()


def test_the_relay_runs_jobs_itself_while_redis_is_down(
    app: Flask, tmp_path: Path, database_url: str, private_redis: RedisServer
) -> None:
    web = create_app(make_settings(tmp_path, database_url, redis_url=private_redis.url))
    private_redis.stop()
    assert post_sms(web.test_client()).status_code == 200
    relay_rt = Runtime(web.extensions["gateway"].settings)
    assert relay_tick(relay_rt, inline=True) == 1  # process_inbound, whose reply is sent inline right after
    [line] = sent(relay_rt)
    assert "LAPOR BANJIR" not in line["text"] and line["to"] == "+6281234567890"
    relay_rt.close()
    web.extensions["gateway"].close()


@pytest.mark.parametrize("settings_overrides", [{"redis_url": ""}])
def test_without_redis_configured_jobs_run_in_process(app: Flask, rt: Runtime) -> None:
    assert rt.queue is None
    assert post_sms(app.test_client()).status_code == 200
    assert relay_tick(rt) == 1
    [line] = sent(rt)
    assert line["text"].startswith("Laporan banjir di Sukodono")
