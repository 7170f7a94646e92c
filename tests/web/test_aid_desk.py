"""Aid on the desk through HTTP: the one-door ledger, allocating by role, uploads with line-numbered errors, export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from gateway.aid.households import store_registry
from gateway.aid.ledger import add_affected
from gateway.aid.registry import read_registry
from gateway.models import AccessEvent, AffectedHousehold, Allocation, Household, Incident, IncidentEvent
from gateway.runtime import Runtime
from tests.conftest import run_worker, sms_to
from tests.web.desk import csrf_token, login, make_user, post_form, reported_incident

DATA = Path(__file__).parent / "data"
BUDI_KK, JOKO_NIK, ANI_KK, DEDI_KK = "3324150101150001", "3324150202700003", "3324150101150003", "3324150101150004"
BUDI_PHONE, ANI_PHONE = "+6281311110001", "+6281311110003"
AID = "/incidents/1001/aid"


@pytest.fixture
def flood(client: FlaskClient, rt: Runtime) -> str:
    """A flood at Sukodono by SMS (BPBD, DINSOS, TAGANA dispatched), the registry, four households affected."""
    reported_incident(client, rt)
    read = read_registry((DATA / "registry.csv").read_text(encoding="utf-8").splitlines(keepends=True), "33.24")
    with rt.db.session() as session:
        store_registry(session, read.people)
        incident = session.scalars(select(Incident)).one()
        add_affected(session, incident, [BUDI_KK, JOKO_NIK, ANI_KK, DEDI_KK], source="csv")
    return "1001"


def allocate(client: FlaskClient, program: str, point: str = "Balai Desa Sukodono", **more: str) -> str:
    return post_form(client, f"{AID}/allocate", {"program": program, "point": point, **more}, AID)


def upload(client: FlaskClient, path: str, name: str, body: bytes, token: str | None = None) -> tuple[int, str]:
    """Post ``body`` as the file ``name`` of a desk upload form; returns the status and the page."""
    fields = {
        "file": FileStorage(io.BytesIO(body), filename=name),
        "csrf_token": token if token is not None else csrf_token(client, AID),
    }
    # Encoded in memory: the test client spools a large body to a temporary file it leaves open when refused unread.
    stream, _length, boundary = stream_encode_multipart(fields, threshold=len(body) + (1 << 16))
    response = client.post(path, data=stream.read(), content_type=f'multipart/form-data; boundary="{boundary}"')
    return response.status_code, response.get_data(as_text=True)


def ledger_cell(page: str, agency: str, column: str) -> str:
    """The number in the ledger row of ``agency`` under ``column``, as the page shows it."""
    row = page.split(f'<tr data-agency="{agency}"', 1)[1].split("</tr>", 1)[0]
    return row.split(f'data-column="{column}">', 1)[1].split("<", 1)[0]


def test_a_coordinator_allocates_and_the_household_gets_its_pickup_sms(
    client: FlaskClient, rt: Runtime, flood: str
) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    assert 'class="aid-allocate"' in client.get("/incidents/1001").get_data(as_text=True)  # offered on the incident
    page = allocate(client, "SEMBAKO")
    assert "SEMBAKO: 2 dialokasikan, 2 SMS pengambilan diantrekan, 0 tanpa telepon; ditolak: 2 tidak layak" in page
    assert ledger_cell(page, "DINSOS", "allocated") == "2" and ledger_cell(page, "DINSOS", "notified") == "2"
    run_worker(rt)
    [notice] = sms_to(rt, BUDI_PHONE)
    assert notice.startswith("Bantuan DINSOS: 1 paket sembako. Ambil di Balai Desa Sukodono, ")
    assert len(sms_to(rt, ANI_PHONE)) == 1


def test_a_second_agencys_program_of_the_same_category_is_refused_as_a_double(
    client: FlaskClient, rt: Runtime, flood: str
) -> None:
    make_user(rt, "dinsos", "agency", "DINSOS")
    make_user(rt, "bpbd", "agency", "BPBD")
    login(client, "dinsos")
    allocate(client, "SEMBAKO")
    client.post("/logout", data={"csrf_token": csrf_token(client, AID)})
    login(client, "bpbd")
    page = allocate(client, "LOGISTIK", point="Posko Sukodono")
    assert "LOGISTIK: 0 dialokasikan" in page and "2 ganda dicegah (kategori ini sudah diberikan)" in page
    assert ledger_cell(page, "BPBD", "double_prevented") == "2"
    assert 'data-program="LOGISTIK"' in page
    run_worker(rt)
    assert len(sms_to(rt, BUDI_PHONE)) == 1  # one pickup notice: Dinsos's, not BPBD's as well
    with rt.db.session() as session:
        assert session.scalars(select(Allocation.agency).where(Allocation.category == "food")).all() == ["DINSOS"] * 2


def test_an_agency_user_cannot_allocate_another_agencys_program(client: FlaskClient, rt: Runtime, flood: str) -> None:
    make_user(rt, "bpbd", "agency", "BPBD")
    login(client, "bpbd")
    page = client.get(AID).get_data(as_text=True)
    assert 'value="LOGISTIK"' in page and 'value="SEMBAKO"' not in page  # only its own programs are offered
    response = client.post(f"{AID}/allocate", data={"program": "SEMBAKO", "point": "Posko",
                                                    "csrf_token": csrf_token(client, AID)})  # fmt: skip
    assert response.status_code == 403
    with rt.db.session() as session:
        assert session.scalars(select(Allocation)).all() == []


def test_a_viewer_reads_the_ledger_but_may_not_allocate_or_upload(client: FlaskClient, rt: Runtime, flood: str) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    allocate(client, "SEMBAKO")
    client.post("/logout", data={"csrf_token": csrf_token(client, AID)})
    make_user(rt, "kominfo", "viewer")
    login(client, "kominfo")
    page = client.get("/incidents/1001").get_data(as_text=True)
    assert "KK terdampak: <strong>4</strong>" in page and ledger_cell(page, "DINSOS", "allocated") == "2"
    assert "aid-allocate" not in client.get(AID).get_data(as_text=True)
    token = csrf_token(client, AID)
    assert client.post(f"{AID}/allocate", data={"program": "TERPAL", "point": "Posko", "csrf_token": token}
                       ).status_code == 403  # fmt: skip
    assert upload(client, f"{AID}/affected", "affected.csv", (DATA / "affected.csv").read_bytes(), token)[0] == 403
    assert upload(client, f"{AID}/registry", "registry.csv", (DATA / "registry.csv").read_bytes(), token)[0] == 403


def test_an_agency_user_may_not_import_the_registry(client: FlaskClient, rt: Runtime, flood: str) -> None:
    make_user(rt, "dinsos", "agency", "DINSOS")
    login(client, "dinsos")
    assert "/aid/registry" not in client.get(AID).get_data(as_text=True)  # no registry form for an agency
    assert upload(client, f"{AID}/registry", "registry.csv", (DATA / "registry.csv").read_bytes())[0] == 403


def test_an_agency_not_dispatched_to_the_incident_does_not_see_its_aid(
    client: FlaskClient, rt: Runtime, flood: str
) -> None:
    make_user(rt, "baznas", "agency", "BAZNAS")
    login(client, "baznas")
    assert client.get(AID).status_code == 404
    assert client.get(f"{AID}.csv").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"{AID}/allocate", data={"program": "SANTUNAN", "point": "Posko", "csrf_token": token}
                       ).status_code == 404  # fmt: skip


def test_a_bad_line_of_the_affected_csv_is_named_by_its_number_and_the_rest_is_added(
    client: FlaskClient, rt: Runtime
) -> None:
    reported_incident(client, rt)
    read = read_registry((DATA / "registry.csv").read_text(encoding="utf-8").splitlines(keepends=True), "33.24")
    with rt.db.session() as session:
        store_registry(session, read.people)
    make_user(rt, "dinsos", "agency", "DINSOS")
    login(client, "dinsos")
    status, page = upload(client, f"{AID}/affected", "affected.csv", (DATA / "affected.csv").read_bytes())
    assert status == 200
    assert "line 5: &#39;12345&#39;" in page  # the typo, named by its line as the CLI names it
    assert "4 KK ditambahkan, 0 sudah tercatat, 0 tidak ada di registri" in page  # as the CLI: the rest is added
    with rt.db.session() as session:
        assert sorted(session.scalars(select(AffectedHousehold.kk))) == [BUDI_KK, "3324150101150002", ANI_KK, DEDI_KK]


def test_an_affected_csv_without_one_usable_number_adds_nothing(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    status, page = upload(client, f"{AID}/affected", "salah.csv", b"no_kk\n12345\n3324-15\n")
    assert status == 400
    assert (
        "line 2: &#39;12345&#39;" in page
        and "line 3: &#39;3324-15&#39;" in page
        and "Tidak ada yang ditambahkan" in page
    )
    with rt.db.session() as session:
        assert session.scalars(select(AffectedHousehold)).all() == []


def test_a_workbook_instead_of_a_csv_is_refused_with_a_reason(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    status, page = upload(client, f"{AID}/affected", "korban.xlsx", b"PK\x03\x04 not a csv")
    assert status == 400 and "korban.xlsx: this is an Excel workbook" in page and "/tmp" not in page


def test_the_registry_extract_is_imported_with_its_bad_rows_named_by_line(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    status, page = upload(client, f"{AID}/registry", "dtks.csv", (DATA / "registry.csv").read_bytes())
    assert status == 200
    assert "line 8: " in page and "line 9: " in page
    assert "8 baris dibaca: 6 sah, 2 tidak sah (tidak diimpor)" in page and "households: 4 added, 0 updated" in page
    with rt.db.session() as session:
        assert len(session.scalars(select(Household)).all()) == 4
        assert session.scalars(select(AccessEvent.action).where(AccessEvent.action == "import")).all() == ["import"]


def test_an_upload_without_the_csrf_token_is_refused(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    response = client.post(f"{AID}/affected", data={"file": (io.BytesIO(b"3324150101150001\n"), "a.csv")},
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 400


def test_an_affected_list_larger_than_the_limit_is_refused_with_its_size(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    status, page = upload(client, f"{AID}/affected", "besar.csv", b"3324150101150001\n" * 70_000)
    assert status == 413 and "paling besar 1 MB" in page
    with rt.db.session() as session:
        assert session.scalars(select(AffectedHousehold)).all() == []


def test_a_pickup_point_too_long_for_one_sms_is_refused_with_a_reason(
    client: FlaskClient, rt: Runtime, flood: str
) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    point = "Balai Desa Sukodono Kecamatan Kendal"  # 36 characters: the pickup notice would take two SMS
    token = csrf_token(client, AID)
    response = client.post(f"{AID}/allocate", data={"program": "SEMBAKO", "point": point, "csrf_token": token})
    assert response.status_code == 400
    assert "Tempat pengambilan harus 1 sampai 30 huruf" in response.get_data(as_text=True)
    with rt.db.session() as session:
        assert session.scalars(select(Allocation)).all() == []


def test_the_export_is_the_ledger_as_csv_and_is_audited(client: FlaskClient, rt: Runtime, flood: str) -> None:
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    allocate(client, "SEMBAKO")
    allocate(client, "LOGISTIK")
    response = client.get(f"{AID}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="aid-1001.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        ["agency", "village_code", "allocated", "notified", "collected", "expired", "refused", "double_prevented",
         "not_eligible", "not_in_registry"],
        ["BPBD", "33.24.15.1002", "0", "0", "0", "0", "4", "2", "2", "0"],
        ["DINSOS", "33.24.15.1002", "2", "2", "0", "0", "2", "0", "2", "0"],
    ]  # fmt: skip
    with rt.db.session() as session:
        export = session.scalars(select(AccessEvent).where(AccessEvent.action == "export")).one()
    assert export.username == "pusdalops" and "1001" in export.detail


def test_the_allocation_is_in_the_audit_trail_with_the_users_name(client: FlaskClient, rt: Runtime, flood: str) -> None:
    make_user(rt, "dinsos", "agency", "DINSOS")
    login(client, "dinsos")
    allocate(client, "SEMBAKO")
    with rt.db.session() as session:
        event = session.scalars(select(IncidentEvent).where(IncidentEvent.action == "allocated")).one()
    assert event.channel == "web" and event.detail.startswith("SEMBAKO (DINSOS, food) at Balai Desa Sukodono")
    assert event.username == "dinsos"  # needs allocate(..., username=) in gateway/aid/ledger.py (see the report)
    page = client.get("/incidents/1001").get_data(as_text=True)
    assert "<td>dinsos</td><td>SEMBAKO (DINSOS, food)" in page


def test_an_affected_upload_is_in_the_audit_trail_with_the_users_name(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "dinsos", "agency", "DINSOS")
    login(client, "dinsos")
    assert upload(client, f"{AID}/affected", "affected.csv", (DATA / "affected.csv").read_bytes())[0] == 200
    with rt.db.session() as session:
        event = session.scalars(select(IncidentEvent).where(IncidentEvent.action == "affected")).one()
    assert event.channel == "web" and event.detail.startswith("4 household(s) from CSV")
    assert event.username == "dinsos"  # needs add_affected(..., username=) in gateway/aid/ledger.py (see the report)


def test_allocating_before_any_household_is_affected_says_what_to_do_first(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    make_user(rt, "pusdalops", "coordinator")
    login(client, "pusdalops")
    page = allocate(client, "SEMBAKO")
    assert "kejadian ini belum punya KK terdampak. Unggah daftar KK terdampak dulu." in page
    with rt.db.session() as session:
        assert session.scalars(select(IncidentEvent).where(IncidentEvent.action == "allocated")).all() == []
