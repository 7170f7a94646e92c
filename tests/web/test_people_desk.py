"""People and messages on the desk through HTTP: the officers' roster (import, on duty) and the message log."""

from __future__ import annotations

import io
from pathlib import Path

from flask.testing import EnvironBuilder, FlaskClient
from sqlalchemy import select, update

from gateway.db import utcnow
from gateway.models import AccessEvent, InboundMessage, Officer, OutboundMessage, OutboundStatus
from gateway.runtime import Runtime
from gateway.web.message_log import PAGE
from tests.conftest import exchange, load_roster, run_worker, sms_to
from tests.web.desk import REPORTER, ROSTER, csrf_token, login, make_user, post_form, reported_incident

DATA = Path(__file__).parent / "data" / "people"
REPORTER_E164 = "+6281234567890"
MASKED_REPORTER = "+62********890"  # as gateway.phones.mask_phone shows it
MASKED_BUDI = "+62********001"


def upload_roster(client: FlaskClient, name: str, body: bytes | None = None, token: str | None = "") -> tuple[int, str]:
    """Upload a roster (a test data file, or ``body``) as the import form does; the status and the page shown.

    ``token`` "" sends the form's CSRF token, None sends none.
    """
    data: dict[str, object] = {"roster": (io.BytesIO((DATA / name).read_bytes() if body is None else body), name)}
    if token is not None:
        data["csrf_token"] = token or csrf_token(client, "/officers")
    request = EnvironBuilder(client.application, path="/officers/import", method="POST", data=data).get_request()
    try:
        response = client.open(request, follow_redirects=True)
        return response.status_code, response.get_data(as_text=True)
    finally:  # a large body is encoded into a temporary file that nothing else closes when the app does not read it
        request.environ["wsgi.input"].close()


def officer_id(rt: Runtime, phone: str, agency: str) -> int:
    with rt.db.session() as session:
        return session.scalars(select(Officer.id).where(Officer.phone == phone, Officer.agency == agency)).one()


def access_events(rt: Runtime, action: str) -> list[str]:
    with rt.db.session() as session:
        return list(session.scalars(select(AccessEvent.detail).where(AccessEvent.action == action)))


# ---- the roster -----------------------------------------------------------------------------------------


def test_a_coordinator_imports_a_roster_and_sees_it_masked_with_kecamatan_names(
    client: FlaskClient, rt: Runtime
) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    status, page = upload_roster(client, "roster.csv")
    assert status == 200 and "Petugas: 2 ditambah, 0 diubah, 0 tetap" in page
    assert "Sari (BPBD Boja)" in page and "Boja, Brangsong" in page and "seluruh kabupaten" in page
    assert "+62********011" in page and "081100000011" not in page and "+6281100000011" not in page
    assert access_events(rt, "roster_import") == ["roster.csv: 2 added, 0 updated, 0 unchanged, 0 late alerts"]


def test_a_roster_with_a_bad_line_is_refused_by_line_number_and_nothing_is_imported(
    client: FlaskClient, rt: Runtime
) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    status, page = upload_roster(client, "roster_bad_line.csv")
    assert status == 400
    assert "1 baris salah; tidak ada yang diimpor." in page
    assert "line 3: phone &#39;0811&#39; is not a valid phone number" in page
    with rt.db.session() as session:
        assert session.scalars(select(Officer)).all() == []
    assert access_events(rt, "roster_import") == []


