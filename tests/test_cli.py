"""The gateway command as an operator uses it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from gateway.cli import cli
from gateway.config import load_settings
from gateway.db import Database
from gateway.models import InboundMessage
from tests.conftest import REDIS_URL


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"GATEWAY_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'g.db'}",
            "REDIS_URL": "", "WEBHOOK_SECRET": ""}  # fmt: skip


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_init_creates_the_database_and_the_secret(env: dict[str, str], tmp_path: Path) -> None:
    result = run(env, "init")
    assert result.exit_code == 0, result.output
    assert "database ready: sqlite:///" in result.output
    assert (tmp_path / "var" / "g.db").exists()
    assert len((tmp_path / "var" / "webhook_secret").read_text().strip()) >= 16


def test_simulate_sends_through_the_webhook_and_prints_the_reply(env: dict[str, str], tmp_path: Path) -> None:
    result = run(env, "simulate", "sms", "--from", "081234567890", "LAPOR BANJIR SUKODONO 25 KK")
    assert result.exit_code == 0, result.output
    assert "webhook answered 200" in result.output
    assert "reply to +62********890 [sent, 1 segment(s), GSM-7]:" in result.output  # phones masked, output is shared
    assert "6281234567890" not in result.output
    assert "No. laporan: 1001." in result.output
    [line] = (tmp_path / "var" / "sent_sms.jsonl").read_text().splitlines()
    assert json.loads(line)["to"] == "+6281234567890"


def test_simulate_reports_a_bad_number_as_the_webhook_does(env: dict[str, str]) -> None:
    result = CliRunner(env=env).invoke(cli, ["simulate", "sms", "--from", "12", "LAPOR"])
    assert result.exit_code == 1
    assert "webhook answered 400: bad request: 'from' is not a valid phone number" in result.output


def test_parse_prints_the_contract_as_json(env: dict[str, str]) -> None:
    result = run(env, "parse", "--json", "LAPOR BANJIR SUKODONO 25 KK")
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert list(parsed) == ["intent", "hazard", "village_code", "district_code", "candidates", "households",
                            "people", "houses", "needs", "ref", "code"]  # fmt: skip
    assert (parsed["intent"], parsed["hazard"], parsed["village_code"], parsed["households"]) == (
        "report",
        "flood",
        "33.24.15.1002",
        25,
    )


def test_parse_reads_one_message_per_line_of_standard_input(env: dict[str, str]) -> None:
    result = run(env, "parse", "--json", stdin="OK 1042\nAMBIL k7-p2\nterima kasih\n")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["intent"] for line in lines][:2] == ["ack", "redeem"]
    assert lines[0]["ref"] == "1042"
    assert lines[2]["intent"] != "ack"


@pytest.mark.parametrize(
    ("name", "value"),
    [("SMS_BACKEND", "pigeon"), ("DEFAULT_LANGUAGE", "fr"), ("GATEWAY_REGION", "Kendal"),
     ("SMS_MAX_ATTEMPTS", "many"), ("DATABASE_URL", "mysql://x"), ("WEBHOOK_SECRET", "short")],
)  # fmt: skip
def test_a_bad_setting_stops_the_command_naming_the_variable(env: dict[str, str], name: str, value: str) -> None:
    result = CliRunner(env={**env, name: value}).invoke(cli, ["init"])
    assert result.exit_code != 0
    assert name in result.output


def test_the_worker_says_it_needs_redis(env: dict[str, str]) -> None:
    result = CliRunner(env=env).invoke(cli, ["worker", "--burst"])
    assert result.exit_code != 0
    assert "gateway worker needs REDIS_URL" in result.output


def test_a_burst_worker_processes_what_the_webhook_queued(env: dict[str, str], tmp_path: Path, redis: object) -> None:
    env = {**env, "REDIS_URL": REDIS_URL}
    assert run(env, "init").exit_code == 0
    result = run(env, "simulate", "sms", "--from", "081234567890", "--timeout", "0.3", "LAPOR BANJIR SUKODONO 25 KK")
    assert "is `gateway worker` running?" in result.output
    assert run(env, "worker", "--burst").exit_code == 0
    assert run(env, "worker", "--burst").exit_code == 0
    [line] = (tmp_path / "var" / "sent_sms.jsonl").read_text().splitlines()
    assert "No. laporan: 1001." in json.loads(line)["text"]
    database = Database(load_settings(env=env).database_url)
    with database.session() as session:
        assert session.scalars(select(InboundMessage.processed_at)).one() is not None
    database.dispose()


ROSTER = """name,phone,agency,role,districts
Budi,081100000001,BPBD,officer,33.24.15
Wati,081100000003,dinsos,Officer,
Kepala,081100000005,BPBD,supervisor,33.24.15 33.24.12
Desk,081100000006,PUSDALOPS,officer,
"""


def test_import_officers_adds_then_updates(env: dict[str, str], tmp_path: Path) -> None:
    roster = tmp_path / "officers.csv"
    roster.write_text(ROSTER)
    assert run(env, "init").exit_code == 0
    result = run(env, "import", "officers", str(roster))
    assert result.exit_code == 0, result.output
    assert "officers: 4 added, 0 updated, 0 unchanged" in result.output
    roster.write_text(ROSTER.replace("Budi,", "Budi Santoso,"))
    assert "officers: 0 added, 1 updated, 3 unchanged" in run(env, "import", "officers", str(roster)).output


def test_import_officers_names_every_bad_line_and_imports_nothing(env: dict[str, str], tmp_path: Path) -> None:
    roster = tmp_path / "officers.csv"
    roster.write_text(
        ROSTER + "Ani,12,BPBD,officer,\nEko,081100000009,POLISI,boss,33.99.01\nBudi,081100000001,BPBD,officer,\n"
    )
    assert run(env, "init").exit_code == 0
    result = CliRunner(env=env).invoke(cli, ["import", "officers", str(roster)])
    assert result.exit_code != 0
    assert "line 6: phone '12' is not a valid phone number" in result.output
    assert "line 7: agency 'POLISI' is not one of" in result.output
    assert "role 'boss' must be officer or supervisor; unknown kecamatan code(s) 33.99.01" in result.output
    assert "line 8: same phone and agency as line 2" in result.output
    assert "3 bad row(s); nothing was imported" in result.output
    database = Database(load_settings(env=env).database_url)
    with database.session() as session:
        from gateway.models import Officer

        assert session.scalars(select(Officer)).all() == []
    database.dispose()


def test_import_officers_checks_the_header(env: dict[str, str], tmp_path: Path) -> None:
    roster = tmp_path / "officers.csv"
    roster.write_text("nama,hp\nBudi,0811\n")
    result = CliRunner(env=env).invoke(cli, ["import", "officers", str(roster)])
    assert "line 1: the header must be name,phone,agency,role,districts; found nama,hp" in result.output


def test_incidents_and_incident_show_what_happened(env: dict[str, str], tmp_path: Path) -> None:
    roster = tmp_path / "officers.csv"
    roster.write_text(ROSTER)
    assert run(env, "import", "officers", str(roster)).exit_code == 0
    assert run(env, "simulate", "sms", "--from", "081234567890", "LAPOR BANJIR SUKODONO 25 KK").exit_code == 0
    assert run(env, "simulate", "sms", "--from", "081100000001", "OK 1001").exit_code == 0
    listing = run(env, "incidents").output
    assert "1001 acknowledged" in listing and "Sukodono, Kec. Kendal" in listing and "BPBD+ DINSOS TAGANA" in listing
    shown = run(env, "incident", "1001").output
    assert "created        via sms by +62********890" in shown
    assert "acknowledged   via sms by +62********001 BPBD" in shown
    assert "081234567890" not in shown and "+6281234567890" not in shown
    assert "no incident with reference '42'" in CliRunner(env=env).invoke(cli, ["incident", "42"]).output


REGISTRY_CSV = """no_kk,nik,nama,hubungan,tanggal_lahir,jenis_kelamin,kode_desa,alamat,rt,rw,telepon,status
3324150101150001,3324150101800001,Budi Santoso,KEPALA KELUARGA,1980-01-01,L,33.24.15.1002,Jl. Mawar 1,001,002,081311110001,HIDUP
3324150101150002,3324150202700003,Joko Susilo,KEPALA KELUARGA,1970-02-02,L,33.24.15.1002,Jl. Melati 2,002,002,,MENINGGAL
3324150101150005,12345,Salah NIK,KEPALA KELUARGA,1990-01-01,L,33.24.15.1002,Jl. X,001,001,,HIDUP
"""  # noqa: E501


def test_the_aid_commands_take_a_coordinator_from_registry_to_report(env: dict[str, str], tmp_path: Path) -> None:
    registry, roster, affected = tmp_path / "dtks.csv", tmp_path / "officers.csv", tmp_path / "affected.csv"
    registry.write_text(REGISTRY_CSV)
    roster.write_text(ROSTER)
    affected.write_text("no_kk\n3324150101150001\n3324150101150002\n12345\n")
    imported = CliRunner(env=env).invoke(cli, ["import", "households", str(registry)])
    assert imported.exit_code == 0, imported.output
    assert "line 4:" in imported.output and "read 3 rows: 2 valid, 1 invalid (left out)" in imported.output
    assert "households: 2 added, 0 updated" in imported.output
    assert "SEMBAKO      DINSOS   food      1 paket sembako" in run(env, "aid", "programs").output
    assert run(env, "import", "officers", str(roster)).exit_code == 0
    assert run(env, "simulate", "sms", "--from", "081234567890", "LAPOR BANJIR SUKODONO 25 KK").exit_code == 0
    early = CliRunner(env=env).invoke(cli, ["aid", "allocate", "1001", "sembako", "--point", "Balai Desa Sukodono"])
    assert early.exit_code == 1 and "incident 1001 has no affected households yet" in early.output
    marked = CliRunner(env=env).invoke(cli, ["aid", "affected", "1001", str(affected)])
    assert "line 4: '12345' is not a 16-digit KK or NIK; left out" in marked.output
    assert "incident 1001: 2 households added, 0 already listed, 0 not in the registry" in marked.output
    allocated = run(env, "aid", "allocate", "1001", "sembako", "--point", "Balai Desa Sukodono")
    assert (
        "SEMBAKO for incident 1001: 1 allocated, 1 pickup SMS queued, 0 without a phone; refused: 1 not eligible"
        in allocated.output
    )
    too_long = CliRunner(env=env).invoke(cli, ["aid", "allocate", "1001", "NFI", "--point", "x" * 31])
    assert too_long.exit_code != 0 and "--point must be at most 30 characters" in too_long.output
    notice = json.loads((tmp_path / "var" / "sent_sms.jsonl").read_text().splitlines()[-1])
    code = notice["text"].split("Kode: ")[1].split(".")[0]
    redeemed = CliRunner(env=env).invoke(cli, ["aid", "redeem", code, "--officer", "081100000003"])
    assert redeemed.exit_code == 0 and f"Code {code} VALID: 1 paket sembako" in redeemed.output
    again = CliRunner(env=env).invoke(cli, ["aid", "redeem", code, "--officer", "081100000003"])
    assert again.exit_code == 1 and "ALREADY COLLECTED" in again.output
    report = run(env, "aid", "report", "1001", "--csv", str(tmp_path / "report.csv"))
    assert "DINSOS   Sukodono" in report.output
    [row] = list(csv.DictReader((tmp_path / "report.csv").read_text().splitlines()))
    assert (row["agency"], row["allocated"], row["collected"], row["not_eligible"]) == ("DINSOS", "1", "1", "1")
