"""From an SMS in to the reply out, through the webhook, Redis and a burst worker."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.inbound import process_inbound
from gateway.jobs.kinds import Outcome
from gateway.jobs.runner import execute
from gateway.logs import configure_logging
from gateway.models import Contact, InboundMessage, Incident, OutboundMessage, OutboxJob, Report
from gateway.runtime import Runtime
from tests.conftest import exchange, run_worker, sent_sms


def test_a_report_becomes_an_incident_and_the_sender_gets_its_reference(client: FlaskClient, rt: Runtime) -> None:
    reply = exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
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
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    with rt.db.session() as session:
        inbound_id = session.scalars(select(InboundMessage.id)).one()
        job = session.scalars(select(OutboxJob).where(OutboxJob.kind == "process_inbound")).one()
        job.status = "pending"  # a relay that fired twice
    execute(rt, job.id)
    assert process_inbound(rt, [inbound_id]) == [Outcome()]
    run_worker(rt)
    with rt.db.session() as session:
        assert len(session.scalars(select(Incident)).all()) == 1
        assert len(session.scalars(select(OutboundMessage)).all()) == 1
    assert len(sent_sms(rt)) == 1


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("halo apa kabar", "Pesan tidak terbaca. Kirim: LAPOR <bencana> <desa>"),
        ("", "Pesan tidak terbaca."),
        ("LAPOR BANJIR", "Nama desa belum ada. Kirim ulang: LAPOR BANJIR <desa>"),
        ("lapor banjir kec cepiring 20 kk", "Desa di Kec. CEPIRING belum ada. Kirim: LAPOR BANJIR <desa> CEPIRING"),
        ("LAPOR BANJIR DESA ANTAHBERANTAH 5 KK", 'Desa "'),
        ("LAPOR BANJIR REJOSARI 5 KK", "REJOSARI ada di kec. Brangsong, Kangkung, Ngampel. Kirim: LAPOR BANJIR"),
        ("INFO", "Lapor bencana: LAPOR <bencana>"),
    ],
)
def test_unreadable_or_incomplete_texts_get_a_reply_showing_what_to_send(
    client: FlaskClient, rt: Runtime, text: str, starts: str
) -> None:
    reply = exchange(client, rt, text)
    assert reply.startswith(starts), reply
    with rt.db.session() as session:
        assert session.scalars(select(Incident)).all() == []


def test_every_reply_is_one_gsm7_segment(client: FlaskClient, rt: Runtime) -> None:
    texts = ["LAPOR BANJIR SUKODONO 25 KK", "x", "LAPOR LONGSOR", "LAPOR BANJIR REJOSARI", "HELP", "STOP",
             "MULAI", "BAHASA EN", "OK 1001"]  # fmt: skip
    for text in texts:
        exchange(client, rt, text)
    assert len(sent_sms(rt)) == len(texts)
    assert {(line["encoding"], line["segments"]) for line in sent_sms(rt)} == {("GSM-7", 1)}


def test_english_senders_get_english_and_the_choice_is_remembered(client: FlaskClient, rt: Runtime) -> None:
    assert exchange(client, rt, "LANGUAGE EN") == "Language set to English. Send HELP for help."
    reply = exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    assert reply.startswith("Your flood report for Sukodono, Kec. Kendal is received. Report no: 1001.")
    with rt.db.session() as session:
        assert session.scalars(select(Contact.language)).one() == "en"


def test_stop_and_start_are_remembered(client: FlaskClient, rt: Runtime) -> None:
    assert exchange(client, rt, "STOP").startswith("Anda tidak akan menerima SMS info lagi.")
    with rt.db.session() as session:
        assert session.scalars(select(Contact)).one().opted_out_at is not None
    assert exchange(client, rt, "MULAI").startswith("Anda akan menerima SMS info lagi.")
    with rt.db.session() as session:
        assert session.scalars(select(Contact)).one().opted_out_at is None


def test_logs_never_show_the_phone_number(client: FlaskClient, rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    configure_logging()  # as every entry point does; it masks the handlers present, here pytest's capture
    logging.getLogger("gateway.test").warning("reply to %s failed for NIK %s", "+6281234567890", "3324150101900001")
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    assert "+6281234567890" not in caplog.text and "081234567890" not in caplog.text
    assert "3324150101900001" not in caplog.text
