"""``gateway ussd``: the terminal simulator walks the real webhook in-process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli.ussd import ussd_command
from gateway.models import Incident
from gateway.runtime import Runtime
from tests.conftest import SECRET


def run(rt: Runtime, tmp_path: Path, keys: list[str]) -> str:
    env = {"DATABASE_URL": rt.settings.database_url, "REDIS_URL": "", "WEBHOOK_SECRET": SECRET,
           "GATEWAY_VAR_DIR": str(tmp_path / "var"), "SMS_FILE_PATH": str(tmp_path / "sim_sms.jsonl")}  # fmt: skip
    result = CliRunner().invoke(ussd_command, ["--phone", "081234567890"], input="".join(k + "\n" for k in keys),
                                env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_the_simulator_walks_a_report_to_its_incident_and_sms(rt: Runtime, tmp_path: Path) -> None:
    output = run(rt, tmp_path, ["1", "99", "1", "8", "suko", "1", "25", "2", "98", "1"])
    assert "| Lapor & Bantuan Bencana" in output
    assert "| 9 Kebakaran hutan/lahan" in output
    assert "| Terima kasih. Laporan banjir di Sukodono, Kec. Kendal diterima. No. laporan: 1001." in output
    assert ("SMS to +62********890 [sent]: Laporan banjir di Sukodono, Kec. Kendal diterima. No. laporan: 1001. "
            "Petugas akan menindaklanjuti.") in output  # fmt: skip
    with rt.db.session() as session:
        assert session.scalars(select(Incident.ref)).one() == "1001"


def test_the_simulator_hangs_up_when_input_ends(rt: Runtime, tmp_path: Path) -> None:
    output = run(rt, tmp_path, ["1", "77"])
    assert "| Pilihan salah." in output
    assert output.rstrip().endswith("(hung up)")


def test_the_simulator_switches_language(rt: Runtime, tmp_path: Path) -> None:
    output = run(rt, tmp_path, ["4", "2"])
    assert "| Language: English. Menus and SMS will use English." in output
