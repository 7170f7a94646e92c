"""The desk through HTTP: logging in, the board by role, acting on an incident, CSRF and the login limit."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.accounts.users import disable_user, find_user
from gateway.models import AccessEvent, Dispatch, IncidentEvent
from gateway.runtime import Runtime
from tests.conftest import exchange, load_roster, run_worker, sms_to
from tests.web.desk import PASSWORD, ROSTER, csrf_token, login, make_user, post_form, reported_incident


def test_the_board_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_coordinator_sees_an_incident_that_arrived_by_sms(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    page = client.get("/").get_data(as_text=True)
    assert 'data-ref="1001"' in page and "Sukodono" in page and "BPBD: diberi tahu" in page


def test_a_wrong_password_is_refused_and_audited(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pusdalops", "coordinator")
    response = client.post("/login", data={"username": "pusdalops", "password": "wrong-password-x",
                                           "csrf_token": csrf_token(client)})  # fmt: skip
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    with rt.db.session() as session:
        assert session.scalars(select(AccessEvent.action)).all() == ["login_failed"]


def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pusdalops", "coordinator")
    assert client.post("/login", data={"username": "pusdalops", "password": PASSWORD}).status_code == 400
    login(client, "pusdalops")
    assert client.post("/incidents/1001/act", data={"action": "note", "note": "x"}).status_code == 400


def test_login_attempts_are_limited(client: FlaskClient, rt: Runtime) -> None:
    token = csrf_token(client)
    codes = [client.post("/login", data={"username": "x", "password": "y", "csrf_token": token}).status_code
             for _ in range(rt.settings.login_attempts_per_minute + 1)]  # fmt: skip
    assert codes[:-1] == [401] * rt.settings.login_attempts_per_minute and codes[-1] == 429
    last = client.post("/login", data={"username": "x", "password": "y", "csrf_token": token})
    assert "Terlalu banyak percobaan masuk" in last.get_data(as_text=True) and 'name="password"' in last.get_data(
        as_text=True
    )


def test_acknowledging_on_the_desk_tells_the_reporter_and_names_the_user(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "bpbd-desk", "agency", "BPBD")
    login(client, "bpbd-desk")
    page = post_form(client, "/incidents/1001/act", {"action": "acknowledge", "agency": "BPBD"}, "/incidents/1001")
    assert "Diterima oleh BPBD" in page
    run_worker(rt)
    assert "BPBD" in sms_to(rt, "+6281234567890")[-1]
    with rt.db.session() as session:
        event = session.scalars(select(IncidentEvent).where(IncidentEvent.action == "acknowledged")).one()
        assert (event.channel, event.username, event.detail) == ("web", "bpbd-desk", "BPBD")
        assert {d.agency for d in session.scalars(select(Dispatch).where(Dispatch.acknowledged_at.is_not(None)))} == {
            "BPBD"
        }


def test_an_agency_user_sees_only_its_own_dispatches(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)  # a flood at Sukodono: BPBD, DINSOS, TAGANA
    make_user(rt, "baznas", "agency", "BAZNAS")
    login(client, "baznas")
    assert 'data-ref="1001"' not in client.get("/").get_data(as_text=True)
    assert client.get("/incidents/1001").status_code == 404
    assert client.post("/incidents/1001/act", data={"action": "acknowledge", "csrf_token": csrf_token(client, "/")}
                       ).status_code == 404  # fmt: skip


def test_an_agency_user_cannot_act_for_another_agency(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "dinsos", "agency", "DINSOS")
    login(client, "dinsos")
    page = post_form(client, "/incidents/1001/act", {"action": "acknowledge", "agency": "BPBD"}, "/incidents/1001")
    assert "BPBD tidak ditugaskan" in page
    page = post_form(client, "/incidents/1001/act", {"action": "reject", "note": "hoax"}, "/incidents/1001")
    assert "Hanya koordinator" in page
    with rt.db.session() as session:
        assert session.scalars(select(Dispatch).where(Dispatch.acknowledged_at.is_not(None))).all() == []


def test_a_viewer_reads_but_cannot_act(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "bupati", "viewer")
    login(client, "bupati")
    assert client.get("/incidents/1001").status_code == 200
    token = csrf_token(client, "/incidents/1001")
    assert (
        client.post("/incidents/1001/act", data={"action": "note", "note": "x", "csrf_token": token}).status_code == 403
    )


def test_the_coordinator_re_dispatches_to_another_agency_and_its_officer_is_alerted(
    client: FlaskClient, rt: Runtime
) -> None:
    reported_incident(client, rt)
    load_roster(rt, "name,phone,agency,role,districts\nZaki (Baznas),081100000009,BAZNAS,officer,\n")
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    form = {"action": "redispatch", "agency": "BAZNAS", "note": "rumah rusak berat"}
    page = post_form(client, "/incidents/1001/act", form, "/incidents/1001")
    assert "Dikirim ulang ke BAZNAS; 1 petugas diberi tahu" in page
    run_worker(rt)
    assert "1001" in sms_to(rt, "+6281100000009")[-1]
    with rt.db.session() as session:
        event = session.scalars(select(IncidentEvent).where(IncidentEvent.action == "redispatched")).one()
        assert event.username == "pusdalops" and "BAZNAS: rumah rusak berat" in event.detail


def test_the_incident_resolves_when_every_agency_is_done_and_the_reporter_hears(
    client: FlaskClient, rt: Runtime
) -> None:
    reported_incident(client, rt)
    for agency in ("BPBD", "DINSOS"):
        make_user(rt, agency.lower(), "agency", agency)
    make_user(rt, "tagana", "agency", "TAGANA")
    for user, agency in (("bpbd", "BPBD"), ("dinsos", "DINSOS")):
        login(client, user)
        page = post_form(client, "/incidents/1001/act", {"action": "resolve", "agency": agency}, "/incidents/1001")
        assert f"Bagian {agency} selesai; masih menunggu" in page
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "tagana")
    page = post_form(client, "/incidents/1001/act", {"action": "resolve", "agency": "TAGANA"}, "/incidents/1001")
    assert "Kejadian selesai" in page
    page = post_form(client, "/incidents/1001/act", {"action": "acknowledge", "agency": "TAGANA"}, "/incidents/1001")
    assert "sudah resolved" in page  # closed: nothing more to do
    run_worker(rt)
    assert "1001" in sms_to(rt, "+6281234567890")[-1]
    with rt.db.session() as session:
        trail = session.execute(select(IncidentEvent.action, IncidentEvent.username).order_by(IncidentEvent.id)).all()
    assert [row for row in trail if row[1]] == [("agency_done", "bpbd"), ("agency_done", "dinsos"),
                                               ("agency_done", "tagana"), ("resolved", "tagana")]  # fmt: skip


def test_the_coordinator_rejects_a_false_report_and_notes_are_kept(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    page = post_form(client, "/incidents/1001/act", {"action": "note", "note": "  dicek   lewat telepon "},
                     "/incidents/1001")  # fmt: skip
    assert "Catatan disimpan" in page and "dicek lewat telepon" in page
    assert "Catatan kosong" in post_form(
        client, "/incidents/1001/act", {"action": "note", "note": " "}, "/incidents/1001"
    )
    page = post_form(client, "/incidents/1001/act", {"action": "reject", "note": "  "}, "/incidents/1001")
    assert "Tulis alasan penolakan" in page and "status-reported" in page  # a false report is said with a reason
    page = post_form(client, "/incidents/1001/act", {"action": "reject", "note": "hoaks"}, "/incidents/1001")
    assert "Laporan ditolak" in page and "status-rejected" in page
    with rt.db.session() as session:
        assert session.scalars(select(Dispatch).where(Dispatch.next_escalation_at.is_not(None))).all() == []


def test_an_unknown_action_is_a_bad_request(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    form = {"action": "delete", "csrf_token": csrf_token(client, "/")}
    response = client.post("/incidents/1001/act", data=form)
    assert response.status_code == 400 and "action must be one of" in response.get_data(as_text=True)


def test_a_disabled_user_is_logged_out_on_the_next_request(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    assert client.get("/").status_code == 200
    with rt.db.session() as session:
        user = find_user(session, "pusdalops")
        assert user is not None
        disable_user(user)
    assert client.get("/").status_code == 302
    form = {"username": "pusdalops", "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=form).status_code == 401


def test_an_agency_with_nobody_on_duty_there_shows_so_instead_of_alerted(client: FlaskClient, rt: Runtime) -> None:
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")  # no roster imported: nobody was alerted
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    page = client.get("/").get_data(as_text=True)
    assert "BPBD: tidak ada petugas" in page and 'data-state="alerted"' not in page
    load_roster(rt, ROSTER)  # Budi of BPBD covers Kendal, where Sukodono is
    page = client.get("/incidents/1001").get_data(as_text=True)
    assert 'data-agency="BPBD" data-state="alerted"' in page


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"trusted_proxies": 1} if "proxy" in request.node.name else {}


def test_behind_a_trusted_proxy_each_client_has_its_own_login_limit(client: FlaskClient, rt: Runtime) -> None:
    token = csrf_token(client)
    form = {"username": "x", "password": "y", "csrf_token": token}
    for _ in range(rt.settings.login_attempts_per_minute):
        assert client.post("/login", data=form, headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 401
    assert client.post("/login", data=form, headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429
    assert client.post("/login", data=form, headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/", "/\t/x"])
def test_logging_in_never_redirects_to_another_site(client: FlaskClient, rt: Runtime, target: str) -> None:
    make_user(rt, "pusdalops", "coordinator")
    form = {"username": "pusdalops", "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post("/login", query_string={"next": target}, data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    language = client.post("/language", data={"lang": "en", "next": target, "csrf_token": csrf_token(client, "/")})
    assert language.headers["Location"] == "/"


def test_logging_in_returns_to_the_page_asked_for(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pusdalops", "coordinator")
    form = {"username": "pusdalops", "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post("/login", query_string={"next": "/messages?kind=outbound"}, data=form)
    assert response.headers["Location"] == "/messages?kind=outbound"


def test_logging_out_ends_the_session_even_for_a_copied_cookie(app: Flask, client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    copy = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy.set_cookie("session", cookie.value)
    assert copy.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert copy.get("/").status_code == 302


@pytest.mark.parametrize("query", ["?_method=POST", "?page=99999999999999999999", "?page=-1&sort=x&status=y"])
def test_odd_query_strings_show_the_board_rather_than_fail(client: FlaskClient, rt: Runtime, query: str) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    assert 'data-ref="1001"' in client.get("/" + query).get_data(as_text=True)
    assert client.get("/board/rows" + query).status_code == 200
