"""Escalations reach each recipient as one digest per run of the clock; officers who join late are alerted once."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.cli import cli
from gateway.db import utcnow
from gateway.incidents.alerts import DIGEST_SEGMENTS, Escalated, digest_values, queue_digests
from gateway.jobs.clock import clock
from gateway.jobs.relay import Relay
from gateway.models import Dispatch, Incident, IncidentEvent, Officer, OutboundMessage
from gateway.runtime import Runtime
from gateway.sms.templates import render
from tests.conftest import exchange, load_roster, relay_tick, run_worker, sms_to

# Officers for every agency, no supervisor: every escalation goes straight to the Pusdalops desk.
ROSTER = """name,phone,agency,role,districts
Budi (BPBD Kendal),081100000001,BPBD,officer,33.24.15
Wati (Dinsos),081100000003,DINSOS,officer,
Tono (Tagana),081100000004,TAGANA,officer,
Rina (Baznas),081100000007,BAZNAS,officer,
Pia (PMI),081100000008,PMI,officer,
Pusdalops desk,081100000006,PUSDALOPS,officer,
"""
BUDI, SARI, WATI, TONO, DESK = "+6281100000001", "+6281100000002", "+6281100000003", "+6281100000004", "+6281100000006"
# Four reports in ninety seconds, one of them an earthquake that four agencies answer.
REPORTS = ["LAPOR BANJIR SUKODONO 25 KK", "LAPOR GEMPA BANDENGAN 3 RUMAH", "LAPOR LONGSOR JETIS 2 RUMAH",
           "LAPOR KEBAKARAN TROMPO 1 RUMAH"]  # fmt: skip


def import_roster(rt: Runtime, roster: str = ROSTER) -> None:
    load_roster(rt, roster)


def run_clock(rt: Runtime, at: datetime) -> None:
    """One run of the relay's clock at ``at`` (escalations, reminders, doubt), then send what it queued."""
    with time_machine.travel(at, tick=False):
        for step in clock(Relay(rt, runs_jobs=True)):
            step()
        run_worker(rt)


def report_four(client: FlaskClient, rt: Runtime, start: datetime) -> None:
    for n, text in enumerate(REPORTS):
        with time_machine.travel(start + timedelta(seconds=30 * n), tick=False):
            exchange(client, rt, text)


def escalations(rt: Runtime) -> list[str]:
    with rt.db.session() as session:
        return list(session.scalars(select(IncidentEvent.detail).where(IncidentEvent.action == "escalated")))


def test_the_desk_gets_one_sms_per_run_not_one_per_dispatch(client: FlaskClient, rt: Runtime) -> None:
    import_roster(rt)
    start = utcnow()
    report_four(client, rt, start)
    for seconds in range(14 * 60, 17 * 60, 15):  # the relay's clock, every 15 seconds
        run_clock(rt, start + timedelta(seconds=seconds))
    assert sms_to(rt, DESK) == [  # once 13 SMS, 4 of them for the earthquake: now one per run with news
        "ESKALASI: 1 laporan belum ditanggapi: 1001 banjir Sukodono: BPBD+DINSOS+TAGANA. Balas OK 1001 bila ditangani.",
        "ESKALASI: 1 laporan belum ditanggapi: 1002 gempa bumi Bandengan: BAZNAS+BPBD+DINSOS+PMI. Balas OK 1002 bila "
        "ditangani.",
        "ESKALASI: 1 laporan belum ditanggapi: 1003 tanah longsor Jetis: BAZNAS+BPBD+DINSOS. Balas OK 1003 bila "
        "ditangani.",
        "ESKALASI: 1 laporan belum ditanggapi: 1004 kebakaran Trompo: BAZNAS+BPBD+DINSOS. Balas OK 1004 bila "
        "ditangani.",
    ]
    assert len(escalations(rt)) == 13  # the audit trail still says, per dispatch, who was told
    assert "DINSOS level 1 (supervisors) to PUSDALOPS officer #6" in escalations(rt)


