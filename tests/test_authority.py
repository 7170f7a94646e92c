"""Who may do what by SMS: each agency acts on its own dispatch, the coordinator desk on what was escalated to it,
and a report is marked false only by the desk or a supervisor of an assigned agency."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.db import utcnow
from gateway.jobs.clock import run_escalations
from gateway.jobs.relay import Relay
from gateway.models import Dispatch, Incident
from gateway.runtime import Runtime
from tests.conftest import exchange, load_roster, run_worker

ROSTER = """name,phone,agency,role,districts
Budi (BPBD Kendal),081100000001,BPBD,officer,33.24.15
Wati (Dinsos),081100000003,DINSOS,officer,
Tono (Tagana),081100000004,TAGANA,officer,
Pusdalops desk,081100000006,PUSDALOPS,officer,
Relawan Weleri,081100000008,RELAWAN,officer,33.24.12
"""
PUSDALOPS, RELAWAN = "081100000006", "081100000008"


def roster(rt: Runtime) -> None:
    load_roster(rt, ROSTER)


def status(rt: Runtime) -> str:
    with rt.db.session() as session:
        return session.scalars(select(Incident.status)).one()


def acknowledged(rt: Runtime) -> dict[str, bool]:
    with rt.db.session() as session:
        return {d.agency: d.acknowledged_at is not None for d in session.scalars(select(Dispatch))}


def test_a_volunteer_elsewhere_cannot_mark_a_report_false(client: FlaskClient, rt: Runtime) -> None:
    roster(rt)
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    reply = exchange(client, rt, "TOLAK 1001", sender=RELAWAN)
    assert reply.startswith("Laporan 1001 hanya bisa ditandai TIDAK BENAR oleh Pusdalops atau supervisor lembaga")
    assert "(BPBD+DINSOS+TAGANA)" in reply  # who can
    assert status(rt) == "reported"
    assert exchange(client, rt, "SELESAI 1001", sender=RELAWAN).startswith("RELAWAN tidak ditugaskan")
    assert status(rt) == "reported"


def test_the_coordinator_takes_over_what_was_escalated_to_it(client: FlaskClient, rt: Runtime) -> None:
    roster(rt)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
        assert exchange(client, rt, "OK 1001", sender=PUSDALOPS).startswith(
            "Laporan 1001: belum ada lembaga yang dieskalasi ke Pusdalops. Lembaga ditugaskan: BPBD+DINSOS+TAGANA."
        )
        exchange(client, rt, "OK 1001", sender="081100000001")  # BPBD answers in time
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        run_escalations(Relay(rt, runs_jobs=True))  # DINSOS and TAGANA stayed silent: up to the desk
        run_worker(rt)
        reply = exchange(client, rt, "OK 1001", sender=PUSDALOPS)
    assert reply.startswith("PUSDALOPS (DINSOS+TAGANA) menangani laporan 1001")  # not "call Pusdalops"
    assert acknowledged(rt) == {"BPBD": True, "DINSOS": True, "TAGANA": True}


def test_the_coordinator_closes_an_incident_for_everyone(client: FlaskClient, rt: Runtime) -> None:
    roster(rt)
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    assert exchange(client, rt, "SELESAI 1001", sender=PUSDALOPS).startswith("Laporan 1001 (banjir di")
    assert status(rt) == "resolved"
