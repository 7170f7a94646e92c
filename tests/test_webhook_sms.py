"""POST /webhooks/sms: stored once, in one transaction with its job, answered at once."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import func, select

from gateway.db import Database
from gateway.models import InboundMessage, OutboxJob
from tests.conftest import post_sms, sms_form


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_it_stores_the_message_and_its_job_then_answers_200(client: FlaskClient, db: Database) -> None:
    response = post_sms(client)
    assert response.status_code == 200
    assert response.get_data() == b""
    with db.session() as session:
        message = session.scalars(select(InboundMessage)).one()
        job = session.scalars(select(OutboxJob)).one()
    assert (message.provider_id, message.phone, message.text) == (
        "ATXid_0b3b1c3e9f7c4d",
        "+6281234567890",
        "LAPOR BANJIR SUKODONO 25 KK",
    )
    assert message.sent_at is not None and message.sent_at.isoformat() == "2026-11-23T10:21:36+00:00"
    assert (job.kind, job.ref_id, job.status) == ("process_inbound", message.id, "pending")


def test_it_hands_the_job_to_redis_after_the_commit(client: FlaskClient, db: Database, queue: Queue) -> None:
    post_sms(client)
    with db.session() as session:
        job_id = session.scalars(select(OutboxJob.id)).one()
    [rq_job] = queue.get_jobs()
    assert rq_job.func_name == "workers.tasks.run_outbox_jobs"
    assert rq_job.args == ([job_id],)  # ids, never the phone or the text


def test_it_ignores_a_replayed_callback(client: FlaskClient, db: Database) -> None:
    assert post_sms(client).status_code == 200
    assert post_sms(client, text="something else").status_code == 200
    assert count(db, InboundMessage) == 1
    assert count(db, OutboxJob) == 1
    with db.session() as session:
        assert session.scalars(select(InboundMessage.text)).one() == "LAPOR BANJIR SUKODONO 25 KK"


@pytest.mark.parametrize("sender", ["081234567890", "6281234567890", "+6281234567890", "0812-3456-7890"])
def test_it_normalises_indonesian_numbers_to_e164(client: FlaskClient, db: Database, sender: str) -> None:
    assert post_sms(client, **{"from": sender}).status_code == 200
    with db.session() as session:
        assert session.scalars(select(InboundMessage.phone)).one() == "+6281234567890"


@pytest.mark.parametrize("secret", ["", "wrong-secret-0123456789", "test-secret-012345678"])
def test_it_refuses_a_wrong_or_missing_secret_and_stores_nothing(
    client: FlaskClient, db: Database, secret: str
) -> None:
    response = post_sms(client, secret=secret)
    assert response.status_code == 403
    assert count(db, InboundMessage) == 0


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"from": "12"}, "'from' is not a valid phone number"),
        ({"from": "not a phone"}, "'from' is not a valid phone number"),
        ({"id": "  "}, "'id' must be 1 to 100 characters"),
        ({"id": "x" * 101}, "'id' must be 1 to 100 characters"),
        ({"date": "yesterday"}, "'date' is not a date and time"),
        ({"text": "x" * 4001}, "'text' is longer than 4000 characters"),
    ],
)
def test_it_answers_400_with_the_reason(client: FlaskClient, db: Database, fields: dict[str, str], reason: str) -> None:
    response = post_sms(client, **fields)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert count(db, InboundMessage) == 0


@pytest.mark.parametrize("field", ["from", "to", "text", "id"])
def test_it_names_a_missing_field(client: FlaskClient, db: Database, field: str) -> None:
    form = sms_form()
    del form[field]
    response = client.post("/webhooks/sms", query_string={"secret": "test-secret-0123456789"}, data=form)
    assert response.status_code == 400
    assert f"missing field(s): {field}" in response.get_data(as_text=True)


def test_it_refuses_a_body_that_is_not_a_form(client: FlaskClient, db: Database) -> None:
    response = client.post("/webhooks/sms", query_string={"secret": "test-secret-0123456789"}, json=sms_form())
    assert response.status_code == 400
    assert "expected a form-encoded body" in response.get_data(as_text=True)


def test_it_accepts_an_empty_text_and_a_missing_date(client: FlaskClient, db: Database) -> None:
    form = sms_form(text="")
    del form["date"]
    response = client.post("/webhooks/sms", query_string={"secret": "test-secret-0123456789"}, data=form)
    assert response.status_code == 200
    assert count(db, InboundMessage) == 1