def test_a_clock_that_ran_late_sends_one_digest_of_everything_due(client: FlaskClient, rt: Runtime) -> None:
    import_roster(rt)
    start = utcnow()
    report_four(client, rt, start)
    run_clock(rt, start + timedelta(minutes=20))
    assert sms_to(rt, DESK) == [
        "ESKALASI: 4 laporan belum ditanggapi: 1001 banjir Sukodono: BPBD+DINSOS+TAGANA; 1002 gempa bumi Bandengan: "
        "BAZNAS+BPBD+DINSOS+PMI; 1003 tanah longsor Jetis: BAZNAS+BPBD+DINSOS; 1004 kebakaran Trompo: "
        "BAZNAS+BPBD+DINSOS. Balas OK <no> bila ditangani."
    ]
    with rt.db.session() as session:
        [digest] = session.scalars(select(OutboundMessage).where(OutboundMessage.phone == DESK)).all()
        assert (digest.template, digest.segments, digest.encoding) == ("escalation", 2, "GSM-7")
        assert {d.escalation_level for d in session.scalars(select(Dispatch))} == {1}  # levels move as before
    exchange(client, rt, "LANGUAGE EN", sender="081100000006")
    run_clock(rt, start + timedelta(minutes=35))  # the second level: the desk is reminded, in its language
    assert sms_to(rt, DESK)[-1].startswith("ESCALATION: no answer yet on 4 report(s): 1001 flood Sukodono: BPBD+")
    assert sms_to(rt, DESK)[-1].endswith("Reply OK <no> when on it.")


def test_running_the_clock_and_the_relay_twice_sends_nothing_twice(client: FlaskClient, rt: Runtime) -> None:
    import_roster(rt)
    start = utcnow()
    report_four(client, rt, start)
    for _ in range(2):
        run_clock(rt, start + timedelta(minutes=17))
        relay_tick(rt)
        run_worker(rt)
    assert len(sms_to(rt, DESK)) == 1
    assert len(escalations(rt)) == 13


def test_a_digest_queued_again_with_the_same_escalations_is_not_queued_twice(client: FlaskClient, rt: Runtime) -> None:
    import_roster(rt)
    exchange(client, rt, REPORTS[1])
    with rt.db.session() as session:
        desk = session.scalars(select(Officer).where(Officer.phone == DESK)).one()
        incident = session.scalars(select(Incident)).one()
        items = [Escalated(desk, incident, d, 1) for d in session.scalars(select(Dispatch))]
        assert len(queue_digests(session, rt.settings, rt.region, items)) == 1
        assert queue_digests(session, rt.settings, rt.region, items) == []  # a repeated run: the same key
        assert len(queue_digests(session, rt.settings, rt.region, items[:2])) == 1  # other escalations: new digest


def test_a_list_too_long_for_two_segments_says_how_many_more(client: FlaskClient, rt: Runtime) -> None:
    import_roster(rt)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        places = ("SUKODONO", "BANDENGAN", "KALIBUNTU WETAN")
        for n, (place, hazard) in enumerate(itertools.product(places, ("BANJIR", "GEMPA", "LONGSOR", "KEBAKARAN"))):
            exchange(client, rt, f"LAPOR {hazard} {place} 12 KK", sender=f"08120000{n:04d}")  # other phones: no budget
    run_clock(rt, start + timedelta(minutes=16))
    [digest] = sms_to(rt, DESK)
    assert digest.startswith("ESKALASI: 12 laporan belum ditanggapi: 1001 banjir Sukodono: BPBD+DINSOS+TAGANA; ")
    *_, shown, more = digest.split("; ")
    assert more.startswith(f"+{12 - digest.count('; ')} lagi. Balas OK <no> bila ditangani.")
    assert shown.startswith("10")
    with rt.db.session() as session:
        assert session.scalars(select(OutboundMessage.segments).where(OutboundMessage.phone == DESK)).one() == 2


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_longest_digest_stays_in_two_gsm7_segments(rt: Runtime, language: str) -> None:
    villages = [name for d, _ in rt.region.districts() for _, name in rt.region.villages(d)]
    longest = max(villages, key=len)
    code = next(c for d, _ in rt.region.districts() for c, name in rt.region.villages(d) if name == longest)
    desk = Officer(id=1, phone=DESK, agency="PUSDALOPS", role="officer")
    items = []
    for n in range(30):
        incident = Incident(id=n, ref=str(100000 + n), hazard="wildfire", village_code=code)
        items += [Escalated(desk, incident, Dispatch(id=10 * n + k, agency=agency), 2)
                  for k, agency in enumerate(("BAZNAS", "BPBD", "DINSOS", "PMI", "RELAWAN", "TAGANA"))]  # fmt: skip
    values = digest_values(rt.region, items, language)
    sms = render("escalation", language, **values)
    assert (sms.encoding, sms.segments) == ("GSM-7", DIGEST_SEGMENTS)
    assert values["count"] == 30 and str(values["escalated"]).endswith(" lagi" if language == "id" else " more")