def test_a_file_that_is_no_csv_is_refused_with_its_name(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    status, page = upload_roster(client, "petugas.xlsx", body=b"PK\x03\x04 a workbook")
    assert status == 400 and "petugas.xlsx: this is an Excel workbook" in page


def test_a_roster_over_the_size_limit_is_refused_with_the_limit(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    body = b"name,phone,agency,role,districts\n" + b"Budi,081100000001,BPBD,officer,\n" * 40_000
    status, page = upload_roster(client, "besar.csv", body=body)
    assert status == 413 and "Berkas terlalu besar (paling besar 1 MB)." in page
    with rt.db.session() as session:
        assert session.scalars(select(Officer)).all() == []


def test_a_roster_upload_without_the_csrf_token_is_refused(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    assert upload_roster(client, "roster.csv", token=None)[0] == 400
    with rt.db.session() as session:
        assert session.scalars(select(Officer)).all() == []


def test_an_officer_imported_after_the_dispatch_is_alerted_about_the_open_incident(
    client: FlaskClient, rt: Runtime
) -> None:
    reported_incident(client, rt)  # a flood at Sukodono, dispatched to BPBD among others
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    status, page = upload_roster(client, "roster_late_officer.csv")
    assert status == 200 and "1 peringatan kejadian terbuka dikirim" in page
    run_worker(rt)
    assert any("1001" in text for text in sms_to(rt, "+6281100000021"))


def test_a_coordinator_takes_an_officer_off_duty_and_back_and_it_is_audited(client: FlaskClient, rt: Runtime) -> None:
    load_roster(rt, ROSTER)
    budi = officer_id(rt, "+6281100000001", "BPBD")
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    page = post_form(client, f"/officers/{budi}/on-duty", {"on_duty": "0"}, "/officers")
    assert "Budi (BPBD Kendal) sekarang tidak bertugas." in page
    with rt.db.session() as session:
        assert session.get(Officer, budi).on_duty is False  # type: ignore[union-attr]
    post_form(client, f"/officers/{budi}/on-duty", {"on_duty": "1"}, "/officers")
    with rt.db.session() as session:
        assert session.get(Officer, budi).on_duty is True  # type: ignore[union-attr]
    assert access_events(rt, "on_duty") == [f"officer {budi} (BPBD) off duty", f"officer {budi} (BPBD) on duty"]


def test_an_officer_put_back_on_duty_is_alerted_about_the_incident_missed(client: FlaskClient, rt: Runtime) -> None:
    load_roster(rt, ROSTER)
    budi = officer_id(rt, "+6281100000001", "BPBD")
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    post_form(client, f"/officers/{budi}/on-duty", {"on_duty": "0"}, "/officers")
    reported_incident(client, rt)  # a flood in Budi's kecamatan while he is off duty
    assert not any("1001" in text for text in sms_to(rt, "+6281100000001"))
    post_form(client, f"/officers/{budi}/on-duty", {"on_duty": "1"}, "/officers")
    run_worker(rt)
    assert any("1001" in text for text in sms_to(rt, "+6281100000001"))


def test_a_viewer_reads_the_roster_but_may_not_change_it(client: FlaskClient, rt: Runtime) -> None:
    load_roster(rt, ROSTER)
    budi = officer_id(rt, "+6281100000001", "BPBD")
    make_user(rt, "pantau", "viewer")
    login(client, "pantau")
    page = client.get("/officers").get_data(as_text=True)
    assert "Budi (BPBD Kendal)" in page and "Kendal" in page
    assert "/on-duty" not in page and 'name="roster"' not in page
    token = csrf_token(client, "/officers")
    assert client.post(f"/officers/{budi}/on-duty", data={"on_duty": "0", "csrf_token": token}).status_code == 403
    assert client.post("/officers/import", data={"csrf_token": token}).status_code == 403
    with rt.db.session() as session:
        assert session.get(Officer, budi).on_duty is True  # type: ignore[union-attr]


def test_an_agency_user_sees_and_changes_only_its_own_officers(client: FlaskClient, rt: Runtime) -> None:
    load_roster(rt, ROSTER)
    budi, wati = officer_id(rt, "+6281100000001", "BPBD"), officer_id(rt, "+6281100000003", "DINSOS")
    make_user(rt, "dinsos", "agency", "DINSOS")
    login(client, "dinsos")
    page = client.get("/officers").get_data(as_text=True)
    assert "Wati (Dinsos)" in page and "Budi (BPBD Kendal)" not in page
    token = csrf_token(client, "/officers")
    assert client.post(f"/officers/{budi}/on-duty", data={"on_duty": "0", "csrf_token": token}).status_code == 403
    assert "Wati (Dinsos) sekarang tidak bertugas." in post_form(client, f"/officers/{wati}/on-duty",
                                                                  {"on_duty": "0"}, "/officers")  # fmt: skip
    with rt.db.session() as session:
        assert (session.get(Officer, budi).on_duty, session.get(Officer, wati).on_duty) == (True, False)  # type: ignore[union-attr]


def test_a_duty_change_needs_a_clear_value(client: FlaskClient, rt: Runtime) -> None:
    load_roster(rt, ROSTER)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    token = csrf_token(client, "/officers")
    budi = officer_id(rt, "+6281100000001", "BPBD")
    response = client.post(f"/officers/{budi}/on-duty", data={"on_duty": "yes", "csrf_token": token})
    assert response.status_code == 400 and "on_duty must be 1" in response.get_data(as_text=True)
    assert client.post("/officers/999999/on-duty", data={"on_duty": "0", "csrf_token": token}).status_code == 404


# ---- the message log ------------------------------------------------------------------------------------


def test_the_message_log_shows_an_sms_that_arrived_by_the_webhook_and_its_reply(
    client: FlaskClient, rt: Runtime
) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    inbound = client.get("/messages").get_data(as_text=True)
    assert "LAPOR BANJIR SUKODONO 25 KK" in inbound and "processed" in inbound and "WIB" in inbound
    assert MASKED_REPORTER in inbound and REPORTER_E164 not in inbound
    outbound = client.get("/messages?kind=outbound&status=sent").get_data(as_text=True)
    assert "GSM-7" in outbound and MASKED_REPORTER in outbound and MASKED_BUDI in outbound
    assert (
        "queued" not in client.get("/messages?kind=outbound&status=queued").get_data(as_text=True).split("<tbody>")[1]
    )


def test_phones_are_masked_for_a_viewer_who_may_not_look_a_number_up(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pantau", "viewer")
    login(client, "pantau")
    for path in ("/messages", "/messages?kind=outbound"):
        page = client.get(path).get_data(as_text=True)
        assert MASKED_REPORTER in page and REPORTER_E164 not in page and "6281234567890" not in page
        assert "tampilkan nomor" not in page and 'name="phone"' not in page
    refused = client.get(f"/messages?phone={REPORTER}")
    assert refused.status_code == 403 and "Hanya koordinator yang boleh mencari" in refused.get_data(as_text=True)
    assert "LAPOR BANJIR" not in refused.get_data(as_text=True)


def test_the_coordinator_looks_a_number_up_and_the_search_is_audited(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    found = client.get("/messages?phone=0811-0000-0001").get_data(as_text=True)
    assert "LAPOR BANJIR" not in found and "Tidak ada pesan." in found
    found = client.get(f"/messages?kind=outbound&phone={REPORTER}").get_data(as_text=True)
    assert MASKED_REPORTER in found and MASKED_BUDI not in found
    with rt.db.session() as session:
        details = session.scalars(select(AccessEvent.detail).where(AccessEvent.action == "phone_search")).all()
    assert details == ["inbound messages of +62********001", f"outbound messages of {MASKED_REPORTER}"]


def test_an_agency_user_sees_only_its_own_officers_messages(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "bpbd-desk", "agency", "BPBD")
    login(client, "bpbd-desk")
    outbound = client.get("/messages?kind=outbound").get_data(as_text=True)
    assert MASKED_BUDI in outbound and MASKED_REPORTER not in outbound and "6281100000001" not in outbound
    assert "LAPOR BANJIR" not in client.get("/messages").get_data(as_text=True)
    assert MASKED_REPORTER not in client.get(f"/messages?kind=outbound&phone={REPORTER}").get_data(as_text=True)


def test_a_coordinator_shows_one_number_and_the_viewing_is_audited(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    page = client.get("/messages").get_data(as_text=True)
    assert REPORTER_E164 not in page and "tampilkan nomor" in page
    with rt.db.session() as session:
        message = session.scalars(select(InboundMessage.id)).one()
    shown = client.post(f"/messages/inbound/{message}/phone", data={"csrf_token": csrf_token(client, "/messages")})
    assert shown.status_code == 200 and REPORTER_E164 in shown.get_data(as_text=True)
    assert access_events(rt, "unmask") == [f"inbound message {message}"]
    assert client.post("/messages/inbound/999999/phone", data={"csrf_token": csrf_token(client, "/messages")}
                       ).status_code == 404  # fmt: skip


def test_showing_a_number_needs_the_csrf_token(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    with rt.db.session() as session:
        message = session.scalars(select(InboundMessage.id)).one()
    assert client.post(f"/messages/inbound/{message}/phone").status_code == 400
    assert access_events(rt, "unmask") == []


def test_only_a_coordinator_may_show_a_number(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    with rt.db.session() as session:
        message = session.scalars(select(InboundMessage.id)).one()
    for username, role, agency in (("pantau", "viewer", None), ("bpbd-desk", "agency", "BPBD")):
        make_user(rt, username, role, agency)
        login(client, username)
        response = client.post(
            f"/messages/inbound/{message}/phone", data={"csrf_token": csrf_token(client, "/messages")}
        )
        assert response.status_code == 403 and REPORTER_E164 not in response.get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/messages")})
    assert access_events(rt, "unmask") == []


def test_the_next_page_shows_older_messages(client: FlaskClient, rt: Runtime) -> None:
    with rt.db.session() as session:
        session.add_all(InboundMessage(provider_id=f"ATXid_page_{n}", phone="+6281100000099", to="98123",
                                       text=f"PESAN NOMOR {n:03d}") for n in range(PAGE + 5))  # fmt: skip
    make_user(rt, "pantau", "viewer")
    login(client, "pantau")
    first = client.get("/messages").get_data(as_text=True)
    assert f"PESAN NOMOR {PAGE + 4:03d}" in first and "PESAN NOMOR 004" not in first
    assert "PESAN NOMOR 005" in first and 'rel="next"' in first
    with rt.db.session() as session:
        fifth = session.scalars(select(InboundMessage.id).where(InboundMessage.text == "PESAN NOMOR 005")).one()
    assert f"before={fifth}" in first
    older = client.get(f"/messages?before={fifth}").get_data(as_text=True)
    assert [f"PESAN NOMOR {n:03d}" in older for n in range(6)] == [True] * 5 + [False]
    assert 'rel="next"' not in older and 'rel="first"' in older


def test_an_sms_in_doubt_is_flagged(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    with rt.db.session() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.phone == REPORTER_E164)
                        .values(status=OutboundStatus.IN_DOUBT))  # fmt: skip
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    page = client.get("/messages?kind=outbound&status=in_doubt").get_data(as_text=True)
    assert 'class="in-doubt"' in page and "diragukan" in page and MASKED_BUDI not in page


def test_a_bad_filter_value_gets_a_clear_answer(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pantau", "viewer")
    login(client, "pantau")
    for query, answer in (
        ("kind=sms", "Jenis pesan harus inbound atau outbound, bukan &#39;sms&#39;."),
        ("kind=outbound&status=lost", "Status &#39;lost&#39; tidak dikenal untuk pesan ini"),
        ("status=sent", "Status &#39;sent&#39; tidak dikenal"),
        ("phone=12ab", "&#39;12ab&#39; bukan nomor telepon yang sah"),
        ("before=-3", "Halaman &#39;-3&#39; tidak sah."),
        ("before=99999999999999999999", "tidak sah"),
    ):
        response = client.get(f"/messages?{query}")
        assert response.status_code == 400 and answer in response.get_data(as_text=True), query


def test_the_pages_need_a_login(client: FlaskClient) -> None:
    for path in ("/officers", "/messages"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_numbers_and_pickup_codes_inside_message_texts_are_masked_in_the_log(client: FlaskClient, rt: Runtime) -> None:
    nik, kk, code = "3324150101800001", "3324150101150001", "K7P-X4W3"
    exchange(client, rt, f"DAFTAR {nik} {kk}")  # as a resident texts it
    with rt.db.session() as session:
        session.add(OutboundMessage(phone="+6281311110001", text=f"Bantuan DINSOS: 1 paket sembako. Kode: {code}.",
                                    template="pickup_notice", language="id", idempotency_key="pickup:1",
                                    segments=1, encoding="GSM-7", expires_at=utcnow()))  # fmt: skip
    make_user(rt, "bupati", "viewer")
    login(client, "bupati")
    inbound = client.get("/messages?kind=inbound").get_data(as_text=True)
    outbound = client.get("/messages?kind=outbound").get_data(as_text=True)
    assert "DAFTAR 3324********0001 3324********0001" in inbound and nik not in inbound and kk not in inbound
    assert "Kode: ***-****." in outbound and code not in outbound


def test_a_pickup_code_texted_back_is_hidden_in_the_log(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    exchange(client, rt, "ambil cm9he3t", sender="081100000001")  # an officer redeems, in lower case, no dash
    make_user(rt, "bupati", "viewer")
    login(client, "bupati")
    page = client.get("/messages").get_data(as_text=True)
    assert "ambil ***" in page and "cm9he3t" not in page
