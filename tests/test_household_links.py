"""A stranger who knows a NIK gets no pickup code: DAFTAR needs the NIK and the KK, the household's own phone is
told at once and vouches or refuses, wrong guesses are throttled; USSD Daftar follows the same rules."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.models import Contact
from gateway.runtime import Runtime
from tests.conftest import exchange, run_worker, sms_to
from tests.test_aid import BUDI_KK, BUDI_PHONE, code_for, run_allocation
from tests.test_aid import world as world
from tests.ussd.conftest import dial

SITI_NIK = "3324154101850002"  # Budi's wife, in the registry without a phone
STRANGER = "081377770000"
STRANGER_E164 = "+6281377770000"


def link_code(rt: Runtime) -> str:
    with rt.db.session() as session:
        return session.scalars(select(Contact.link_code).where(Contact.phone == STRANGER_E164)).one() or ""


@pytest.mark.usefixtures("world")
def test_a_nik_alone_links_nothing_and_wrong_guesses_are_throttled(client: FlaskClient, rt: Runtime) -> None:
    assert exchange(client, rt, f"DAFTAR {SITI_NIK}", sender=STRANGER).startswith("Untuk mendaftar kirim: DAFTAR")
    for n in range(3):
        wrong_kk = f"33241515081901{n:02d}"  # well formed, not theirs
        assert exchange(client, rt, f"DAFTAR {SITI_NIK} {wrong_kk}", sender=STRANGER).startswith(
            "Data tidak ditemukan di DTKS"
        )
    assert exchange(client, rt, f"DAFTAR {SITI_NIK} {BUDI_KK}", sender=STRANGER).startswith(
        "Terlalu banyak percobaan DAFTAR yang salah"
    )  # even the right numbers, once it has guessed three times today
    with rt.db.session() as session:
        assert session.scalars(select(Contact.household_id).where(Contact.phone == STRANGER_E164)).one() is None


@pytest.mark.usefixtures("world")
def test_a_new_phone_sees_what_waits_but_not_the_codes_until_the_household_vouches(
    client: FlaskClient, rt: Runtime
) -> None:
    run_allocation(rt, "SEMBAKO")
    code = code_for(rt, BUDI_KK, "SEMBAKO")
    reply = exchange(client, rt, f"DAFTAR {SITI_NIK} {BUDI_KK}", sender=STRANGER)
    assert reply.startswith("Nomor ini ditautkan ke KK 3324********0001 di Sukodono. Kode ambil bantuan tetap")
    notice = sms_to(rt, BUDI_PHONE)[-1]  # the household's own phone is told at once
    assert notice.startswith("HP +62********000 minta ditautkan ke KK 3324********0001 untuk info bantuan.")
    assert f"YA {link_code(rt)}" in notice
    check = exchange(client, rt, "CEK", sender=STRANGER)
    assert check.startswith("Bantuan menunggu: 1) sembako di Balai Desa Sukodono")
    assert "***" in check and code[:3] not in check and "dikirim ke HP terdaftar keluarga" in check

    answer = exchange(client, rt, f"YA {link_code(rt)}", sender="081311110001")  # Budi vouches for Siti's phone
    assert answer.startswith("HP +62********000 kini terhubung ke KK 3324********0001")
    assert sms_to(rt, STRANGER_E164)[-1].startswith("HP terdaftar keluarga membenarkan")
    assert re.search(r"kode [A-Z0-9]{3}-[A-Z0-9]{4}", exchange(client, rt, "CEK", sender=STRANGER))


@pytest.mark.usefixtures("world")
def test_the_household_refuses_a_link_and_a_stranger_cannot_answer_for_it(client: FlaskClient, rt: Runtime) -> None:
    exchange(client, rt, f"DAFTAR {SITI_NIK} {BUDI_KK}", sender=STRANGER)
    code = link_code(rt)
    assert exchange(client, rt, f"YA {code}", sender=STRANGER).startswith(f"Kode {code} tidak dikenal")
    assert exchange(client, rt, f"BATAL {code}", sender="081311110001").startswith("Tautan HP +62********000")
    assert sms_to(rt, STRANGER_E164)[-1].startswith("HP terdaftar keluarga menolak")
    with rt.db.session() as session:
        assert session.scalars(select(Contact.household_id).where(Contact.phone == STRANGER_E164)).one() is None


@pytest.mark.usefixtures("world")
def test_the_registry_phone_itself_is_vouched_for_at_once(client: FlaskClient, rt: Runtime) -> None:
    reply = exchange(client, rt, f"DAFTAR 3324150101800001 {BUDI_KK}", sender="081311110001")
    assert reply.startswith("Nomor ini terhubung ke KK 3324********0001 di Sukodono.")


@pytest.mark.usefixtures("world")
def test_ussd_daftar_asks_for_the_kk_and_follows_the_same_rules(client: FlaskClient, rt: Runtime) -> None:
    screens = dial(client, ["3", SITI_NIK, BUDI_KK], phone=STRANGER_E164)
    assert screens[2].startswith("CON Masukkan No. KK")
    assert screens[3].startswith("END Nomor ini ditautkan ke KK 3324********0001 di Sukodono.")
    run_worker(rt)
    assert sms_to(rt, BUDI_PHONE)[-1].startswith("HP +62********000 minta ditautkan")