# ---- officers imported after the incident -------------------------------------------------------------------


def gateway(rt: Runtime, tmp_path: Path, *args: str) -> str:
    """Run the ``gateway`` command on the test's database, its SMS written where the test reads them."""
    env = {"DATABASE_URL": rt.settings.database_url, "REDIS_URL": "", "GATEWAY_VAR_DIR": str(tmp_path / "cli"),
           "SMS_FILE_PATH": str(rt.settings.sms_file_path), "WEBHOOK_SECRET": rt.settings.webhook_secret}  # fmt: skip
    result = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_officers_imported_after_a_report_are_alerted_about_it_once(
    client: FlaskClient, rt: Runtime, tmp_path: Path
) -> None:
    import_roster(rt, "name,phone,agency,role,districts\nPusdalops desk,081100000006,PUSDALOPS,officer,\n")
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")  # no agency's officer on the roster yet
    exchange(client, rt, "LAPOR LONGSOR BANDENGAN 2 RUMAH")
    exchange(client, rt, "SELESAI 1002", sender="081100000006")  # closed before the roster: never alerted
    roster = tmp_path / "officers.csv"
    roster.write_text(ROSTER)
    output = gateway(rt, tmp_path, "import", "officers", str(roster))
    assert "officers: 5 added, 0 updated, 1 unchanged" in output
    assert "alerts about open incidents sent to officers new to them: 3" in output
    assert sms_to(rt, BUDI) == [
        "[BPBD] BANJIR di Sukodono, Kec. Kendal. 25 KK. Tugas: evakuasi & data korban. Balas OK 1001 (ditangani), "
        "SELESAI 1001 (tuntas), TOLAK 1001 (palsu)."
    ]
    assert len(sms_to(rt, WATI)) == 1 and len(sms_to(rt, TONO)) == 1
    assert [text for text in sms_to(rt, DESK) if text.startswith("[")] == []  # the desk is not an agency
    exchange(client, rt, "OK 1001", sender="081100000003")  # Dinsos takes it on
    assert "officers: 0 added, 0 updated, 6 unchanged" in gateway(rt, tmp_path, "import", "officers", str(roster))
    assert len(sms_to(rt, BUDI)) == 1  # imported again: nobody is alerted twice
    # Sari of Weleri is added, then given Kendal too: only then is she newly covering the flood
    weleri = roster.read_text() + "Sari (BPBD Weleri),081100000002,BPBD,officer,33.24.12\n"
    roster.write_text(weleri)
    gateway(rt, tmp_path, "import", "officers", str(roster))
    assert sms_to(rt, SARI) == []
    roster.write_text(weleri.replace("officer,33.24.12", "officer,33.24.12 33.24.15"))
    gateway(rt, tmp_path, "import", "officers", str(roster))
    assert len(sms_to(rt, SARI)) == 1 and sms_to(rt, SARI)[0].startswith("[BPBD] BANJIR di Sukodono")
    with rt.db.session() as session:
        late = session.scalars(select(IncidentEvent.detail).where(IncidentEvent.action == "alerted_late")).all()
    assert sorted(late) == ["BPBD to BPBD officer #2, on the roster after the dispatch",
                            "BPBD to BPBD officer #7, on the roster after the dispatch",
                            "DINSOS to DINSOS officer #3, on the roster after the dispatch",
                            "TAGANA to TAGANA officer #4, on the roster after the dispatch"]  # fmt: skip


def test_an_acknowledged_dispatch_is_not_sent_to_officers_who_join_later(
    client: FlaskClient, rt: Runtime, tmp_path: Path
) -> None:
    import_roster(rt, "name,phone,agency,role,districts\nWati (Dinsos),081100000003,DINSOS,officer,\n")
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    exchange(client, rt, "OK 1001", sender="081100000003")
    roster = tmp_path / "officers.csv"
    roster.write_text(ROSTER + "Dina (Dinsos),081100000009,DINSOS,officer,\n")
    gateway(rt, tmp_path, "import", "officers", str(roster))
    assert sms_to(rt, "+6281100000009") == []  # Dinsos answered already
    assert len(sms_to(rt, BUDI)) == 1 and len(sms_to(rt, TONO)) == 1  # BPBD and Tagana still wait
