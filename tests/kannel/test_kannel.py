"""Kannel as the SMS link, against the real thing: bearerbox + smsbox with fakesmsc as the SMS center, and the
gateway on a real port that smsbox's get-url and the delivery reports call."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import time_machine
from flask import Flask
from sqlalchemy import func, select, update

from gateway.db import utcnow
from gateway.jobs.runner import execute, execute_many
from gateway.models import InboundMessage, Incident, OutboundMessage
from gateway.runtime import Runtime
from gateway.sms.kannel import KannelProvider
from gateway.sms.providers import make_provider
from gateway.sms.queue import queue_sms
from gateway.sms.send import DOUBT_WINDOW, deliver, settle_doubt
from tests.conftest import SECRET, load_roster, run_worker
from tests.faults.processes import free_port
from tests.kannel.harness import (
    PASSWORD,
    USERNAME,
    FakeSmsc,
    GatewayServer,
    Kannel,
    require_kannel,
    wait_until,
)

RESIDENT = "+6281234567890"
OFFICER = "+6281100000001"
ROSTER = "name,phone,agency,role,districts\nBudi (BPBD),081100000001,BPBD,officer,\n"
CONFIRMATION = "Laporan banjir di Sukodono, Kec. Kendal diterima. No. laporan: 1001. Petugas akan menindaklanjuti."


def test_kannel_is_installed() -> None:
    require_kannel()  # a failure naming what to install, never a skip


@pytest.fixture(scope="module")
def server() -> Iterator[GatewayServer]:
    gateway = GatewayServer()
    gateway.start()
    yield gateway
    gateway.close()


@pytest.fixture(scope="module")
def kannel(server: GatewayServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kannel]:
    box = Kannel(tmp_path_factory.mktemp("kannel"), server.url, SECRET)
    try:
        box.start()
        yield box
    finally:
        box.close()


@pytest.fixture
def settings_overrides(kannel: Kannel, server: GatewayServer) -> dict[str, Any]:
    return {"sms_backend": "kannel", "kannel_sendsms_url": kannel.sendsms_url, "kannel_username": USERNAME,
            "kannel_password": PASSWORD, "gateway_public_url": server.url}  # fmt: skip


@pytest.fixture(autouse=True)
def served(request: pytest.FixtureRequest) -> Iterator[None]:
    """The test's app behind the module's HTTP server, for the tests that have one."""
    if "app" not in request.fixturenames:
        yield
        return
    server: GatewayServer = request.getfixturevalue("server")
    server.app.target, server.app.requests = request.getfixturevalue("app"), []
    yield
    server.app.wait_quiet()
    server.app.target = None


@pytest.fixture
def modem(kannel: Kannel) -> Iterator[list[FakeSmsc]]:
    """The fake SMS centers a test opens, closed (by PID) after it."""
    opened: list[FakeSmsc] = []
    yield opened
    for smsc in opened:
        smsc.close()


def inbound_from(rt: Runtime, phone: str) -> list[InboundMessage]:
    with rt.db.session() as session:
        return list(session.scalars(select(InboundMessage).where(InboundMessage.phone == phone)))


def outbound(rt: Runtime) -> list[OutboundMessage]:
    with rt.db.session() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def all_delivered(rt: Runtime) -> list[OutboundMessage]:
    """Every outbound message, once all are delivered; else nothing."""
    rows = outbound(rt)
    return rows if rows and all(m.status == "delivered" for m in rows) else []


def run_jobs(app: Flask, rt: Runtime) -> None:
    assert app.extensions["gateway_batcher"].wait_idle()
    run_worker(rt)  # process the report: it queues the confirmation and the alerts
    run_worker(rt)  # send them through Kannel


def resident_reports(app: Flask, rt: Runtime, kannel: Kannel, modem: list[FakeSmsc], line: str) -> FakeSmsc:
    smsc = FakeSmsc(kannel, "modem", [line])
    modem.append(smsc)
    wait_until(lambda: inbound_from(rt, RESIDENT), what="the report to reach the gateway through smsbox")
    run_jobs(app, rt)
    return smsc


def test_a_report_through_kannel_is_confirmed_at_the_phone_alerts_the_officer_and_is_delivered(
    app: Flask, rt: Runtime, kannel: Kannel, modem: list[FakeSmsc]
) -> None:
    load_roster(rt, ROSTER)
    smsc = resident_reports(app, rt, kannel, modem, f"{RESIDENT} 98123 text LAPOR BANJIR SUKODONO 25 KK")
    (message,) = inbound_from(rt, RESIDENT)
    assert (message.text, message.to, len(message.provider_id)) == ("LAPOR BANJIR SUKODONO 25 KK", "98123", 36)
    assert wait_until(lambda: smsc.to(RESIDENT), what="the confirmation at fakesmsc") == [CONFIRMATION]
    (alert,) = wait_until(lambda: smsc.to(OFFICER), what="the officer's alert at fakesmsc")
    assert "1001" in alert and "Sukodono" in alert
    rows = wait_until(lambda: all_delivered(rt), what="delivery reports")
    assert {(m.provider, m.delivery_status) for m in rows} == {("kannel", "delivered")}
    assert len(smsc.received()) == 2  # each SMS once


def test_a_ucs2_report_is_read_right(app: Flask, rt: Runtime, kannel: Kannel, modem: list[FakeSmsc]) -> None:
    text = "LAPOR BANJIR SUKODONO 25 KK tolong 🙏 عائشة"
    smsc = resident_reports(app, rt, kannel, modem, f"{RESIDENT} 98123 ucs2 {quote(text.encode('utf-16-be'))}")
    assert [m.text for m in inbound_from(rt, RESIDENT)] == [text]
    assert wait_until(lambda: smsc.to(RESIDENT), what="the confirmation") == [CONFIRMATION]


def test_a_replayed_mo_changes_nothing(
    app: Flask, rt: Runtime, kannel: Kannel, modem: list[FakeSmsc], server: GatewayServer
) -> None:
    smsc = resident_reports(app, rt, kannel, modem, f"{RESIDENT} 98123 text LAPOR BANJIR SUKODONO 25 KK")
    wait_until(lambda: smsc.to(RESIDENT), what="the confirmation")
    calls = [path for path in server.app.requests if path.startswith("/webhooks/kannel?")]
    assert len(calls) == 1
    for _ in range(2):  # smsbox retrying its get-url
        assert requests.get(server.url + calls[0], timeout=10).status_code == 200
    run_jobs(app, rt)
    with rt.db.session() as session:
        counts = [session.scalar(select(func.count()).select_from(table)) for table in (InboundMessage, Incident)]
    assert counts == [1, 1]
    assert len(outbound(rt)) == 1 and smsc.to(RESIDENT) == [CONFIRMATION]


def queue_and_send(rt: Runtime, key: str, phone: str = RESIDENT) -> OutboundMessage:
    with rt.db.session() as session:
        job = queue_sms(session, rt.settings, phone=phone, template="help", language="id", key=key)
    assert job is not None
    execute(rt, job)
    return outbound(rt)[-1]


def kannel_dlr(rt: Runtime, message_id: int, kind: int, answer: str = "") -> None:
    """The delivery report exactly as Kannel calls it: our dlr-url with %d and %A filled in."""
    link = KannelProvider(rt.settings.kannel_sendsms_url, USERNAME, PASSWORD, "", rt.settings.gateway_public_url,
                          rt.settings.webhook_secret)  # fmt: skip
    url = link.dlr_url(str(message_id)).replace("%d", str(kind)).replace("%A", quote(answer))
    assert requests.get(url, timeout=10).status_code == 200


@contextmanager
def in_doubt(rt: Runtime, **changes: Any) -> Iterator[None]:
    """Sends go to a sendsms URL that takes the request and never answers: the answer is lost, the SMS in doubt."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/cgi-bin/sendsms"
        settings = replace(rt.settings, kannel_sendsms_url=url, sms_timeout_seconds=0.5, **changes)
        rt.__dict__["provider"] = make_provider(settings)
        yield


