"""One-door aid: registry import, affected households, allocation without double aid, pickup SMS, redemption."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.aid.codes import format_code
from gateway.aid.households import store_registry
from gateway.aid.ledger import add_affected, allocate
from gateway.aid.registry import read_registry
from gateway.aid.report import report_rows
from gateway.db import Database, utcnow
from gateway.jobs.clock import run_aid_clock
from gateway.jobs.relay import Relay
from gateway.models import AffectedHousehold, Allocation, AllocationRefusal, Contact, Household, Incident, Person
from gateway.runtime import Runtime
from tests.conftest import exchange, load_roster, run_worker, sent_sms, sms_to

HEADER = "no_kk,nik,nama,hubungan,tanggal_lahir,jenis_kelamin,kode_desa,alamat,rt,rw,telepon,status\n"
REGISTRY = (
    HEADER
    + """3324150101150001,3324150101800001,Budi Santoso,KEPALA KELUARGA,1980-01-01,L,33.24.15.1002,Jl. Mawar 1,001,002,081311110001,HIDUP
3324150101150001,3324154101850002,Siti Aminah,ISTRI,1985-01-01,P,33.24.15.1002,Jl. Mawar 1,001,002,,HIDUP
3324150101150002,3324150202700003,Joko Susilo,KEPALA KELUARGA,1970-02-02,L,33.24.15.1002,Jl. Melati 2,002,002,081311110002,MENINGGAL
3324150101150003,3324154303800004,Ani Lestari,KEPALA KELUARGA,1980-03-03,P,33.24.15.1002,Jl. Kenanga 3,003,002,081311110003,HIDUP
3324150101150004,3324150404600005,Dedi Kurnia,KEPALA KELUARGA,1960-04-04,L,33.24.15.1002,Jl. Anggrek 4,004,002,,PINDAH
3324150101150004,3324154505650006,Wati Kurnia,ISTRI,1965-05-05,P,33.24.15.1002,Jl. Anggrek 4,004,002,,PINDAH
3324150101150005,12345,Salah NIK,KEPALA KELUARGA,1990-01-01,L,33.24.15.1002,Jl. X,001,001,,HIDUP
3324150101150006,3324150606900007,Desa Salah,KEPALA KELUARGA,1990-06-06,L,33.24.99.9999,Jl. Y,001,001,,HIDUP
"""
)
BUDI_KK, JOKO_KK, ANI_KK, DEDI_KK = (f"332415010115000{n}" for n in range(1, 5))
BUDI_PHONE, ANI_PHONE = "+6281311110001", "+6281311110003"
ROSTER = """name,phone,agency,role,districts
Wati (Dinsos),081100000003,DINSOS,officer,
Budi (BPBD),081100000001,BPBD,officer,
"""


def load_registry(db: Database, text: str = REGISTRY) -> list[str]:
    read = read_registry(text.splitlines(keepends=True), "33.24")
    with db.session() as session:
        return store_registry(session, read.people).lines()


@pytest.fixture
def world(client: FlaskClient, rt: Runtime) -> str:
    """A registry, two officers and one reported flood at Sukodono; returns its reference."""
    load_registry(rt.db)
    load_roster(rt, ROSTER)
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    with rt.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        add_affected(session, incident, [BUDI_KK, "3324150202700003", ANI_KK, DEDI_KK], source="csv")
    return "1001"


def run_allocation(rt: Runtime, program: str, override: str | None = None) -> dict[str, int]:
    with rt.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        result = allocate(session, rt.settings, incident, rt.programs[program], "Balai Desa Sukodono", utcnow(),
                          override)  # fmt: skip
    Relay(rt, runs_jobs=True).hand_off(result.jobs)
    run_worker(rt)
    return {"allocated": result.allocated, "notified": result.notified, **result.refused}


def code_for(rt: Runtime, kk: str, program: str) -> str:
    with rt.db.session() as session:
        return session.scalars(
            select(Allocation.code).join(Household, Household.id == Allocation.household_id)
            .where(Household.kk == kk, Allocation.program == program)
        ).one()  # fmt: skip


def test_the_registry_import_keeps_bad_rows_out_and_names_their_lines(db: Database) -> None:
    read = read_registry(REGISTRY.splitlines(keepends=True), "33.24")
    assert [e.line for e in read.errors] == [8, 9]
    assert len(read.people) == 6
    assert load_registry(db)[:2] == ["households: 4 added, 0 updated", "people: 6 added, 0 updated, 0 unchanged"]
    with db.session() as session:
        eligible = dict(session.execute(select(Household.kk, Household.eligible)).all())
        assert eligible == {BUDI_KK: True, JOKO_KK: False, ANI_KK: True, DEDI_KK: False}
        assert session.scalars(select(Household.phone).where(Household.kk == BUDI_KK)).one() == BUDI_PHONE


def test_a_newer_extract_updates_people_and_reports_what_changed(db: Database) -> None:
    load_registry(db)
    newer = REGISTRY.replace("Ani Lestari,KEPALA KELUARGA,1980-03-03,P,33.24.15.1002,Jl. Kenanga 3,003,002,"
                             "081311110003,HIDUP", "Ani Lestari,KEPALA KELUARGA,1980-03-03,P,33.24.15.1002,"
                             "Jl. Kenanga 3,003,002,081311110003,MENINGGAL")  # fmt: skip
    lines = load_registry(db, newer)
    assert "people: 0 added, 1 updated, 5 unchanged" in lines
    assert "status changes: 1 died" in lines
    assert "households no longer eligible for aid: 1" in lines
    with db.session() as session:
        assert session.scalars(select(Person.status).where(Person.nik == "3324154303800004")).one() == "deceased"


def test_allocation_gives_eligible_households_a_pickup_sms_and_refuses_the_rest(
    client: FlaskClient, rt: Runtime, world: str
) -> None:
    outcome = run_allocation(rt, "SEMBAKO")
    assert outcome == {"allocated": 2, "notified": 2, "not_eligible": 2}
    [notice] = sms_to(rt, BUDI_PHONE)
    code = code_for(rt, BUDI_KK, "SEMBAKO")
    assert notice.startswith("Bantuan DINSOS: 1 paket sembako. Ambil di Balai Desa Sukodono, ")
    assert "Ambil di Balai Desa Sukodono" in notice and f"{code[:3]}-{code[3:]}" in notice
    line = next(line for line in sent_sms(rt) if line["to"] == BUDI_PHONE)
    assert (line["segments"], line["encoding"]) == (1, "GSM-7")
    assert "http" not in notice and "NIK" not in notice


def test_a_second_agency_cannot_give_the_same_category_to_the_same_household(
    client: FlaskClient, rt: Runtime, world: str
) -> None:
    run_allocation(rt, "SEMBAKO")  # Dinsos food
    second = run_allocation(rt, "LOGISTIK")  # BPBD food: the one-door rule refuses it
    assert second == {"allocated": 0, "notified": 0, "already_allocated": 2, "not_eligible": 2}
    with rt.db.session() as session:
        refusal = session.scalars(
            select(AllocationRefusal).where(AllocationRefusal.reason == "already_allocated")
        ).first()
    assert refusal is not None and refusal.detail == "food already given by DINSOS SEMBAKO"
    assert run_allocation(rt, "TERPAL")["allocated"] == 2  # another category is another matter


def test_a_household_not_in_the_registry_needs_an_override(client: FlaskClient, rt: Runtime, world: str) -> None:
    with rt.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        add_affected(session, incident, ["3324159999990001"], source="csv")
    assert run_allocation(rt, "SEMBAKO")["not_in_registry"] == 1
    assert run_allocation(rt, "TERPAL", override="checked by the kepala desa")["allocated"] == 3


def test_an_officer_redeems_a_code_once_by_sms(client: FlaskClient, rt: Runtime, world: str) -> None:
    run_allocation(rt, "SEMBAKO")
    code = code_for(rt, BUDI_KK, "SEMBAKO")
    shown = f"{code[:3]}-{code[3:]}"
    assert exchange(client, rt, f"AMBIL {shown}", sender="081100000003").startswith(f"Kode {shown} SAH: 1 paket")
    assert exchange(client, rt, f"ambil {code.lower()}", sender="081100000003").startswith(
        f"Kode {shown} SUDAH DIAMBIL"
    )
    with rt.db.session() as session:
        allocation = session.scalars(select(Allocation).where(Allocation.code == code)).one()
    assert allocation.status == "collected" and allocation.collected_by is not None


def test_redemption_refuses_typos_unknown_codes_other_agencies_and_strangers(
    client: FlaskClient, rt: Runtime, world: str
) -> None:
    run_allocation(rt, "SEMBAKO")
    code = code_for(rt, BUDI_KK, "SEMBAKO")
    typo = code[:2] + next(c for c in "ACEFHKMNPRTWXY" if c != code[2]) + code[3:]
    assert "salah ketik" in exchange(client, rt, f"AMBIL {typo}", sender="081100000003")
    assert "Jangan serahkan dulu" in exchange(client, rt, f"AMBIL {code[:-1]}", sender="081100000003")
    assert "untuk bantuan DINSOS, bukan BPBD" in exchange(client, rt, f"AMBIL {code}", sender="081100000001")
    assert exchange(client, rt, f"AMBIL {code}", sender="081299999999").startswith("Maaf, perintah ini hanya untuk")
    with rt.db.session() as session:
        assert session.scalars(select(Allocation.status).where(Allocation.code == code)).one() == "notified"


def test_an_expired_code_is_refused_after_a_reminder(client: FlaskClient, rt: Runtime, world: str) -> None:
    run_allocation(rt, "SEMBAKO")  # a three-day window
    code = code_for(rt, BUDI_KK, "SEMBAKO")
    with time_machine.travel(utcnow() + timedelta(days=2, hours=1), tick=False):
        assert run_aid_clock(Relay(rt, runs_jobs=True)) == 2
        run_worker(rt)
        assert run_aid_clock(Relay(rt, runs_jobs=True)) == 0  # reminded once
    assert sms_to(rt, BUDI_PHONE)[-1].startswith("Pengingat: 1 paket sembako dari DINSOS belum diambil.")
    with time_machine.travel(utcnow() + timedelta(days=3, minutes=1), tick=False):
        run_aid_clock(Relay(rt, runs_jobs=True))
        assert "kedaluwarsa" in exchange(client, rt, f"AMBIL {code}", sender="081100000003")
    with rt.db.session() as session:
        assert session.scalars(select(Allocation.status).where(Allocation.code == code)).one() == "expired"


def test_residents_check_their_pickups_and_register_their_phone(client: FlaskClient, rt: Runtime, world: str) -> None:
    assert (
        exchange(client, rt, "CEK", sender="081311110001") == "Tidak ada bantuan yang menunggu diambil untuk nomor ini."
    )
    run_allocation(rt, "SEMBAKO")
    assert exchange(client, rt, "CEK", sender="081311110001").startswith("Bantuan menunggu: 1) sembako di Balai")
    stranger = "081377770000"
    unknown = exchange(client, rt, f"DAFTAR 3324151212900009 {BUDI_KK}", sender=stranger)
    assert unknown.startswith("Data tidak ditemukan di DTKS")
    assert exchange(client, rt, "DAFTAR 12345", sender=stranger).startswith("Format pendaftaran: DAFTAR")
    reply = exchange(client, rt, f"DAFTAR 3324154101850002 {BUDI_KK}", sender=stranger)  # Siti, Budi's wife
    assert reply.startswith("Nomor ini ditautkan ke KK 3324********0001 di Sukodono.")
    assert exchange(client, rt, "CEK", sender=stranger).startswith(
        "Bantuan menunggu: 1)"
    )  # codes: tests/test_household_links.py


def test_an_english_speaking_residents_check_is_all_english_with_codes_as_printed(
    client: FlaskClient, rt: Runtime, world: str
) -> None:
    exchange(client, rt, "LANGUAGE EN", sender="081311110001")
    run_allocation(rt, "SEMBAKO")
    run_allocation(rt, "TERPAL")
    shown = [format_code(code_for(rt, BUDI_KK, program)) for program in ("SEMBAKO", "TERPAL")]
    reply = exchange(client, rt, "CEK", sender="081311110001")
    assert reply.startswith("Aid waiting: 1) ")
    assert " at Balai Desa Sukodono by " in reply and f", code {shown[0]}" in reply
    for bahasa in (" di ", " s.d. ", "kode", "lagi"):
        assert bahasa not in reply
    assert all(any(code in sms for sms in sms_to(rt, BUDI_PHONE)) for code in shown)  # as the pickup SMS shows them
    assert len(reply) <= 160


def test_a_registered_resident_who_reports_is_listed_as_affected(client: FlaskClient, rt: Runtime, world: str) -> None:
    exchange(client, rt, f"DAFTAR 3324154101850002 {BUDI_KK}", sender="081377770000")  # Siti links her phone
    with rt.db.session() as session:
        code = session.scalars(select(Contact.link_code).where(Contact.phone == "+6281377770000")).one()
    exchange(client, rt, f"YA {code}", sender="081311110001")  # Budi's registered phone vouches for it
    exchange(client, rt, "LAPOR LONGSOR SUKODONO 2 RUMAH", sender="081377770000")
    with rt.db.session() as session:
        landslide = session.scalars(select(Incident).where(Incident.hazard == "landslide")).one()
        affected = session.scalars(select(AffectedHousehold).where(AffectedHousehold.incident_id == landslide.id)).all()
    assert [(a.kk, a.source) for a in affected] == [(BUDI_KK, "registration")]


def test_an_officer_lists_victims_by_sms(client: FlaskClient, rt: Runtime, world: str) -> None:
    reply = exchange(client, rt, "KORBAN 1001 3324150101150001 3324154303800004 3324151508190001",
                     sender="081100000001")  # fmt: skip
    assert reply == ("Laporan 1001: 1 KK dicatat sebagai korban, 2 sudah tercatat, 1 tidak ada di data registri.")


def test_the_report_shows_allocated_collected_and_prevented(client: FlaskClient, rt: Runtime, world: str) -> None:
    run_allocation(rt, "SEMBAKO")
    run_allocation(rt, "LOGISTIK")
    code = code_for(rt, BUDI_KK, "SEMBAKO")
    exchange(client, rt, f"AMBIL {code}", sender="081100000003")
    with rt.db.session() as session:
        rows = {r["agency"]: r for r in report_rows(session, session.scalars(select(Incident)).one())}
    assert (rows["DINSOS"]["allocated"], rows["DINSOS"]["notified"], rows["DINSOS"]["collected"]) == (2, 2, 1)
    assert rows["DINSOS"]["not_eligible"] == 2
    assert rows["BPBD"]["double_prevented"] == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_agencies_allocating_at_once_on_postgresql_exactly_one_wins(
    client: FlaskClient, rt: Runtime, world: str
) -> None:
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def agency(program: str) -> None:
        with rt.db.session() as session:
            incident = session.scalars(select(Incident)).one()
            barrier.wait(timeout=10)
            results[program] = allocate(session, rt.settings, incident, rt.programs[program], "Posko",
                                        utcnow()).allocated  # fmt: skip

    threads = [threading.Thread(target=agency, args=(p,)) for p in ("SEMBAKO", "LOGISTIK")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == [0, 2]
    with rt.db.session() as session:
        food = session.scalars(select(Allocation).where(Allocation.category == "food")).all()
    assert len(food) == 2 and len({a.household_id for a in food}) == 2
