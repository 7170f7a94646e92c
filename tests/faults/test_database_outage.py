"""The database goes away mid-stream: every report the webhook answered is kept on disk and stored once when
it is back; USSD callers are told to try again; /healthz says what is wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from gateway import create_app
from gateway.jobs.relay import Relay
from gateway.models import InboundMessage, OutboundMessage
from gateway.runtime import Runtime
from tests.conftest import POSTGRES_URL, SECRET, make_settings, sms_form
from tests.faults.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    url = make_url(POSTGRES_URL)
    tcp = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    tcp.start()
    yield tcp
    tcp.cut()


def count(rt: Runtime, model: type) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_reports_during_a_database_outage_are_spooled_answered_and_stored_once(
    app: Flask, proxy: TcpProxy, tmp_path: Path
) -> None:
    url = make_url(POSTGRES_URL).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    web = create_app(make_settings(tmp_path, url, redis_url=""), runs_jobs=True)
    rt: Runtime = web.extensions["gateway"]
    client = web.test_client()

    def post(n: int) -> int:
        form = sms_form(id=f"ATXid_outage_{n}", **{"from": f"+6281200000{n:03d}"})
        return client.post("/webhooks/sms", query_string={"secret": SECRET}, data=form).status_code

    assert [post(n) for n in range(3)] == [200] * 3
    proxy.cut()  # the outage
    assert [post(n) for n in range(3, 10)] == [200] * 7  # answered, so an aggregator that never retries is fine
    ussd = client.post("/webhooks/ussd", query_string={"secret": SECRET}, data={
        "sessionId": "ATUid_outage", "serviceCode": "*123#", "phoneNumber": "+6281234567890", "text": "",
        "networkCode": "51010"})  # fmt: skip
    assert ussd.get_data(as_text=True).startswith("END ")  # a caller cannot wait: try again shortly
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["spool"]["messages"] == 7 and health.get_json()["status"] == "down"

    proxy.start()  # back
    relay = Relay(rt, runs_jobs=True)
    relay.tick()  # replays the spool, then processes and answers every report
    relay.tick()  # a second replay finds nothing: nothing stored twice
    assert count(rt, InboundMessage) == 10
    with rt.db.session() as session:
        phones = [m.phone for m in session.scalars(select(OutboundMessage))]
    assert sorted(phones) == sorted(f"+6281200000{n:03d}" for n in range(10))  # one reply each: 0 lost, 0 doubled
    sent = [json.loads(line)["to"] for line in rt.settings.sms_file_path.read_text().splitlines()]
    assert sorted(sent) == sorted(phones)
    health = client.get("/healthz").get_json()
    assert (health["status"], health["spool"]["messages"]) == ("ok", 0)
    rt.close()
