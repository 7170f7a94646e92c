"""From an SMS in to the reply out, through the webhook, Redis and a burst worker."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.logs import configure_logging
from gateway.models import Contact, InboundMessage, Incident, OutboundMessage, OutboxJob, Report
from gateway.runtime import Runtime
from tests.conftest import post_sms, run_worker
from workers.inbound import process_inbound
from workers.tasks import execute


def sent(rt: Runtime) -> list[dict[str, Any]]:
    path = rt.settings.sms_file_path
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def text_in(client: FlaskClient, rt: Runtime, text: str, sender: str = "081234567890", n: int = 1) -> str:
    """Send ``text``, run the workers, return the one reply's text."""
    assert post_sms(client, text=text, id=f"ATXid_{n}", **{"from": sender}).status_code == 200
    run_worker(rt)  # process the message; it queues the reply
    run_worker(rt)  # send the reply
    replies = [line for line in sent(rt) if line["to"] == "+62" + sender[1:]]
    assert replies, "no reply was sent"
    return str(replies[-1]["text"])


def test_a_report_becomes_an_incident_and_the_sender_gets_its_reference(client: FlaskClient, rt: Runtime) -> None:
    reply = text_in(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    with rt.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        report = session.scalars(select(Report)).one()
        inbound = session.scalars(select(InboundMessage)).one()
    assert (incident.hazard, incident.village_code, incident.district_code) == ("flood", "33.24.15.1002", "33.24.15")
    assert (incident.households, incident.status, incident.ref) == (25, "reported", "1001")
    assert (report.incident_id, report.inbound_id) == (incident.id, inbound.id)
    assert (inbound.intent, inbound.processed_at is not None) == ("report", True)
    assert reply == "Laporan banjir di Sukodono, Kec. Kendal diterima. No. laporan: 1001. Petugas akan menindaklanjuti."


def test_running_the_job_twice_creates_and_sends_nothing_twice(client: FlaskClient, rt: Runtime) -> None:
    text_in(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    with rt.db.session() as session:
        inbound_id = session.scalars(select(InboundMessage.id)).one()
        job = session.scalars(select(OutboxJob).where(OutboxJob.kind == "process_inbound")).one()
        job.status = "pending"  # a relay that fired twice
    execute(rt, job.id)
    assert process_inbound(rt, inbound_id).follow_up == ()
    run_worker(rt)
    with rt.db.session() as session:
        assert len(session.scalars(select(Incident)).all()) == 1
        assert len(session.scalars(select(OutboundMessage)).all()) == 1
    assert len(sent(rt)) == 1


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("halo apa kabar", "Pesan tidak terbaca. Kirim: LAPOR <bencana> <desa>"),
        ("", "Pesan tidak terbaca."),
        ("LAPOR BANJIR", "Nama desa belum ada. Kirim ulang: LAPOR BANJIR <desa>"),
        ("LAPOR BANJIR DESA ANTAHBERANTAH 5 KK", 'Desa "'),
        ("LAPOR BANJIR REJOSARI 5 KK", "Desa REJOSARI ada di kec."),
        ("INFO", "Lapor bencana: LAPOR <bencana>"),
    ],
)
def test_unreadable_or_incomplete_texts_get_a_reply_showing_what_to_send(
    client: FlaskClient, rt: Runtime, text: str, starts: str
) -> None:
    reply = text_in(client, rt, text)
    assert reply.startswith(starts), reply
    with rt.db.session() as session:
        assert session.scalars(select(Incident)).all() == []


def test_every_reply_is_one_gsm7_segment(client: FlaskClient, rt: Runtime) -> None:
    texts = ["LAPOR BANJIR SUKODONO 25 KK", "x", "LAPOR LONGSOR", "LAPOR BANJIR REJOSARI", "HELP", "STOP",
             "MULAI", "BAHASA EN", "OK 1001"]  # fmt: skip
    for n, text in enumerate(texts):
        text_in(client, rt, text, n=n)
    assert len(sent(rt)) == len(texts)
    assert {(line["encoding"], line["segments"]) for line in sent(rt)} == {("GSM-7", 1)}


def test_english_senders_get_english_and_the_choice_is_remembered(client: FlaskClient, rt: Runtime) -> None:
    assert text_in(client, rt, "LANGUAGE EN", n=1) == "Language set to English. Send HELP for help."
    reply = text_in(client, rt, "LAPOR BANJIR SUKODONO 25 KK", n=2)
    assert reply.startswith("Your flood report for Sukodono, Kec. Kendal is received. Report no: 1001.")
    with rt.db.session() as session:
        assert session.scalars(select(Contact.language)).one() == "en"


def test_stop_and_start_are_remembered(client: FlaskClient, rt: Runtime) -> None:
    assert text_in(client, rt, "STOP", n=1).startswith("Anda tidak akan menerima SMS info lagi.")
    with rt.db.session() as session:
        assert session.scalars(select(Contact)).one().opted_out_at is not None
    assert text_in(client, rt, "MULAI", n=2).startswith("Anda akan menerima SMS info lagi.")
    with rt.db.session() as session:
        assert session.scalars(select(Contact)).one().opted_out_at is None


def test_logs_never_show_the_phone_number(client: FlaskClient, rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    configure_logging()  # as every entry point does; it masks the handlers present, here pytest's capture
    logging.getLogger("gateway.test").warning("reply to %s failed for NIK %s", "+6281234567890", "3324150101900001")
    text_in(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    assert "+6281234567890" not in caplog.text and "081234567890" not in caplog.text
    assert "3324150101900001" not in caplog.text