def test_delivery_reports_move_messages_to_delivered_and_failed(
    app: Flask, rt: Runtime, kannel: Kannel, modem: list[FakeSmsc]
) -> None:
    modem.append(FakeSmsc(kannel, "modem"))
    delivered = queue_and_send(rt, "dlr:1")
    wait_until(lambda: outbound(rt)[0].status == "delivered", what="Kannel's delivery report")
    assert outbound(rt)[0].delivery_status == "delivered"
    kannel_dlr(rt, delivered.id, 2, answer="too late")  # a final state is never undone
    with in_doubt(rt):
        rejected = queue_and_send(rt, "dlr:2", phone="+6281234567899")
    kannel_dlr(rt, rejected.id, 16, answer="NACK/0x0000000b/Invalid Destination Address")
    kannel_dlr(rt, rejected.id, 1)
    first, second = outbound(rt)
    assert (first.status, first.delivery_status) == ("delivered", "delivered")
    assert (second.status, second.last_error) == (
        "failed", "rejected by the SMSC: NACK/0x0000000b/Invalid Destination Address"
    )  # fmt: skip


def test_an_sms_in_doubt_is_settled_by_its_delivery_report(app: Flask, rt: Runtime) -> None:
    with in_doubt(rt):
        message = queue_and_send(rt, "doubt:1")
    assert message.status == "in_doubt"
    kannel_dlr(rt, message.id, 8, answer="ACK/")
    assert (outbound(rt)[0].status, outbound(rt)[0].delivery_status) == ("sent", "accepted by the SMSC")
    kannel_dlr(rt, message.id, 1)
    assert (outbound(rt)[0].status, outbound(rt)[0].delivery_status) == ("delivered", "delivered")


