"""Input that can never succeed gets 400 with a reason, never 500, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.db import Database
from gateway.models import InboundMessage
from tests.conftest import SECRET, post_sms, sms_form

USSD = {"sessionId": "ATUid_1", "serviceCode": "*123#", "phoneNumber": "+6281234567890", "networkCode": "51010",
        "text": ""}  # fmt: skip
DELIVERY = {"id": "ATXid_1", "status": "Success", "phoneNumber": "+6281234567890", "failureReason": ""}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"date": "9999-12-31 23:59:59-05:00"}, "'date' is not a date and time"),
        ({"date": "0001-01-01 00:00:00+05:00"}, "'date' is not a date and time"),
        ({"id": "ATX\x00id"}, "'id' contains a NUL byte"),
        ({"to": "98\x00123"}, "'to' contains a NUL byte"),
        ({"from": "0812\x0034567890"}, "'from' contains a NUL byte"),
        ({"linkId": "x" * 101}, "'linkId' is longer than 100 characters"),
        ({"linkId": "a\x00b"}, "'linkId' contains a NUL byte"),
        ({"id": "x" * 101}, "'id' must be 1 to 100 characters"),
        ({"text": "x" * 4001}, "'text' is longer than 4000 characters"),
    ],
)
def test_an_sms_callback_that_can_never_be_stored_gets_400_with_the_reason(
    client: FlaskClient, db: Database, fields: dict[str, str], reason: str
) -> None:
    response = post_sms(client, **fields)
    assert (response.status_code, response.get_data(as_text=True)) == (400, f"bad request: {reason}\n")
    with db.session() as session:
        assert session.scalars(select(InboundMessage)).all() == []


def test_nul_bytes_in_the_text_are_dropped_and_the_message_kept(client: FlaskClient, db: Database) -> None:
    assert post_sms(client, text="LAPOR\x00 BANJIR SUKODONO 25 KK").status_code == 200
    with db.session() as session:
        assert session.scalars(select(InboundMessage.text)).one() == "LAPOR BANJIR SUKODONO 25 KK"


@pytest.mark.parametrize("field", ["sessionId", "serviceCode", "phoneNumber"])
def test_a_ussd_callback_with_a_nul_byte_gets_400(client: FlaskClient, field: str) -> None:
    form = {**USSD, field: USSD[field][:3] + "\x00" + USSD[field][3:]}
    response = client.post("/webhooks/ussd", query_string={"secret": SECRET}, data=form)
    assert response.status_code == 400 and f"'{field}' contains a NUL byte" in response.get_data(as_text=True)


def test_a_delivery_report_with_a_nul_byte_gets_400(client: FlaskClient) -> None:
    response = client.post("/webhooks/delivery", query_string={"secret": SECRET}, data={**DELIVERY, "id": "a\x00b"})
    assert response.status_code == 400


FIELD_TEXT = st.one_of(
    st.text(max_size=120),
    st.text(alphabet=st.sampled_from("0123456789+-: TZ\x00"), max_size=40),
    st.sampled_from(["", " ", "9999-12-31 23:59:59-05:00", "0000-00-00", "+62", "0" * 200, "\x00", "%00"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["sms", "ussd", "delivery"]), st.dictionaries(st.sampled_from(
    ["from", "to", "text", "id", "date", "linkId", "sessionId", "serviceCode", "phoneNumber", "networkCode",
     "status", "failureReason"]), FIELD_TEXT, max_size=8))  # fmt: skip
def test_no_fuzzed_callback_gets_a_5xx(client: FlaskClient, hook: str, fields: dict[str, str]) -> None:
    base = {"sms": sms_form(), "ussd": USSD, "delivery": DELIVERY}[hook]
    response = client.post(f"/webhooks/{hook}", query_string={"secret": SECRET}, data={**base, **fields})
    assert response.status_code < 500, response.get_data(as_text=True)
