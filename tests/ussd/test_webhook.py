"""POST /webhooks/ussd: Africa's Talking callback sequences, replayed against the app on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import redis as redis_lib
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.aid.codes import format_code
from gateway.models import Contact, InboundMessage, Incident, OutboundMessage, Report
from gateway.runtime import Runtime
from gateway.ussd.sessions import KEY_PREFIX, TTL_SECONDS
from tests.conftest import SECRET, exchange, load_roster, run_worker, sms_to
from tests.test_aid import BUDI_KK, BUDI_PHONE, ROSTER, load_registry, run_allocation
from tests.ussd.conftest import PHONE, dial, new_session, post_ussd, ussd_form

REPORT = ["1", "1", "8", "18", "25", "1", "2", "98", "1"]  # flood, Kec. Kendal, Sukodono, 25 KK, food, water, send


def counts(rt: Runtime) -> tuple[int, int, int, int]:
    """Inbound messages, reports, incidents and outbound SMS stored."""
    with rt.db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (InboundMessage, Report, Incident, OutboundMessage)
        )


def test_a_report_by_ussd_becomes_an_incident_and_gets_the_confirmation_sms(client: FlaskClient, rt: Runtime) -> None:
    screens = dial(client, REPORT)
    assert screens[0].startswith("CON Lapor & Bantuan Bencana")
    assert all(s.startswith("CON ") for s in screens[:-1])
    assert screens[-1] == ("END Terima kasih. Laporan banjir di Sukodono, Kec. Kendal diterima. No. laporan: 1001. "
                           "SMS konfirmasi akan dikirim.")  # fmt: skip
    with rt.db.session() as session:
        inbound = session.scalars(select(InboundMessage)).one()
        incident = session.scalars(select(Incident)).one()
        report = session.scalars(select(Report)).one()
    assert (inbound.channel, inbound.phone, inbound.intent) == ("ussd", PHONE, "report")
    assert inbound.provider_id.startswith("ussd:") and inbound.processed_at is not None
    assert inbound.text == "LAPOR BANJIR SUKODONO KEC KENDAL 25 KK BUTUH MAKANAN AIR BERSIH"
    assert (incident.ref, incident.hazard, incident.village_code, incident.households) == (
        "1001", "flood", "33.24.15.1002", 25)  # fmt: skip
    assert sorted(incident.needs.split()) == ["food", "water"]
    assert (report.channel, report.incident_id) == ("ussd", incident.id)
    run_worker(rt)
    assert sms_to(rt, PHONE) == [
        "Laporan banjir di Sukodono, Kec. Kendal diterima. No. laporan: 1001. Petugas akan menindaklanjuti."
    ]


def test_a_ussd_report_joins_the_incident_an_sms_report_opened(client: FlaskClient, rt: Runtime) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 10 KK", sender="081399990000")
    assert dial(client, REPORT)[-1].endswith("No. laporan: 1001. SMS konfirmasi akan dikirim.")
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
        assert session.scalar(select(func.count()).select_from(Report)) == 2


def test_the_report_pages_through_kecamatan_and_desa_and_can_go_back(client: FlaskClient, rt: Runtime) -> None:
    keys = ["1", "99", "0", "1", "99", "0", "8", "99", "99", "0", "18", "25", "98", "0", "0", "12", "98", "1"]
    screens = dial(client, keys)
    assert "99 Lanjut" in screens[1] and "9 Kebakaran hutan/lahan" in screens[2]
    assert screens[3] == screens[1]  # back from page 2 of the hazards
    assert screens[5].startswith("CON Kecamatan:\n11 ")  # page 2 of the kecamatan
    assert screens[8].startswith("CON Desa/kelurahan:\n9 ") and screens[9].startswith("CON Desa/kelurahan:\n")
    assert screens[10] == screens[8]
    assert screens[14].startswith("CON Kebutuhan?") and screens[15].startswith("CON Berapa KK")  # back, back
    assert screens[-1].startswith("END Terima kasih. Laporan banjir di Sukodono, Kec. Kendal")
    with rt.db.session() as session:
        assert session.scalars(select(Incident.households)).one() == 12


def test_a_desa_can_be_typed_instead_of_paged(client: FlaskClient, rt: Runtime) -> None:
    screens = dial(client, ["1", "3", "8", "98", "sukodono", "1", "40", "98", "1"])
    assert screens[4] == "CON Ketik sebagian nama desa:\n0 Kembali 00 Menu"
    assert screens[5].startswith("CON Desa yang cocok:\n1 Sukodono")
    assert screens[-1].startswith("END Terima kasih. Laporan banjir rob di Sukodono")


def test_every_retried_step_gets_the_same_screen_and_creates_nothing_twice(client: FlaskClient, rt: Runtime) -> None:
    session_id = new_session()
    texts = [""] + ["*".join(REPORT[:n]) for n in range(1, len(REPORT) + 1)]
    first = [post_ussd(client, session_id, text) for text in texts]
    stored = counts(rt)
    again = [post_ussd(client, session_id, text) for text in texts]  # the aggregator retries every step
    assert again[-1] == first[-1]
    assert again[:-1] == first[:-1]
    assert counts(rt) == stored
    assert stored[:3] == (1, 1, 1)


def test_a_retried_final_callback_after_the_session_is_gone_answers_the_same(
    client: FlaskClient, rt: Runtime, redis: redis_lib.Redis
) -> None:
    session_id = new_session()
    final = dial(client, REPORT, session_id=session_id)[-1]
    stored = counts(rt)
    redis.delete(KEY_PREFIX + session_id)  # expired, or Redis lost it
    assert post_ussd(client, session_id, "*".join(REPORT)) == final
    assert counts(rt) == stored
    run_worker(rt)
    assert len(sms_to(rt, PHONE)) == 1


def test_a_session_lives_in_redis_for_three_minutes(client: FlaskClient, redis: redis_lib.Redis) -> None:
    session_id = new_session()
    post_ussd(client, session_id, "")
    post_ussd(client, session_id, "1")
    assert 0 < redis.ttl(KEY_PREFIX + session_id) <= TTL_SECONDS == 180
    assert b"ussd:" + session_id.encode() in redis.keys("ussd:*")


def test_the_session_keeps_its_language_until_it_ends(client: FlaskClient, rt: Runtime, redis: redis_lib.Redis) -> None:
    session_id = new_session()
    assert post_ussd(client, session_id, "").startswith("CON Lapor & Bantuan")
    with rt.db.session() as session:
        session.add(Contact(phone=PHONE, language="en"))
    assert post_ussd(client, session_id, "1").startswith("CON Jenis bencana:")  # pinned for this session
    redis.delete(KEY_PREFIX + session_id)  # expired
    assert post_ussd(client, session_id, "1").startswith("CON What happened?")
    assert dial(client, [])[0].startswith("CON Disaster report & aid")


@pytest.mark.parametrize(
    "keys",
    [["9"], ["abc"], ["1", "💥"], ["1", "1", "99", "99", "99"], ["1", "1", "8", "18", "-3"], ["1" * 300],
     ["", "", ""], ["3", "12345"], ["0", "0", "00", "0"], ["1", "1", "8", "%00"], ["1", "1", "8", "'; DROP TABLE x"]],
)  # fmt: skip
def test_any_input_gets_a_screen_never_an_error(client: FlaskClient, keys: list[str]) -> None:
    screens = dial(client, keys)
    assert all(s.startswith("CON ") for s in screens)


def test_an_invalid_choice_redisplays_the_screen_with_a_short_error(client: FlaskClient) -> None:
    screens = dial(client, ["1", "77"])
    assert screens[2] == "CON Pilihan salah.\n" + screens[1].removeprefix("CON ")


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"sessionId": ""}, 400, "sessionId"),
        ({"phoneNumber": "12"}, 400, "phoneNumber"),
        ({"phoneNumber": ""}, 400, "phoneNumber"),
    ],
)
def test_a_malformed_callback_gets_400_with_the_reason(
    client: FlaskClient, change: dict[str, str], status: int, reason: str
) -> None:
    response = client.post("/webhooks/ussd", query_string={"secret": SECRET}, data=ussd_form("s1", "", **change))
    assert response.status_code == status
    assert reason in response.get_data(as_text=True)


@pytest.mark.parametrize("missing", ["sessionId", "serviceCode", "phoneNumber", "networkCode", "text"])
def test_a_callback_without_a_field_gets_400(client: FlaskClient, missing: str) -> None:
    form = ussd_form("s1", "")
    del form[missing]
    response = client.post("/webhooks/ussd", query_string={"secret": SECRET}, data=form)
    assert response.status_code == 400
    assert missing in response.get_data(as_text=True)


def test_a_wrong_secret_gets_403_and_stores_nothing(client: FlaskClient, rt: Runtime, redis: redis_lib.Redis) -> None:
    response = client.post("/webhooks/ussd", query_string={"secret": "nope"}, data=ussd_form("s1", ""))
    assert response.status_code == 403
    assert redis.keys("ussd:*") == []


# ---- Cek bantuan, Daftar, Bahasa -------------------------------------------------------------------------------


@pytest.fixture
def registry(rt: Runtime) -> None:
    load_registry(rt.db)


def test_check_aid_says_when_nothing_waits(client: FlaskClient, registry: None) -> None:
    assert dial(client, ["2"], phone=BUDI_PHONE)[-1] == "END Tidak ada bantuan yang menunggu diambil untuk nomor ini."
    assert dial(client, ["2"])[-1].startswith("END Tidak ada bantuan untuk nomor ini. Belum terdaftar?")


def test_check_aid_lists_pending_pickups(client: FlaskClient, rt: Runtime, registry: None) -> None:
    from gateway.aid.ledger import add_affected

    load_roster(rt, ROSTER)
    dial(client, REPORT)
    with rt.db.session() as session:
        add_affected(session, session.scalars(select(Incident)).one(), ["3324150101150001"], source="csv")
    run_allocation(rt, "SEMBAKO")
    with rt.db.session() as session:
        from gateway.models import Allocation

        code = session.scalars(select(Allocation.code)).one()
    end = dial(client, ["2"], phone=BUDI_PHONE)[-1]
    assert end.startswith("END Bantuan menunggu:\n1) sembako di Balai Desa Sukodono s.d. ")
    assert end.endswith(f"kode {format_code(code)}")  # as the pickup SMS prints it


def test_register_links_the_phone_to_the_household_of_a_valid_nik_and_kk(
    client: FlaskClient, rt: Runtime, registry: None
) -> None:
    screens = dial(client, ["3", "33241501018000", "3324150101800001", BUDI_KK])
    assert screens[2] == "CON NIK salah, harus 16 angka.\nMasukkan NIK Anda (16 angka, lihat KTP):\n0 Kembali 00 Menu"
    assert screens[3].startswith("CON Masukkan No. KK (16 angka, lihat Kartu Keluarga):")
    assert screens[4] == ("END Nomor ini ditautkan ke KK 3324********0001 di Sukodono. Kode bantuan tetap dikirim "
                          "ke HP terdaftar keluarga sampai HP itu membalas YA.")  # fmt: skip
    with rt.db.session() as session:
        contact = session.scalars(select(Contact).where(Contact.phone == PHONE)).one()
    assert contact.household_id is not None and not contact.link_vouched
    assert dial(client, ["2"])[-1] == "END Tidak ada bantuan yang menunggu diambil untuk nomor ini."


def test_register_says_when_the_registry_does_not_know_the_nik_and_kk(
    client: FlaskClient, rt: Runtime, registry: None
) -> None:
    end = dial(client, ["3", "3324150101990009", BUDI_KK])[-1]
    assert end.startswith("END NIK dan No. KK tidak cocok dengan DTKS.")
    with rt.db.session() as session:
        assert session.scalar(select(Contact.household_id).where(Contact.phone == PHONE)) is None


def test_switching_language_changes_the_menus_and_the_next_sms_reply(client: FlaskClient, rt: Runtime) -> None:
    assert dial(client, ["4", "2"])[-1] == "END Language: English. Menus and SMS will use English."
    with rt.db.session() as session:
        assert session.scalar(select(Contact.language).where(Contact.phone == PHONE)) == "en"
    assert dial(client, [])[0].startswith("CON Disaster report & aid")
    assert exchange(client, rt, "CEK") == "No aid is waiting for collection for this number."
    assert dial(client, ["4", "1"])[-1] == "END Bahasa: Bahasa Indonesia. Menu dan SMS akan memakai bahasa ini."
    assert exchange(client, rt, "CEK") == "Tidak ada bantuan yang menunggu diambil untuk nomor ini."


def test_an_english_report_gets_an_english_confirmation(client: FlaskClient, rt: Runtime) -> None:
    with rt.db.session() as session:
        session.add(Contact(phone=PHONE, language="en"))
    end = dial(client, REPORT)[-1]
    assert end == ("END Thank you. Your flood report for Sukodono, Kec. Kendal is received. Report no: 1001. "
                   "A confirmation SMS will follow.")  # fmt: skip
    run_worker(rt)
    assert sms_to(rt, PHONE)[-1].startswith("Your flood report for Sukodono, Kec. Kendal is received.")