def test_sendsms_refusing_fails_the_sms_for_good(app: Flask, rt: Runtime) -> None:
    rt.__dict__["provider"] = make_provider(replace(rt.settings, kannel_password="wrong-password"))
    message = queue_and_send(rt, "refused:1")
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "kannel refused the SMS (403): Authorization failed for sendsms"


def test_failover_to_the_second_smsc_sends_each_sms_once(
    app: Flask, rt: Runtime, kannel: Kannel, modem: list[FakeSmsc]
) -> None:
    smsc = FakeSmsc(kannel, "modem")
    modem.append(smsc)
    rt.__dict__["provider"] = make_provider(replace(rt.settings, kannel_smsc="aggregator,modem"))
    for n in range(3):
        queue_and_send(rt, f"failover:{n}", phone=f"+62812345678{n}")
    rows = wait_until(lambda: all_delivered(rt), what="delivery reports")
    assert [m.provider for m in rows] == ["kannel:modem"] * 3
    assert sorted(mt.to for mt in smsc.received()) == [f"+62812345678{n}" for n in range(3)]
    health = app.test_client().get("/healthz").get_json()
    assert health["sms_links"]["kannel:modem"] == "ok"


def test_an_unreachable_kannel_fails_over_to_the_next_link_and_doubt_does_not(app: Flask, rt: Runtime) -> None:
    closed = f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms"
    rt.__dict__["provider"] = make_provider(replace(rt.settings, sms_backend="kannel,file", kannel_sendsms_url=closed))
    message = queue_and_send(rt, "unreachable:1")
    assert (message.status, message.provider) == ("sent", "file")
    assert len(rt.settings.sms_file_path.read_text().splitlines()) == 1
    health = app.test_client().get("/healthz").get_json()
    assert health["sms_links"]["kannel"].startswith("unreachable")
    assert any("kannel" in problem for problem in health["problems"])
    with in_doubt(rt, sms_backend="kannel,file"):
        doubtful = queue_and_send(rt, "unreachable:2")
    assert (doubtful.status, doubtful.provider) == ("in_doubt", "kannel")
    assert len(rt.settings.sms_file_path.read_text().splitlines()) == 1  # never a second copy through the file


def unavailable(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The gateway's web process gone (a load balancer's 503 in front of it)."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"unavailable\n"]


def test_kannel_retries_while_the_gateway_is_down_and_the_report_is_stored_once(
    app: Flask, rt: Runtime, kannel: Kannel, modem: list[FakeSmsc], server: GatewayServer
) -> None:
    server.app.target = unavailable
    modem.append(FakeSmsc(kannel, "modem", [f"{RESIDENT} 98123 text LAPOR BANJIR SUKODONO 25 KK"]))
    wait_until(lambda: len(server.app.requests) >= 2, what="smsbox to try the gateway twice")
    assert inbound_from(rt, RESIDENT) == []
    server.app.target = app
    wait_until(lambda: inbound_from(rt, RESIDENT), what="smsbox's retry to reach the gateway")
    run_jobs(app, rt)
    assert wait_until(lambda: modem[0].to(RESIDENT), what="the confirmation") == [CONFIRMATION]
    assert len(inbound_from(rt, RESIDENT)) == 1


@pytest.fixture(scope="module")
def two_links(server: GatewayServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kannel]:
    """One Kannel with an operator's link and a modem that takes the operator's SMS while that link is offline."""
    box = Kannel(tmp_path_factory.mktemp("kannel2"), server.url, SECRET, smscs=("aggregator", "modem"), backup=True)
    try:
        box.start()
        yield box
    finally:
        box.close()


