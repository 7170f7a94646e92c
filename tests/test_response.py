"""From report to response: routing to agencies, officer alerts, acknowledgement, escalation, the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.db import utcnow
from gateway.jobs.clock import run_escalations
from gateway.jobs.relay import Relay
from gateway.models import Dispatch, Incident, IncidentEvent, Report
from gateway.runtime import Runtime
from tests.conftest import exchange, load_roster, run_worker, sent_sms, sms_to

ROSTER = """name,phone,agency,role,districts
Budi (BPBD Kendal),081100000001,BPBD,officer,33.24.15
Sari (BPBD Weleri),081100000002,BPBD,officer,33.24.12
Wati (Dinsos),081100000003,DINSOS,officer,
Tono (Tagana),081100000004,TAGANA,officer,
Kepala BPBD,081100000005,BPBD,supervisor,
Pusdalops desk,081100000006,PUSDALOPS,officer,
Rina (Baznas),081100000007,BAZNAS,officer,
"""
BUDI, SARI, WATI, TONO, KEPALA, PUSDALOPS, RINA = (f"+628110000000{n}" for n in range(1, 8))
RESIDENT = "+6281234567890"


@pytest.fixture
def officers(rt: Runtime) -> None:
    load_roster(rt, ROSTER)


def incident(rt: Runtime) -> Incident:
    with rt.db.session() as session:
        return session.scalars(select(Incident)).one()


def dispatches(rt: Runtime) -> dict[str, Dispatch]:
    with rt.db.session() as session:
        return {d.agency: d for d in session.scalars(select(Dispatch))}


def events(rt: Runtime) -> list[str]:
    with rt.db.session() as session:
        return [f"{e.action}:{e.detail}" for e in session.scalars(select(IncidentEvent).order_by(IncidentEvent.id))]


def test_a_flood_report_alerts_the_officers_of_every_responsible_agency_covering_the_area(
    client: FlaskClient, rt: Runtime, officers: None
) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK butuh makanan selimut")
    assert set(dispatches(rt)) == {"BPBD", "DINSOS", "TAGANA"}
    [alert] = sms_to(rt, BUDI)
    assert alert == (
        "[BPBD] BANJIR di Sukodono, Kec. Kendal. 25 KK. Butuh: selimut, makanan. Tugas: evakuasi & data korban. "
        "Balas OK 1001 (ditangani), SELESAI 1001 (tuntas), TOLAK 1001 (palsu)."
    )
    assert sms_to(rt, SARI) == []  # BPBD's Weleri officer: not her kecamatan
    assert len(sms_to(rt, WATI)) == 1 and len(sms_to(rt, TONO)) == 1
    assert sms_to(rt, KEPALA) == [] and sms_to(rt, RINA) == []  # supervisors wait for escalation; Baznas not routed
    assert {line["segments"] for line in sent_sms(rt)} <= {1, 2}
    assert {line["encoding"] for line in sent_sms(rt)} == {"GSM-7"}


def test_a_house_fire_goes_to_bpbd_dinsos_and_baznas_at_once(client: FlaskClient, rt: Runtime, officers: None) -> None:
    exchange(client, rt, "LAPOR KEBAKARAN SUKODONO 1 RUMAH 4 JIWA")
    assert set(dispatches(rt)) == {"BPBD", "DINSOS", "BAZNAS"}
    assert sms_to(rt, RINA)[0].startswith("[BAZNAS] KEBAKARAN di Sukodono, Kec. Kendal. 4 jiwa, 1 rumah.")


def test_reports_of_one_hazard_in_one_desa_join_one_incident_and_merge(
    client: FlaskClient, rt: Runtime, officers: None
) -> None:
    first = exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK butuh makanan")
    second = exchange(client, rt, "banjir sukodono 60 kk 200 jiwa butuh selimut", sender="081200000009")
    assert "No. laporan: 1001" in first and "No. laporan: 1001" in second
    merged = incident(rt)
    assert (merged.households, merged.people, merged.needs) == (60, 200, "blankets food")
    with rt.db.session() as session:
        assert len(session.scalars(select(Report)).all()) == 2
    assert "DINSOS" in dispatches(rt)
    assert len(sms_to(rt, BUDI)) == 1  # the joined report alerted nobody twice
    assert [e.split(":")[0] for e in events(rt)].count("report_joined") == 1


def test_a_report_that_makes_the_incident_major_reaches_the_agencies_of_major_incidents(
    client: FlaskClient, rt: Runtime, officers: None
) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    assert dispatches(rt)["DINSOS"].task == "logistik & kebutuhan dasar"
    exchange(client, rt, "LAPOR BANJIR SUKODONO 80 KK")
    assert dispatches(rt)["DINSOS"].task == "logistik & kebutuhan dasar, dapur umum"
    _alert, update = sms_to(rt, WATI)
    assert "Tugas: logistik & kebutuhan dasar, dapur umum." in update and "80 KK" in update
    assert len(sms_to(rt, BUDI)) == 1  # BPBD's task did not change: no second alert


@pytest.mark.parametrize(
    ("second", "same"),
    [("LAPOR LONGSOR SUKODONO 3 KK", False), ("LAPOR BANJIR BANDENGAN 3 KK", False)],
)
def test_another_hazard_or_another_desa_opens_another_incident(
    client: FlaskClient, rt: Runtime, second: str, same: bool
) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    exchange(client, rt, second)
    with rt.db.session() as session:
        assert len(session.scalars(select(Incident)).all()) == (1 if same else 2)


def test_a_report_after_the_window_opens_a_new_incident(client: FlaskClient, rt: Runtime) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    with time_machine.travel(utcnow() + rt.rules.cluster_window + timedelta(minutes=1), tick=False):
        reply = exchange(client, rt, "LAPOR BANJIR SUKODONO 30 KK")
    assert "No. laporan: 1002" in reply


def test_an_officers_ok_reaches_the_reporter_and_stops_escalation(
    client: FlaskClient, rt: Runtime, officers: None
) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    reply = exchange(client, rt, "ok 1001", sender="081100000001")
    assert reply.startswith("BPBD menangani laporan 1001 (banjir di Sukodono, Kec. Kendal). Pelapor diberi tahu.")
    assert sms_to(rt, RESIDENT)[-1].startswith("Laporan 1001 (banjir di Sukodono, Kec. Kendal) sedang ditangani BPBD.")
    bpbd = dispatches(rt)["BPBD"]
    assert bpbd.acknowledged_at is not None and bpbd.next_escalation_at is None
    assert incident(rt).status == "acknowledged"
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        run_escalations(Relay(rt, runs_jobs=True))
        run_worker(rt)
    assert not any("BPBD belum" in text for text in sms_to(rt, KEPALA))  # BPBD answered: no escalation for it
    assert "acknowledged:BPBD" in events(rt)


def test_a_second_ok_changes_nothing_and_says_so(client: FlaskClient, rt: Runtime, officers: None) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    exchange(client, rt, "OK 1001", sender="081100000001")
    reporter_sms = len(sms_to(rt, RESIDENT))
    reply = exchange(client, rt, "SIAP 1001", sender="081100000001")
    assert reply.startswith("Laporan 1001 sudah dikonfirmasi BPBD sebelumnya.")
    assert len(sms_to(rt, RESIDENT)) == reporter_sms


@pytest.mark.parametrize(
    ("text", "sender", "starts"),
    [
        ("OK 1001", "081299999999", "Maaf, perintah ini hanya untuk petugas terdaftar."),
        ("terima kasih", "081100000001", "Pesan tidak terbaca."),
        ("OK 9999", "081100000001", "Laporan 9999 tidak ditemukan."),
        ("OK 1001", "081100000007", "BAZNAS tidak ditugaskan untuk laporan 1001 (ditugaskan: BPBD+DINSOS+TAGANA)."),
    ],
)
def test_only_registered_officers_of_an_assigned_agency_can_acknowledge(
    client: FlaskClient, rt: Runtime, officers: None, text: str, sender: str, starts: str
) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    assert exchange(client, rt, text, sender=sender).startswith(starts)
    assert all(d.acknowledged_at is None for d in dispatches(rt).values())
    assert incident(rt).status == "reported"


def test_selesai_is_each_agencys_and_tolak_is_for_supervisors_and_the_desk(
    client: FlaskClient, rt: Runtime, officers: None
) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")  # BPBD, DINSOS and TAGANA
    exchange(client, rt, "LAPOR LONGSOR SUKODONO 2 RUMAH")
    assert exchange(client, rt, "SELESAI 1001", sender="081100000003") == (
        "Tugas DINSOS untuk laporan 1001 tercatat selesai. Laporan ditutup bila semua lembaga selesai; "
        "belum selesai: BPBD+TAGANA."
    )
    assert incident_status(rt, "1001") == "reported"  # one agency done does not close it for the others
    exchange(client, rt, "SELESAI 1001", sender="081100000001")
    assert exchange(client, rt, "SELESAI 1001", sender="081100000004").startswith("Laporan 1001 (banjir di")
    assert incident_status(rt, "1001") == "resolved"
    assert sms_to(rt, RESIDENT)[-1].startswith("Laporan 1001 (banjir di Sukodono, Kec. Kendal) telah selesai")
    assert exchange(client, rt, "TOLAK 1002", sender="081100000001").startswith(
        "Laporan 1002 hanya bisa ditandai TIDAK BENAR oleh Pusdalops atau supervisor"
    )  # an officer, not a supervisor
    assert incident_status(rt, "1002") == "reported"
    assert exchange(client, rt, "TOLAK 1002", sender="081100000005").startswith("Laporan 1002 (tanah longsor di")
    assert incident_status(rt, "1002") == "rejected"
    assert exchange(client, rt, "OK 1002", sender="081100000001").startswith("Laporan 1002 sudah ditutup (rejected).")
    with rt.db.session() as session:
        assert all(d.next_escalation_at is None for d in session.scalars(select(Dispatch)))


def incident_status(rt: Runtime, ref: str) -> str:
    with rt.db.session() as session:
        return session.scalars(select(Incident.status).where(Incident.ref == ref)).one()


def test_silence_escalates_to_supervisors_then_the_coordinator_on_time(
    client: FlaskClient, rt: Runtime, officers: None
) -> None:
    start = utcnow()
    with time_machine.travel(start, tick=False):
        exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    # one digest per recipient per run: Dinsos and Tagana have no supervisor, so both go to the desk in one SMS
    for minutes, supervisor_sms, coordinator_sms in [(14, 0, 0), (15, 1, 1), (29, 1, 1), (30, 1, 2)]:
        with time_machine.travel(start + timedelta(minutes=minutes, seconds=1), tick=False):
            run_escalations(Relay(rt, runs_jobs=True))
            run_worker(rt)
        assert (len(sms_to(rt, KEPALA)), len(sms_to(rt, PUSDALOPS))) == (supervisor_sms, coordinator_sms), minutes
    assert sms_to(rt, KEPALA) == ["ESKALASI: 1 laporan belum ditanggapi: 1001 banjir Sukodono: BPBD. Balas OK 1001 "
                                  "bila ditangani."]  # fmt: skip
    assert sms_to(rt, PUSDALOPS)[1] == ("ESKALASI: 1 laporan belum ditanggapi: 1001 banjir Sukodono: "
                                        "BPBD+DINSOS+TAGANA. Balas OK 1001 bila ditangani.")  # fmt: skip
    levels = [e for e in events(rt) if e.startswith("escalated")]
    assert len(levels) == 6  # three agencies, two levels each
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        assert run_escalations(Relay(rt, runs_jobs=True)) == 0  # every level done


def test_an_ok_before_the_coordinator_level_stops_the_rest(client: FlaskClient, rt: Runtime, officers: None) -> None:
    start = utcnow()
    with time_machine.travel(start, tick=False):
        exchange(client, rt, "LAPOR KEBAKARAN SUKODONO 1 RUMAH")
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        run_escalations(Relay(rt, runs_jobs=True))
        run_worker(rt)
        exchange(client, rt, "OK 1001", sender="081100000005")  # the BPBD supervisor answers
    before = len(sms_to(rt, PUSDALOPS))
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        run_escalations(Relay(rt, runs_jobs=True))
        run_worker(rt)
    new = sms_to(rt, PUSDALOPS)[before:]
    assert new == ["ESKALASI: 1 laporan belum ditanggapi: 1001 kebakaran Sukodono: BAZNAS+DINSOS. Balas OK 1001 "
                   "bila ditangani."]  # Dinsos and Baznas still escalate; BPBD not  # fmt: skip
