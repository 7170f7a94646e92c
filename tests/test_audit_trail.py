"""An incident's whole audit trail, in the region's local time: reports to pickups, who, when, through which channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.aid.ledger import add_affected
from gateway.cli import cli
from gateway.incidents.labels import region_zone
from gateway.jobs.clock import run_escalations
from gateway.jobs.relay import Relay
from gateway.models import Incident
from gateway.runtime import Runtime
from tests.conftest import exchange, run_worker, sms_to

REGISTRY = """no_kk,nik,nama,hubungan,tanggal_lahir,jenis_kelamin,kode_desa,alamat,rt,rw,telepon,status
3324150101150001,3324150101800001,Budi Santoso,KEPALA KELUARGA,1980-01-01,L,33.24.15.1002,Jl. Mawar 1,001,002,081311110001,HIDUP
3324150101150002,3324150202700003,Joko Susilo,KEPALA KELUARGA,1970-02-02,L,33.24.15.1002,Jl. Melati 2,002,002,081311110002,MENINGGAL
3324150101150003,3324154303800004,Ani Lestari,KEPALA KELUARGA,1980-03-03,P,33.24.15.1002,Jl. Kenanga 3,003,002,081311110003,HIDUP
"""  # noqa: E501
ROSTER = """name,phone,agency,role,districts
Wati (Dinsos),081100000003,DINSOS,officer,
Budi (BPBD),081100000001,BPBD,officer,
Pusdalops desk,081100000006,PUSDALOPS,officer,
"""
PERSONAL = ("3324150101150001", "3324150101150002", "3324150101150003", "3324150101800001", "3324150202700003",
            "3324154303800004", "081100000003", "6281100000003", "081234567890", "6281234567890")  # fmt: skip
START = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 WIB


def gateway(rt: Runtime, tmp_path: Path, *args: str, region: str = "33.24") -> str:
    """Run the ``gateway`` command on the test's database, as an operator at the kabupaten would."""
    env = {"DATABASE_URL": rt.settings.database_url, "REDIS_URL": "", "GATEWAY_VAR_DIR": str(tmp_path / "cli"),
           "SMS_FILE_PATH": str(rt.settings.sms_file_path), "WEBHOOK_SECRET": rt.settings.webhook_secret,
           "GATEWAY_REGION": region}  # fmt: skip
    result = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def history(client: FlaskClient, rt: Runtime, tmp_path: Path) -> None:
    """A flood's life: reported twice, dispatched, escalated, acknowledged, victims listed, aid given and collected."""
    (tmp_path / "dtks.csv").write_text(REGISTRY)
    (tmp_path / "officers.csv").write_text(ROSTER)
    (tmp_path / "affected.csv").write_text("no_kk\n3324150101150002\n3324154303800004\n")
    with time_machine.travel(START, tick=False):
        gateway(rt, tmp_path, "import", "households", str(tmp_path / "dtks.csv"))
        gateway(rt, tmp_path, "import", "officers", str(tmp_path / "officers.csv"))
        exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK butuh makanan")
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        exchange(client, rt, "banjir sukodono 40 kk", sender="081200000009")
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        run_escalations(Relay(rt, runs_jobs=True))
        run_worker(rt)
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        exchange(client, rt, "OK 1001", sender="081100000003")
        exchange(client, rt, "KORBAN 1001 3324150101150001", sender="081100000003")
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        gateway(rt, tmp_path, "aid", "affected", "1001", str(tmp_path / "affected.csv"))
        gateway(rt, tmp_path, "aid", "allocate", "1001", "sembako", "--point", "Balai Desa Sukodono")
    code = sms_to(rt, "+6281311110001")[-1].split("Kode: ")[1].split(".")[0]
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        exchange(client, rt, f"AMBIL {code}", sender="081100000003")
        exchange(client, rt, f"AMBIL {code}", sender="081100000003")  # twice: refused, and kept
        exchange(client, rt, f"AMBIL {code}", sender="081100000001")  # BPBD does not hand out Dinsos aid


def test_the_trail_holds_every_step_in_wib_and_no_personal_number(rt: Runtime, tmp_path: Path, history: None) -> None:
    shown = gateway(rt, tmp_path, "incident", "1001")
    lines = shown.splitlines()
    assert lines[0] == "incident 1001: flood at Sukodono, Kec. Kendal, acknowledged; 40 KK. Needs: food."
    assert "audit trail (WIB, UTC+07:00):" in lines
    trail = lines[lines.index("audit trail (WIB, UTC+07:00):") + 1 :]
    expected = [
        "2026-11-23 10:00:00 created        via sms by +62********890 flood at Sukodono: 25 KK. Needs: food.",
        "2026-11-23 10:00:00 dispatched     via system DINSOS: banjir + butuh-makan (flood, moderate); alerted DINSOS "
        "officer #1",
        "2026-11-23 10:00:00 dispatched     via system TAGANA: banjir (flood, moderate); alerted nobody registered",
        "2026-11-23 10:05:00 report_joined  via sms by +62********009 flood at Sukodono: 40 KK.",
        "2026-11-23 10:16:00 escalated      via system BPBD level 1 (supervisors) to PUSDALOPS officer #3",
        "2026-11-23 10:20:00 acknowledged   via sms by +62********003 DINSOS [Wati (Dinsos), DINSOS officer #1]",
        "2026-11-23 10:20:00 affected       via sms by +62********003 1 household(s) from SMS KORBAN: "
        "3324********0001; 0 already listed, 0 not in the registry [Wati (Dinsos), DINSOS officer #1]",
        "2026-11-23 10:30:00 affected       via cli 2 household(s) from CSV (gateway aid affected): 3324********0002, "
        "3324********0003; 0 already listed, 0 not in the registry",
        "2026-11-23 10:30:00 allocated      via cli SEMBAKO (DINSOS, food) at Balai Desa Sukodono from "
        "2026-11-23 10:30 WIB for 3 days: 2 allocated, 2 notified, 0 without a phone; refused: 1 not_eligible",
        "2026-11-23 12:00:00 redeemed       via sms by +62********003 SEMBAKO (DINSOS) for KK 3324********0001 "
        "[Wati (Dinsos), DINSOS officer #1]",
        "2026-11-23 12:00:00 redeem_refused via sms by +62********003 SEMBAKO (DINSOS) for KK 3324********0001: twice "
        "[Wati (Dinsos), DINSOS officer #1]",
        "2026-11-23 12:00:00 redeem_refused via sms by +62********001 SEMBAKO (DINSOS) for KK 3324********0001: "
        "wrong_agency [Budi (BPBD), BPBD officer #2]",
    ]
    for line in expected:
        assert any(t.strip().startswith(line) for t in trail), f"{line}\n---\n" + "\n".join(trail)
    assert not any(number in shown for number in PERSONAL)


