"""Fixtures: the app on SQLite and on PostgreSQL, real Redis on a spare database, burst workers."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import text

from gateway import create_app
from gateway.config import Settings, load_settings
from gateway.db import Base, Database
from gateway.jobs.relay import Relay
from gateway.jobs.worker import Worker
from gateway.people.officers import apply_roster, district_roster
from gateway.runtime import Runtime

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "test-secret-0123456789"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Build each database's schema once, through the real migrations."""
    sqlite_path = tmp_path_factory.mktemp("db") / "gateway.db"
    urls = {"sqlite": f"sqlite:///{sqlite_path}", "postgresql": POSTGRES_URL}
    pg = Database(POSTGRES_URL)
    with pg.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    pg.upgrade()
    pg.dispose()
    lite = Database(urls["sqlite"])
    lite.upgrade()
    lite.dispose()
    yield urls


def empty_tables(database: Database) -> None:
    """Remove every row, keeping the schema."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.is_sqlite:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def redis() -> Iterator[redis_lib.Redis]:
    """Real Redis on a spare database, flushed around each test."""
    client = redis_lib.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "var_dir": tmp_path,
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "sms_file_path": tmp_path / "sent_sms.jsonl",
        "webhook_secret": SECRET,
    }
    values.update(overrides)
    return load_settings(env={}, overrides=values)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, schemas: dict[str, str]) -> str:
    return schemas[request.param]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's settings (e.g. no Redis)."""
    return {}


@pytest.fixture
def app(
    tmp_path: Path, database_url: str, redis: redis_lib.Redis, settings_overrides: dict[str, Any]
) -> Iterator[Flask]:
    application = create_app(make_settings(tmp_path, database_url, **settings_overrides))
    runtime: Runtime = application.extensions["gateway"]
    empty_tables(runtime.db)
    yield application
    runtime.close()


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["gateway"]
    return runtime


@pytest.fixture
def db(rt: Runtime) -> Database:
    return rt.db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def queue(rt: Runtime) -> Queue:
    assert rt.queue is not None
    return rt.queue


def run_worker(rt: Runtime) -> None:
    """Run every queued job with a burst worker in this process, with ``rt`` as its runtime."""
    Worker(rt).work(burst=True, logging_level="WARNING")


@contextmanager
def live_worker(rt: Runtime) -> Iterator[Worker]:
    """A worker registered on the queue as alive, as a running ``gateway worker`` is (it runs nothing here)."""
    worker = Worker(rt)
    worker.register_birth()
    try:
        yield worker
    finally:
        worker.register_death()


def load_roster(rt: Runtime, text: str) -> None:
    """Import an officers' roster (CSV text) that has no bad row."""
    rows, errors = district_roster(text, rt.rules, rt.region)
    assert errors == []
    with rt.db.session() as session:
        apply_roster(session, rows)


def relay_tick(rt: Runtime, inline: bool = True) -> int:
    """One relay tick; ``inline`` runs jobs here when Redis is not usable."""
    return Relay(rt, runs_jobs=inline).tick()


def sms_form(**fields: str) -> dict[str, str]:
    """What Africa's Talking posts for one inbound SMS, with ``fields`` replacing the defaults."""
    form = {
        "from": "+6281234567890",
        "to": "98123",
        "text": "LAPOR BANJIR SUKODONO 25 KK",
        "date": "2026-11-23 10:21:36",
        "id": "ATXid_0b3b1c3e9f7c4d",
        "linkId": "",
    }
    form.update(fields)
    return form


def post_sms(client: FlaskClient, secret: str = SECRET, **fields: str) -> Any:
    """Post one inbound SMS, then wait until the app's hand-off thread has passed its job on."""
    response = client.post("/webhooks/sms", query_string={"secret": secret}, data=sms_form(**fields))
    assert client.application.extensions["gateway_batcher"].wait_idle()
    return response


def sent_sms(rt: Runtime) -> list[dict[str, Any]]:
    """Every SMS the file provider wrote, oldest first."""
    path = rt.settings.sms_file_path
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def sms_to(rt: Runtime, phone: str) -> list[str]:
    """The texts sent to ``phone`` (E.164), oldest first."""
    return [str(line["text"]) for line in sent_sms(rt) if line["to"] == phone]


_provider_ids = iter(range(1, 1_000_000))


def exchange(client: FlaskClient, rt: Runtime, text: str, sender: str = "081234567890") -> str:
    """Text ``text`` from ``sender`` through the webhook, run the workers, and return the reply it got."""
    response = post_sms(client, text=text, id=f"ATXid_{next(_provider_ids)}", **{"from": sender})
    assert response.status_code == 200
    run_worker(rt)  # process the message; it queues the reply and any alerts
    run_worker(rt)  # send them
    replies = sms_to(rt, "+62" + sender.removeprefix("0"))
    assert replies, "no reply was sent"
    return replies[-1]
