"""GET /healthz: database, Redis and outbox backlog."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from gateway import create_app
from tests.conftest import make_settings, post_sms


def test_it_reports_database_redis_and_backlog(client: FlaskClient) -> None:
    post_sms(client)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok" and body["redis"] == "ok" and body["status"] == "ok"
    assert body["outbox"]["pending"] == 1
    assert body["outbox"]["oldest_pending_seconds"] >= 0
    assert body["sms_in_doubt"] == 0


def test_it_is_degraded_but_up_when_redis_is_down(app: Flask, tmp_path: Path, database_url: str) -> None:
    web = create_app(make_settings(tmp_path, database_url, redis_url="redis://127.0.0.1:1/0"))
    response = web.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "unavailable"
    assert response.get_json()["status"] == "degraded"
    web.extensions["gateway"].close()


def test_it_is_down_when_the_database_is_unreachable(app: Flask, tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    web = create_app(make_settings(tmp_path, url))
    response = web.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error")
    web.extensions["gateway"].close()