def test_the_trail_speaks_the_regions_local_time(rt: Runtime, tmp_path: Path, history: None) -> None:
    shown = gateway(rt, tmp_path, "incident", "1001", region="51.71")  # the same records, read in Bali
    assert "audit trail (WITA, UTC+08:00):" in shown
    assert "2026-11-23 11:00:00 created" in shown


def test_incident_json_is_one_object_for_machines(rt: Runtime, tmp_path: Path, history: None) -> None:
    record = json.loads(gateway(rt, tmp_path, "incident", "1001", "--json"))
    assert (record["ref"], record["status"], record["hazard"], record["households"]) == ("1001", "acknowledged",
                                                                                          "flood", 40)  # fmt: skip
    assert (record["zone"], record["utc_offset"]) == ("WIB", "+07:00")
    assert record["created_at"] == "2026-11-23T10:00:00+07:00"
    dinsos = next(d for d in record["dispatches"] if d["agency"] == "DINSOS")
    assert (dinsos["acknowledged_at"], dinsos["acknowledged_by"]) == ("2026-11-23T10:20:00+07:00", 1)
    actions = [entry["action"] for entry in record["trail"]]
    for action in ("created", "dispatched", "report_joined", "escalated", "acknowledged", "affected", "allocated",
                   "redeemed", "redeem_refused"):  # fmt: skip
        assert action in actions
    korban = next(e for e in record["trail"] if e["action"] == "affected")
    assert korban == {"at": "2026-11-23T10:20:00+07:00", "action": "affected", "channel": "sms",
                      "by": "+62********003", "officer_id": 1, "officer": "Wati (Dinsos), DINSOS officer #1",
                      "user": None,
                      "detail": "1 household(s) from SMS KORBAN: 3324********0001; 0 already listed, "
                                "0 not in the registry"}  # fmt: skip
    assert not any(number in json.dumps(record) for number in PERSONAL)


def test_a_registered_reporters_household_is_listed_once_with_its_source(
    client: FlaskClient, rt: Runtime, tmp_path: Path
) -> None:
    (tmp_path / "dtks.csv").write_text(REGISTRY)
    gateway(rt, tmp_path, "import", "households", str(tmp_path / "dtks.csv"))
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK")
    with rt.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        for _ in range(2):  # every report of a registered reporter names the household again
            add_affected(session, incident, ["3324150101150001"], source="registration", channel="ussd",
                         phone="+6281311110001")  # fmt: skip
    affected = [line for line in gateway(rt, tmp_path, "incident", "1001").splitlines() if " affected " in line]
    assert len(affected) == 1
    assert affected[0].endswith("affected       via ussd by +62********001 1 household(s) from a reporter registered "
                                "with DAFTAR: 3324********0001; 0 already listed, 0 not in the registry")  # fmt: skip


@pytest.mark.parametrize(
    ("region", "zone", "offset"),
    [("33.24", "WIB", "+07:00"), ("11.71", "WIB", "+07:00"), ("21.71", "WIB", "+07:00"), ("36.03", "WIB", "+07:00"),
     ("61.71", "WIB", "+07:00"), ("62.71", "WIB", "+07:00"), ("51.71", "WITA", "+08:00"), ("53.71", "WITA", "+08:00"),
     ("63.71", "WITA", "+08:00"), ("64.72", "WITA", "+08:00"), ("65.01", "WITA", "+08:00"), ("73.71", "WITA", "+08:00"),
     ("76.01", "WITA", "+08:00"), ("81.71", "WIT", "+09:00"), ("82.71", "WIT", "+09:00"), ("91.71", "WIT", "+09:00"),
     ("96.71", "WIT", "+09:00")],
)  # fmt: skip
def test_the_local_zone_comes_from_the_province_code(region: str, zone: str, offset: str) -> None:
    local = region_zone(region)
    assert (local.name, local.offset) == (zone, offset)
    assert local.show(START) == {"WIB": "2026-11-23 10:00 WIB", "WITA": "2026-11-23 11:00 WITA",
                                 "WIT": "2026-11-23 12:00 WIT"}[zone]  # fmt: skip


@pytest.mark.parametrize("region", ["99.01", "00.00", "41.01"])
def test_a_code_of_no_province_has_no_zone(region: str) -> None:
    with pytest.raises(ValueError, match="no Indonesian province"):
        region_zone(region)