def test_kannel_sends_through_the_modem_while_the_operator_link_is_offline_each_sms_once(
    app: Flask, rt: Runtime, two_links: Kannel, modem: list[FakeSmsc]
) -> None:
    rt.__dict__["provider"] = make_provider(replace(rt.settings, kannel_sendsms_url=two_links.sendsms_url,
                                                    kannel_smsc="aggregator"))  # fmt: skip
    backup = FakeSmsc(two_links, "modem")
    modem.append(backup)
    for n in range(2):
        queue_and_send(rt, f"offline:{n}", phone=f"+62812345678{n}")
    wait_until(lambda: len(backup.received()) == 2, what="the modem to send both")
    operator = FakeSmsc(two_links, "aggregator")
    modem.append(operator)
    queue_and_send(rt, "online:1", phone="+6281234567895")
    rows = wait_until(lambda: all_delivered(rt), what="delivery reports")
    assert [mt.to for mt in operator.received()] == ["+6281234567895"]
    assert sorted(mt.to for mt in backup.received()) == ["+628123456780", "+628123456781"]
    assert {m.provider for m in rows} == {"kannel:aggregator"}


def test_an_alert_queued_again_after_its_doubt_is_not_sent_twice_when_its_late_report_comes(
    app: Flask, rt: Runtime
) -> None:
    with in_doubt(rt):
        message = queue_and_send(rt, "late:1")
    with rt.db.session() as session:  # an officer's alert: queued once more after the doubt window
        session.execute(update(OutboundMessage).values(template="alert"))
    with time_machine.travel(utcnow() + DOUBT_WINDOW + timedelta(seconds=5), tick=False):
        assert settle_doubt(rt) == 1
        assert outbound(rt)[0].status == "queued"
        kannel_dlr(rt, message.id, 8, answer="ACK/")  # Kannel had the first offer after all
        deliver(rt, [message.id])  # the alert's send job runs again
    (row,) = outbound(rt)
    assert (row.status, row.attempts, row.delivery_status) == ("sent", 1, "accepted by the SMSC")


def test_a_burst_goes_out_through_several_sendsms_calls_at_once_each_sms_once(
    app: Flask, rt: Runtime, kannel: Kannel, modem: list[FakeSmsc]
) -> None:
    smsc = FakeSmsc(kannel, "modem")
    modem.append(smsc)
    phones = [f"+6281234568{n:03d}" for n in range(24)]
    with rt.db.session() as session:
        jobs = [queue_sms(session, rt.settings, phone=phone, template="help", language="id", key=f"burst:{n}")
                for n, phone in enumerate(phones)]  # fmt: skip
    assert len(execute_many(rt, [job for job in jobs if job is not None]).done) == len(phones)  # one batch: lanes
    assert {(m.status, m.attempts) for m in outbound(rt)} <= {("sent", 1), ("delivered", 1)}
    rows = wait_until(lambda: all_delivered(rt), what="delivery reports")
    assert len(rows) == len(phones)
    assert sorted(mt.to for mt in smsc.received()) == phones  # each once


@pytest.fixture
def restartable(server: GatewayServer, tmp_path: Path) -> Iterator[Kannel]:
    """A Kannel of the test's own: no other test's SMS center can be connected to it, or reconnect to it."""
    box = Kannel(tmp_path, server.url, SECRET)
    try:
        box.start()
        yield box
    finally:
        box.close()


def test_what_kannel_accepted_survives_its_restart_mid_burst_and_reaches_the_phone_once(
    app: Flask, rt: Runtime, restartable: Kannel, modem: list[FakeSmsc]
) -> None:
    kannel = restartable
    rt.__dict__["provider"] = make_provider(replace(rt.settings, kannel_sendsms_url=kannel.sendsms_url))
    assert kannel.smsc_state("modem") != "online"  # no SMS center: what sendsms takes waits in Kannel's store
    phones = [f"+6281234567{n:03d}" for n in range(5)]
    for n, phone in enumerate(phones):
        assert queue_and_send(rt, f"restart:{n}", phone=phone).status == "sent"
    assert wait_until(lambda: kannel.stored() == len(phones), what="the SMS in Kannel's store")
    kannel.restart()  # mid-burst: bearerbox and smsbox stopped and started again, same ports, same store file
    assert kannel.stored() == len(phones) and kannel.smsc_state("modem") != "online"
    smsc = FakeSmsc(kannel, "modem")
    modem.append(smsc)
    wait_until(lambda: len(smsc.received()) >= len(phones), what="the stored SMS after the restart")
    wait_until(lambda: kannel.stored() == 0, what="Kannel's store to empty")  # all sent: no second copy to come
    smsc.close()
    assert sorted(mt.to for mt in smsc.received()) == phones  # each once: none lost with the restart, none doubled
