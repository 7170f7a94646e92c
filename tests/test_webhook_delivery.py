"""POST /webhooks/delivery: reports update our row; unknown ones get 200 and a log line."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.jobs.runner import execute
from gateway.models import OutboundMessage
from gateway.runtime import Runtime
from gateway.sms.queue import queue_sms
from tests.conftest import SECRET


def report(client: FlaskClient, **fields: str) -> int:
    form = {"id": "ATXid_x", "status": "Success", "phoneNumber": "+6281234567890", "networkCode": "51010",
            "failureReason": "", "retryCount": "0"}  # fmt: skip
    form.update(fields)
    status: int = client.post("/webhooks/delivery", query_string={"secret": SECRET}, data=form).status_code
    return status


@pytest.fixture
def sent_id(rt: Runtime) -> str:
    with rt.db.session() as session:
        job_id = queue_sms(session, rt.settings, phone="+6281234567890", template="help", language="id", key="k")
    assert job_id is not None
    execute(rt, job_id)
    with rt.db.session() as session:
        return session.scalars(select(OutboundMessage.provider_message_id)).one() or ""


def row(rt: Runtime) -> OutboundMessage:
    with rt.db.session() as session:
        return session.scalars(select(OutboundMessage)).one()


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        ("Success", "", "delivered"),
        ("Failed", "InsufficientCredit", "failed"),
        ("Rejected", "DeliveryFailure", "failed"),
        ("AbsentSubscriber", "AbsentSubscriber", "failed"),
        ("Expired", "", "expired"),
        ("Buffered", "", "sent"),
        ("Submitted", "", "sent"),
    ],
)
def test_it_records_the_delivery_status(
    client: FlaskClient, rt: Runtime, sent_id: str, status: str, reason: str, expected: str
) -> None:
    assert report(client, id=sent_id, status=status, failureReason=reason) == 200
    updated = row(rt)
    assert (updated.status, updated.delivery_status) == (expected, status)
    if expected == "failed":
        assert updated.last_error == reason


def test_an_unknown_message_id_gets_200_and_a_log_line(
    client: FlaskClient, rt: Runtime, sent_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert report(client, id="ATXid_nobody") == 200
    assert "unknown message id ATXid_nobody" in caplog.text
    assert row(rt).status == "sent"


def test_an_unknown_status_gets_200_and_a_log_line(
    client: FlaskClient, rt: Runtime, sent_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert report(client, id=sent_id, status="Teleported") == 200
    assert "unknown status 'Teleported'" in caplog.text
    assert row(rt).status == "sent"


def test_a_replayed_report_changes_nothing(client: FlaskClient, rt: Runtime, sent_id: str) -> None:
    assert report(client, id=sent_id, status="Failed", failureReason="InsufficientCredit") == 200
    first = row(rt)
    assert report(client, id=sent_id, status="Success") == 200
    assert (row(rt).status, row(rt).last_error) == (first.status, first.last_error)


def test_a_malformed_report_gets_400_and_a_wrong_secret_403(client: FlaskClient, rt: Runtime) -> None:
    response = client.post("/webhooks/delivery", query_string={"secret": SECRET}, data={"id": "x"})
    assert response.status_code == 400
    assert "missing field(s): status" in response.get_data(as_text=True)
    assert client.post("/webhooks/delivery", data={"id": "x", "status": "Success"}).status_code == 403
