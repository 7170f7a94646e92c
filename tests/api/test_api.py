"""The JSON API as a district system uses it: bearer tokens, the incident list, one incident, its aid, OpenAPI."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from gateway.accounts.tokens import create_token, revoke_token
from gateway.api.openapi import OPENAPI
from gateway.models import ApiToken, Incident
from gateway.runtime import Runtime
from tests.conftest import exchange
from tests.test_aid import ANI_KK, BUDI_KK, load_registry, run_allocation
from tests.web.desk import REPORTER, reported_incident

ITEM_KEYS = {"ref", "hazard", "village_code", "district_code", "place", "status", "households", "people", "houses",
             "needs", "reports", "opened_at", "last_report_at", "dispatches"}  # fmt: skip
LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


def token(rt: Runtime, role: str = "viewer", agency: str | None = None, name: str = "opensid") -> str:
    with rt.db.session() as session:
        return create_token(session, name, role, agency, rt.rules.agencies)


def get(client: FlaskClient, path: str, bearer: str, **query: str) -> Any:
    return client.get(path, query_string=query or None, headers={"Authorization": f"Bearer {bearer}"})


def three_incidents(client: FlaskClient, rt: Runtime) -> None:
    """A flood at Sukodono (1001), a landslide at Blorok (1002), a flood at Cepiring (1003), in that order."""
    reported_incident(client, rt)
    exchange(client, rt, "LAPOR LONGSOR BLOROK 3 KK", sender="081234567891")
    exchange(client, rt, "LAPOR BANJIR CEPIRING 10 KK", sender="081234567892")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer gw_not-a-token", "Basic b3BlbnNpZDpzZWNyZXQ="])
def test_a_request_without_a_valid_token_gets_401_with_a_bearer_challenge(
    client: FlaskClient, rt: Runtime, header: str | None
) -> None:
    token(rt)
    headers = {"Authorization": header} if header is not None else {}
    for path in ("/api/v1/incidents", "/api/v1/incidents/1001", "/api/v1/incidents/1001/aid"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")
        assert "token" in response.get_json()["error"]


def test_a_revoked_token_gets_401(client: FlaskClient, rt: Runtime) -> None:
    bearer = token(rt)
    assert get(client, "/api/v1/incidents", bearer).status_code == 200
    with rt.db.session() as session:
        assert revoke_token(session, "opensid")
    response = get(client, "/api/v1/incidents", bearer)
    assert response.status_code == 401 and response.get_json() == {"error": "unknown or revoked token"}


def test_a_token_with_a_role_no_machine_may_have_gets_403(client: FlaskClient, rt: Runtime) -> None:
    bearer = token(rt)
    with rt.db.session() as session:  # a row edited by hand: a machine never reads as the coordinator desk
        session.execute(update(ApiToken).values(role="coordinator"))
    response = get(client, "/api/v1/incidents", bearer)
    assert response.status_code == 403 and "coordinator" in response.get_json()["error"]


def test_a_viewer_token_lists_an_incident_that_arrived_by_sms(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    answer = get(client, "/api/v1/incidents", token(rt)).get_json()
    assert (answer["total"], answer["limit"], answer["offset"], answer["next"]) == (1, 50, 0, None)
    [item] = answer["items"]
    assert set(item) == ITEM_KEYS
    assert (item["ref"], item["hazard"], item["village_code"], item["district_code"], item["status"]) == (
        "1001", "flood", "33.24.15.1002", "33.24.15", "reported")  # fmt: skip
    assert (item["households"], item["reports"], item["place"]) == (25, 1, "Sukodono, Kec. Kendal")
    assert LOCAL_TIME.match(item["opened_at"]) and LOCAL_TIME.match(item["last_report_at"])
    assert {"agency": "BPBD", "state": "alerted"} in item["dispatches"]


def test_the_list_filters_by_hazard_kecamatan_desa_and_status(client: FlaskClient, rt: Runtime) -> None:
    three_incidents(client, rt)
    bearer = token(rt)

    def refs(**query: str) -> list[str]:
        response = get(client, "/api/v1/incidents", bearer, **query)
        assert response.status_code == 200, response.get_json()
        return [item["ref"] for item in response.get_json()["items"]]

    assert refs() == ["1003", "1002", "1001"]
    assert refs(hazard="flood") == ["1003", "1001"]
    assert refs(district_code="33.24.09") == ["1002"]
    assert refs(village_code="33.24.15.1002") == ["1001"]
    assert refs(village_code="33.24.15.1002", hazard="landslide") == []
    assert refs(status="resolved") == [] and refs(status="all") == ["1003", "1002", "1001"]
    assert refs(sort="urgent") == ["1001", "1003", "1002"]  # all unanswered: the most households first


def test_paging_follows_the_next_link_to_the_last_page(client: FlaskClient, rt: Runtime) -> None:
    three_incidents(client, rt)
    bearer = token(rt)
    first = get(client, "/api/v1/incidents", bearer, limit="2", hazard="flood").get_json()
    assert [i["ref"] for i in first["items"]] == ["1003", "1001"] and first["total"] == 2 and first["next"] is None
    first = get(client, "/api/v1/incidents", bearer, limit="2").get_json()
    assert [i["ref"] for i in first["items"]] == ["1003", "1002"] and first["total"] == 3
    assert first["next"].startswith("http://localhost/api/v1/incidents?") and "offset=2" in first["next"]
    last = get(client, first["next"].removeprefix("http://localhost"), bearer).get_json()
    assert ([i["ref"] for i in last["items"]], last["offset"], last["limit"], last["next"]) == (["1001"], 2, 2, None)


def test_one_desa_is_listed_in_the_boards_orders_and_paged(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)  # 1001: a flood at Sukodono, 25 KK
    exchange(client, rt, "LAPOR LONGSOR SUKODONO 3 KK", sender="081234567891")  # 1002: a landslide there
    exchange(client, rt, "LAPOR LONGSOR BLOROK 40 KK", sender="081234567892")  # 1003: another desa
    bearer = token(rt)

    def page(**query: str) -> tuple[list[str], int, str | None]:
        answer = get(client, "/api/v1/incidents", bearer, village_code="33.24.15.1002", **query).get_json()
        return [item["ref"] for item in answer["items"]], answer["total"], answer["next"]

    assert page() == (["1002", "1001"], 2, None)
    assert page(sort="urgent") == (["1001", "1002"], 2, None)
    refs, total, following = page(limit="1")
    assert (refs, total) == (["1002"], 2) and following is not None and "village_code=33.24.15.1002" in following
    assert page(limit="1", offset="1") == (["1001"], 2, None)
    [item] = get(client, "/api/v1/incidents", bearer, village_code="33.24.15.1002", hazard="landslide").get_json()[
        "items"
    ]
    assert (item["ref"], item["reports"], item["dispatches"][0]["state"]) == ("1002", 1, "alerted")


@pytest.mark.parametrize(("query", "reason"), [
    ({"status": "closed"}, "status must be one of open, all, reported"),
    ({"hazard": "banjir"}, "hazard must be one of flood"),
    ({"district_code": "33.24.99"}, "no kecamatan '33.24.99'"),
    ({"village_code": "33.24.15.9999"}, "no desa '33.24.15.9999'"),
    ({"sort": "oldest"}, "sort must be one of newest, urgent"),
    ({"limit": "201"}, "limit must be a whole number from 1 to 200, not '201'"),
    ({"limit": "0"}, "limit must be a whole number from 1 to 200"),
    ({"offset": "-1"}, "offset must be a whole number 0 or more, not '-1'"),
    ({"page": "2"}, "unknown parameter 'page'"),
])  # fmt: skip
def test_a_bad_filter_gets_400_with_the_reason(
    client: FlaskClient, rt: Runtime, query: dict[str, str], reason: str
) -> None:
    response = get(client, "/api/v1/incidents", token(rt), **query)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]


def test_an_agency_token_sees_only_the_incidents_its_agency_was_dispatched_to(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)  # a flood at Sukodono: BPBD, DINSOS, TAGANA, not BAZNAS
    baznas, bpbd = token(rt, "agency", "BAZNAS", "baznas"), token(rt, "agency", "BPBD", "bpbd")
    assert get(client, "/api/v1/incidents", baznas).get_json()["items"] == []
    assert get(client, "/api/v1/incidents", baznas, village_code="33.24.15.1002").get_json()["total"] == 0
    for path in ("/api/v1/incidents/1001", "/api/v1/incidents/1001/aid"):
        response = get(client, path, baznas)
        assert response.status_code == 404 and response.get_json() == {"error": "no incident '1001'"}
        assert get(client, path, bpbd).status_code == 200
    assert [i["ref"] for i in get(client, "/api/v1/incidents", bpbd).get_json()["items"]] == ["1001"]


def test_one_incident_has_its_dispatches_and_trail_with_phones_masked(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    response = get(client, "/api/v1/incidents/1001", token(rt))
    assert response.status_code == 200
    incident = response.get_json()
    assert (incident["ref"], incident["reports"], incident["utc_offset"]) == ("1001", 1, "+07:00")
    assert LOCAL_TIME.match(incident["opened_at"]) and incident["opened_at"] == incident["created_at"]
    assert {(d["agency"], d["state"]) for d in incident["dispatches"]} >= {("BPBD", "alerted"), ("DINSOS", "alerted")}
    assert incident["trail"][0]["action"] == "created" and LOCAL_TIME.match(incident["trail"][0]["at"])
    assert incident["trail"][0]["by"] == "+62********890"
    assert REPORTER.removeprefix("0") not in response.get_data(as_text=True)
    assert get(client, "/api/v1/incidents/4242", token(rt, name="other")).status_code == 404


def test_the_aid_ledger_shows_each_agencys_allocations_and_doubles_prevented(client: FlaskClient, rt: Runtime) -> None:
    from gateway.aid.ledger import add_affected

    load_registry(rt.db)
    reported_incident(client, rt)
    with rt.db.session() as session:
        add_affected(session, session.scalars(select(Incident)).one(), [BUDI_KK, ANI_KK], source="csv")
    assert run_allocation(rt, "SEMBAKO")["allocated"] == 2
    assert run_allocation(rt, "LOGISTIK")["allocated"] == 0  # the same category: one door, no double food aid
    bpbd = token(rt, "agency", "BPBD", "bpbd")  # sees DINSOS's rows too: that is what the one door is for
    ledger = get(client, "/api/v1/incidents/1001/aid", bpbd).get_json()
    assert ledger["ref"] == "1001"
    rows = {(row["agency"], row["village_code"]): row for row in ledger["rows"]}
    assert rows["DINSOS", "33.24.15.1002"]["allocated"] == 2 and rows["DINSOS", "33.24.15.1002"]["notified"] == 2
    assert rows["BPBD", "33.24.15.1002"]["double_prevented"] == 2
    programs = {row["program"]: row for row in ledger["programs"]}
    assert (programs["SEMBAKO"]["agency"], programs["SEMBAKO"]["allocated"], programs["SEMBAKO"]["refused"]) == (
        "DINSOS", 2, 0)  # fmt: skip
    assert (programs["LOGISTIK"]["allocated"], programs["LOGISTIK"]["double_prevented"]) == (0, 2)


def test_a_token_records_when_it_was_last_used(client: FlaskClient, rt: Runtime) -> None:
    bearer = token(rt)
    with rt.db.session() as session:
        assert session.scalars(select(ApiToken.last_used_at)).one() is None
    get(client, "/api/v1/incidents", bearer)
    with rt.db.session() as session:
        assert session.scalars(select(ApiToken.last_used_at)).one() is not None


def test_the_openapi_document_is_public_and_documents_exactly_the_routes(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == OPENAPI
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}  # fmt: skip
    assert routes == set(OPENAPI["paths"])  # type: ignore[call-overload]
    text = response.get_data(as_text=True)
    schemas = OPENAPI["components"]["schemas"]  # type: ignore[index]
    assert {name for name in re.findall(r'"#/components/schemas/(\w+)"', text)} <= set(schemas)
    assert OPENAPI["openapi"] == "3.1.0"


def test_the_documented_item_is_the_item_the_list_answers(client: FlaskClient, rt: Runtime) -> None:
    reported_incident(client, rt)
    [item] = get(client, "/api/v1/incidents", token(rt)).get_json()["items"]
    schemas = OPENAPI["components"]["schemas"]  # type: ignore[index]
    assert set(schemas["IncidentItem"]["required"]) == set(item) == ITEM_KEYS
    incident = get(client, "/api/v1/incidents/1001", token(rt, name="other")).get_json()
    assert set(schemas["Incident"]["required"]) == set(incident)
    assert set(schemas["Dispatch"]["required"]) == set(incident["dispatches"][0])
    assert set(schemas["TrailEntry"]["required"]) == set(incident["trail"][0])


def test_an_unknown_api_path_answers_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/incident")
    assert response.status_code == 404 and response.json == {
        "error": "no endpoint /api/v1/incident; see /api/v1/openapi.json"
    }
    assert client.get("/no-such-page").mimetype == "text/html"
