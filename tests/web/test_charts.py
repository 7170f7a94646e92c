"""The desk's charts: the SVG drawing on plain data, and the /charts page after real SMS reports, by role."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.aid.ledger import add_affected, allocate
from gateway.bar_charts import Column, Row, Series, column_chart, nice_top, row_chart
from gateway.jobs.relay import Relay
from gateway.models import Allocation, Household, Incident
from gateway.runtime import Runtime
from tests.conftest import exchange, run_worker
from tests.test_aid import ANI_KK, BUDI_KK, DEDI_KK, load_registry
from tests.web.desk import login, make_user, reported_incident

ONE = [Series("open incidents", "#0b5cad")]
# 10:10 WIB on a Monday; the other moments of these tests are counted from it.
MORNING = datetime(2026, 3, 2, 3, 10, tzinfo=UTC)


def bars(svg: str) -> list[tuple[int, float, float]]:
    """Each bar's (data-value, width, height) as drawn."""
    found = re.findall(r'<rect class="bar" data-value="(\d+)" x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="([\d.]+)"',
                       svg)  # fmt: skip
    return [(int(value), float(width), float(height)) for value, width, height in found]


def counts(page: str, section: str) -> dict[str, int]:
    """The numbers a section's table shows: first cell to the last number of its row."""
    part = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return {
        re.sub(r"<[^>]+>", "", first).strip(): int(last)
        for first, last in re.findall(r"<tr[^>]*><td>(.*?)</td>.*?<td class=\"num\">(\d+)</td></tr>", part, re.S)
    }


def total(page: str) -> int:
    found = re.search(r'<strong class="total">(\d+)</strong>', page)
    assert found, "no total of reports on the page"
    return int(found.group(1))


def report_at(client: FlaskClient, rt: Runtime, moment: datetime, text: str, sender: str = "081234567891") -> None:
    with time_machine.travel(moment, tick=False):
        exchange(client, rt, text, sender=sender)


