"""The desk in a real browser, the way a coordinator and an agency user use it on a phone."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect

from gateway.runtime import Runtime
from tests.conftest import exchange, run_worker, sms_to
from tests.web.browser import log_in
from tests.web.desk import PASSWORD, REPORTER, make_user, reported_incident

REPORTER_E164 = "+62" + REPORTER.removeprefix("0")
DATA = Path(__file__).parent / "data"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"desk_refresh_seconds": 1}  # the board reloads itself every second, so a test sees it happen


def test_a_coordinator_sees_a_report_arrive_and_acknowledges_it(client: FlaskClient, rt: Runtime, page: Page) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    log_in(page, "pusdalops", PASSWORD)
    expect(page.locator('tr[data-ref="1001"]')).to_contain_text("Sukodono")
    exchange(client, rt, "LAPOR LONGSOR PAGERSARI 3 KK", sender="081298765432")  # arrives while the board is open
    expect(page.locator('tr[data-ref="1002"]')).to_contain_text("Pagersari")  # the board refreshed itself
    page.locator('tr[data-ref="1001"] a').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("1001")
    page.get_by_role("button", name="Terima (BPBD)").click()
    expect(page.get_by_role("status")).to_contain_text("Diterima oleh BPBD")
    expect(page.locator('li[data-agency="BPBD"]')).to_contain_text("BPBD: diterima")
    expect(page.locator("table.trail")).to_contain_text("pusdalops")
    expect(page.locator('table.trail td[data-action="acknowledged"]')).to_have_text("diterima")
    run_worker(rt)
    assert "BPBD" in sms_to(rt, REPORTER_E164)[-1]  # the reporter was told by SMS
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("status")).to_contain_text("Anda sudah keluar")
    page.goto("/incidents/1001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")  # logged out: back to the login form


def test_a_wrong_password_shows_an_error_and_no_board(client: FlaskClient, rt: Runtime, page: Page) -> None:
    make_user(rt, "pusdalops", "coordinator")
    log_in(page, "pusdalops", "not-the-password")
    expect(page.get_by_role("status")).to_contain_text("Nama pengguna atau kata sandi salah")
    expect(page.locator("table.board")).to_have_count(0)


def test_a_form_without_its_csrf_token_is_refused(client: FlaskClient, rt: Runtime, page: Page) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    log_in(page, "pusdalops", PASSWORD)
    page.goto("/incidents/1001")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_role("button", name="Terima (BPBD)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formulir ditolak")
    page.goto("/incidents/1001")
    expect(page.locator('li[data-agency="BPBD"]')).to_contain_text("BPBD: diberi tahu")  # nothing happened


def test_an_agency_user_cannot_open_another_agencys_incident(client: FlaskClient, rt: Runtime, page: Page) -> None:
    reported_incident(client, rt)  # a flood: BPBD, DINSOS and TAGANA are dispatched, BAZNAS is not
    make_user(rt, "baznas", "agency", "BAZNAS")
    make_user(rt, "dinsos", "agency", "DINSOS")
    log_in(page, "baznas", PASSWORD)
    expect(page.locator(".empty")).to_be_visible()
    assert page.goto("/incidents/1001").status == 404  # type: ignore[union-attr]
    page.context.clear_cookies()
    log_in(page, "dinsos", PASSWORD)
    page.locator('tr[data-ref="1001"] a').click()
    expect(page.get_by_role("button", name="Terima (DINSOS)")).to_be_visible()
    expect(page.get_by_role("button", name="Terima (BPBD)")).to_have_count(0)  # not its dispatch
    expect(page.get_by_role("button", name="Tolak (laporan palsu)")).to_have_count(0)  # the coordinator's


def test_a_coordinator_runs_the_aid_of_an_incident_from_the_browser(
    client: FlaskClient, rt: Runtime, page: Page, tmp_path: Path
) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    log_in(page, "pusdalops", PASSWORD)
    page.goto("/incidents/1001")
    page.get_by_role("link", name="Kelola bantuan").click()
    # the registry extract, then the affected households (one bad line, named by its number)
    page.locator("form[action$='/aid/registry'] input[type=file]").set_input_files(DATA / "registry.csv")
    page.get_by_role("button", name="Impor").click()
    expect(page.locator("main")).to_contain_text("line 8: ")  # its two bad rows are named by line
    expect(page.locator("main")).to_contain_text("line 9: ")
    page.locator("form[action$='/aid/affected'] input[type=file]").set_input_files(DATA / "affected.csv")
    page.get_by_role("button", name="Unggah").click()
    expect(page.locator("main")).to_contain_text("line 5: '12345'")
    expect(page.locator("main")).to_contain_text("KK ditambahkan")
    # allocate DINSOS's food parcel, then BPBD's rice: the same category, so the ledger refuses it as a double
    form = page.locator("form.aid-allocate")
    form.locator("select[name=program]").select_option("SEMBAKO")
    form.locator("input[name=point]").fill("Balai Desa Sukodono")
    form.get_by_role("button", name="Alokasikan").click()
    expect(page.get_by_role("status")).to_contain_text("SEMBAKO: 2 dialokasikan, 2 SMS pengambilan diantrekan")
    form.locator("select[name=program]").select_option("LOGISTIK")
    form.locator("input[name=point]").fill("Posko BPBD Kendal")
    form.get_by_role("button", name="Alokasikan").click()
    expect(page.get_by_role("status")).to_contain_text("LOGISTIK: 0 dialokasikan")
    expect(page.get_by_role("status")).to_contain_text("ganda dicegah")
    run_worker(rt)
    assert len(sms_to(rt, "+6281311110001")) == 1  # Budi's household got one pickup notice, not two
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh CSV").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.DictReader(saved.read_text().splitlines()))
    assert saved.name == "aid-1001.csv"
    assert {(r["agency"], r["allocated"]) for r in rows} >= {("DINSOS", "2")}
    assert sum(int(r["double_prevented"]) for r in rows if r["agency"] == "BPBD") == 2
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")


def test_rejecting_a_report_asks_first_and_needs_a_reason(client: FlaskClient, rt: Runtime, page: Page) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    log_in(page, "pusdalops", PASSWORD)
    page.goto("/incidents/1001")
    page.get_by_label("Alasan").first.fill("hoaks, dicek lewat telepon")
    page.once("dialog", lambda dialog: dialog.dismiss())  # the coordinator thinks again
    page.get_by_role("button", name="Tolak (laporan palsu)").click()
    expect(page.locator(".status")).to_have_text("dilaporkan")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Tolak (laporan palsu)").click()
    expect(page.get_by_role("status")).to_contain_text("Laporan ditolak")
    expect(page.locator(".status")).to_have_text("ditolak")
    expect(page.locator("table.trail")).to_contain_text("hoaks, dicek lewat telepon")
