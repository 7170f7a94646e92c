"""Abuse that costs money: a phone that pumps SMS gets at most its budget of replies, numbers abroad get none,
and nothing they sent is dropped."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.models import InboundMessage, Incident, OutboundMessage
from gateway.runtime import Runtime
from tests.conftest import SECRET, load_roster, post_sms, run_worker, sms_to

ROSTER = """name,phone,agency,role,districts
Budi (BPBD Kendal),081100000001,BPBD,officer,
Pusdalops desk,081100000006,PUSDALOPS,officer,
"""
PUMP = "+6281299990000"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"reply_budget_per_hour": 3}


@pytest.fixture
def roster(rt: Runtime) -> None:
    load_roster(rt, ROSTER)


def send(client: FlaskClient, texts: list[tuple[str, str]]) -> None:
    for n, (phone, text) in enumerate(texts):
        assert post_sms(client, id=f"ATXid_pump_{n}", text=text, **{"from": phone}).status_code == 200


def count(rt: Runtime, model: type, *where: Any) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_pumping_phone_gets_its_budget_of_replies_and_the_desk_is_told_once(
    client: FlaskClient, rt: Runtime, roster: None
) -> None:
    send(client, [(PUMP, "INFO")] * 7 + [(PUMP, "LAPOR BANJIR SUKODONO 5 KK")])
    run_worker(rt)
    run_worker(rt)
    assert len(sms_to(rt, PUMP)) == 3  # its budget
    assert count(rt, InboundMessage) == 8  # every message kept
    assert count(rt, Incident) == 1 and len(sms_to(rt, "+6281100000001")) == 1  # the report still counts
    [notice] = sms_to(rt, "+6281100000006")
    assert notice.startswith("PERINGATAN: HP +62********000 mengirim lebih dari 3 SMS dalam 1 jam.")
    assert count(rt, OutboundMessage, OutboundMessage.status == "withheld") == 5
    assert client.get("/healthz").get_json()["sms_withheld_24h"] == {"budget": 5}


def test_officers_are_not_budgeted(client: FlaskClient, rt: Runtime, roster: None) -> None:
    send(client, [("081100000001", "INFO")] * 5)
    run_worker(rt)
    run_worker(rt)
    assert len(sms_to(rt, "+6281100000001")) == 5


@pytest.mark.parametrize("phone", ["+12025550123", "+2348031234567", "+37369123456", "+8801712345678"])
def test_numbers_abroad_get_no_reply_and_are_still_kept(client: FlaskClient, rt: Runtime, phone: str) -> None:
    response = client.post("/webhooks/sms", query_string={"secret": SECRET},
                           data={"from": phone, "to": "98123", "text": "INFO", "id": f"ATXid_{phone}"})  # fmt: skip
    assert response.status_code == 200
    client.application.extensions["gateway_batcher"].wait_idle()
    run_worker(rt)
    run_worker(rt)
    assert sms_to(rt, phone) == []
    assert count(rt, InboundMessage) == 1
    assert client.get("/healthz").get_json()["sms_withheld_24h"] == {"country": 1}