def charts(client: FlaskClient, moment: datetime, query: str = "") -> str:
    with time_machine.travel(moment, tick=False):
        response = client.get(f"/charts{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# ---- the drawing ------------------------------------------------------------------------------------------


def test_column_heights_are_proportional_to_their_values() -> None:
    svg = column_chart([Column("a", 10, "00"), Column("b", 5), Column("c", 0)], "Reports", "15 reports", "none")
    (ten, _, high), (five, _, low), (zero, _, none) = bars(svg)
    assert (ten, five, zero) == (10, 5, 0)
    assert high == pytest.approx(2 * low) and none == 0 and high > 0


def test_row_widths_are_proportional_and_parts_add_up() -> None:
    svg = row_chart([Row("Kendal", (8,)), Row("Weleri", (2,))], ONE, "By kecamatan", "10 open", "none")
    (_, wide, _), (_, narrow, _) = bars(svg)
    assert wide == pytest.approx(4 * narrow)
    two = [Series("collected", "#1e7b34"), Series("waiting", "#9ec5ee")]
    stacked = bars(row_chart([Row("SEMBAKO", (1, 3), "1/4")], two, "Aid", "1 of 4", "none"))
    assert [value for value, _, _ in stacked] == [1, 3]
    assert stacked[1][1] == pytest.approx(3 * stacked[0][1])


@pytest.mark.parametrize("chart", [
    lambda: column_chart([], "Reports", "0 reports", "Belum ada data"),
    lambda: column_chart([Column("a", 0), Column("b", 0)], "Reports", "0 reports", "Belum ada data"),
    lambda: row_chart([], ONE, "By hazard", "0 open", "Belum ada data"),
    lambda: row_chart([Row("SEMBAKO", (0, 0))], ONE, "Aid", "0 of 0", "Belum ada data"),
])  # fmt: skip
def test_a_chart_without_data_says_so_instead_of_dividing_by_zero(chart: object) -> None:
    assert callable(chart)
    svg = chart()
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert ">Belum ada data</text>" in svg and 'class="bar"' not in svg


def test_hostile_labels_are_shown_as_text_not_run() -> None:
    hostile = '<script>alert("x")</script>'
    drawn = [
        row_chart([Row(hostile, (3,), note=hostile)], [Series(hostile, "#000")], hostile, hostile, hostile),
        column_chart([Column(hostile, 2, hostile)], hostile, hostile, hostile),
        column_chart([], hostile, hostile, hostile),
    ]
    for svg in drawn:
        assert "<script" not in svg and "&lt;script&gt;" in svg


def test_every_chart_is_named_for_a_screen_reader() -> None:
    svg = row_chart([Row("banjir", (2,))], ONE, "Open incidents by hazard", "2 open incidents", "none")
    assert 'role="img"' in svg and 'aria-label="Open incidents by hazard"' in svg
    assert "<title>Open incidents by hazard</title><desc>2 open incidents</desc>" in svg


@pytest.mark.parametrize(
    ("highest", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (21, 25), (26, 50), (101, 200)]
)
def test_the_axis_ends_at_a_round_number(highest: int, top: int) -> None:
    assert nice_top(highest) == top


# ---- the page ---------------------------------------------------------------------------------------------


def test_the_charts_need_a_login(client: FlaskClient) -> None:
    response = client.get("/charts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_reports_are_counted_per_local_hour_over_the_chosen_days(client: FlaskClient, rt: Runtime) -> None:
    with time_machine.travel(MORNING, tick=False):
        reported_incident(client, rt)  # 10:10 WIB
    report_at(client, rt, MORNING + timedelta(minutes=30), "LAPOR BANJIR SUKODONO 30 KK")  # 10:40 WIB, same hour
    report_at(client, rt, MORNING - timedelta(hours=4), "LAPOR KEBAKARAN PENYANGKRINGAN 3 KK")  # 23:10 UTC: 06:10 WIB
    report_at(client, rt, MORNING - timedelta(days=5), "LAPOR LONGSOR SIDOMUKTI 2 KK", sender="081234567892")
    make_user(rt, "pusdalops", "coordinator")
    later = MORNING + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        login(client, "pusdalops")
    page = charts(client, later)
    assert counts(page, "reports-per-hour") == {"2026-03-02 10:00": 2, "2026-03-02 06:00": 1}
    assert total(page) == 3 and "Laporan per jam, 3 hari terakhir (WIB)" in page
    hourly = page.split('id="reports-per-hour"')[1].split("</svg>")[0]
    assert re.findall(r'text-anchor="middle">([^<]+)</text>', hourly) == [
        "12", "18", "28/02", "06", "12", "18", "01/03", "06", "12", "18", "02/03", "06"
    ]  # fmt: skip
    assert len(bars(hourly)) == 3 * 24
    fortnight = charts(client, later, "?days=14").split('id="reports-per-hour"')[1].split("</svg>")[0]
    assert re.findall(r'text-anchor="middle">([^<]+)</text>', fortnight) == [
        "17/02", "19/02", "21/02", "23/02", "25/02", "27/02", "01/03"
    ]  # every other day and no hours, so the labels stay apart on a phone  # fmt: skip
    week = charts(client, later, "?days=7")
    assert total(week) == 4 and counts(week, "reports-per-hour")["2026-02-25 10:00"] == 1


def test_open_incidents_are_counted_by_hazard_and_kecamatan(client: FlaskClient, rt: Runtime) -> None:
    with time_machine.travel(MORNING, tick=False):
        reported_incident(client, rt)
    report_at(client, rt, MORNING, "LAPOR KEBAKARAN PENYANGKRINGAN 3 KK")
    report_at(client, rt, MORNING, "LAPOR BANJIR SIDOMUKTI 4 KK", sender="081234567892")
    make_user(rt, "viewer", "viewer")
    with time_machine.travel(MORNING, tick=False):
        login(client, "viewer")
    page = charts(client, MORNING)
    assert counts(page, "open-by-hazard") == {"banjir": 2, "kebakaran": 1}
    assert counts(page, "open-by-kecamatan") == {"Weleri": 2, "Kendal": 1}
    assert 'data-value="2"' in page.split('id="open-by-hazard"')[1].split("</svg>")[0]


def test_an_agency_users_charts_leave_out_incidents_it_was_not_sent_to(client: FlaskClient, rt: Runtime) -> None:
    with time_machine.travel(MORNING, tick=False):
        reported_incident(client, rt)  # a flood: BPBD, DINSOS, TAGANA
    report_at(client, rt, MORNING, "LAPOR KEBAKARAN PENYANGKRINGAN 3 KK")  # a fire: BPBD, DINSOS, BAZNAS
    make_user(rt, "tagana", "agency", "TAGANA")
    make_user(rt, "bpbd", "agency", "BPBD")
    with time_machine.travel(MORNING, tick=False):
        login(client, "tagana")
    page = charts(client, MORNING)
    assert total(page) == 1 and counts(page, "open-by-hazard") == {"banjir": 1}
    assert counts(page, "open-by-kecamatan") == {"Kendal": 1}
    client.post("/logout", data={"csrf_token": re.findall(r'name="csrf_token" value="([^"]+)"', page)[0]})
    with time_machine.travel(MORNING, tick=False):
        login(client, "bpbd")
    both = charts(client, MORNING)
    assert total(both) == 2 and counts(both, "open-by-hazard") == {"banjir": 1, "kebakaran": 1}


def allocated_and_one_collected(client: FlaskClient, rt: Runtime) -> None:
    """A flood at Sukodono, four affected households, SEMBAKO allocated to the two eligible, one collected."""
    load_registry(rt.db)
    reported_incident(client, rt)
    with rt.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        add_affected(session, incident, [BUDI_KK, "3324150202700003", ANI_KK, DEDI_KK], source="csv")
        result = allocate(session, rt.settings, incident, rt.programs["SEMBAKO"], "Balai Desa", MORNING)
    Relay(rt, runs_jobs=True).hand_off(result.jobs)
    run_worker(rt)
    with rt.db.session() as session:
        code = session.scalars(select(Allocation.code).join(Household, Household.id == Allocation.household_id)
                               .where(Household.kk == BUDI_KK)).one()  # fmt: skip
    exchange(client, rt, f"AMBIL {code}", sender="081100000003")  # Wati of Dinsos hands it over


def test_aid_collected_against_allocated_per_program(client: FlaskClient, rt: Runtime) -> None:
    with time_machine.travel(MORNING, tick=False):
        allocated_and_one_collected(client, rt)
        make_user(rt, "pusdalops", "coordinator")
        login(client, "pusdalops")
    page = charts(client, MORNING)
    row = re.search(r'<tr data-program="SEMBAKO"><td>SEMBAKO</td><td>DINSOS</td>((?:\s*<td class="num">\d+</td>)+)',
                    page)  # fmt: skip
    assert row and re.findall(r"\d+", row.group(1)) == ["2", "1", "0", "1"]  # allocated, collected, expired, waiting
    assert ">1/2</text>" in page and "1 dari 2 alokasi sudah diambil" in page
    assert "1/2" in charts(client, MORNING, "?aid=open")


def test_an_agency_not_sent_to_the_incident_sees_no_aid(client: FlaskClient, rt: Runtime) -> None:
    with time_machine.travel(MORNING, tick=False):
        allocated_and_one_collected(client, rt)
        make_user(rt, "baznas", "agency", "BAZNAS")
        login(client, "baznas")
    page = charts(client, MORNING)
    aid = page.split('id="aid-per-program"')[1]
    assert "SEMBAKO" not in aid and ">Belum ada data</text>" in aid and total(page) == 0


@pytest.mark.parametrize("query", ["?days=0", "?days=15", "?days=tiga", "?aid=semua"])
def test_a_bad_choice_gets_a_400_that_says_why(client: FlaskClient, rt: Runtime, query: str) -> None:
    make_user(rt, "viewer", "viewer")
    login(client, "viewer")
    response = client.get(f"/charts{query}")
    assert response.status_code == 400
    assert ("days harus bilangan bulat 1 sampai 14" if "days" in query else "aid harus") in response.get_data(
        as_text=True
    )


def test_in_english_the_charts_speak_english(client: FlaskClient, rt: Runtime) -> None:
    make_user(rt, "viewer", "viewer")
    login(client, "viewer")
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/charts?days=1").get_data(as_text=True)
    assert "Reports per hour, last 1 days (WIB)" in page and ">No data yet</text>" in page
