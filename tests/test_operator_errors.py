"""What an operator gets wrong, as testers met it, replayed through the real CLI, gunicorn or webhook: each stops
with one line that names what to fix (a variable, a URL, a file and its line) and never a secret or a password."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

import gateway.config
from gateway import create_app
from gateway.cli import cli
from gateway.config import ConfigError, load_settings
from gateway.db import Database
from gateway.models import InboundMessage, Officer, Person
from gateway.runtime import Runtime
from gateway.sms.templates import render
from tests.conftest import POSTGRES_URL, post_sms, run_worker, sms_to
from tests.faults.processes import free_port

BIN = Path(sys.executable).parent
SECRET = "operator-secret-0123456789"
REGISTRY_HEADER = "no_kk,nik,nama,hubungan,tanggal_lahir,jenis_kelamin,kode_desa,alamat,rt,rw,telepon,status"
# Every variable gateway/config.py reads, cleared so that the environment of the test run cannot leak in.
VARIABLES = sorted(set(re.findall(r'env_\w+\(env, "([A-Z_]+)"', Path(gateway.config.__file__).read_text())))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**dict.fromkeys(VARIABLES, ""), "GATEWAY_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'g.db'}", "WEBHOOK_SECRET": SECRET}  # fmt: skip


def invoke(env: dict[str, str], *args: str, stdin: str = "") -> Result:
    return CliRunner(env=env).invoke(cli, list(args), input=stdin)


def error_line(result: Result) -> str:
    """The one line a failed command printed last, checked to be no traceback."""
    assert result.exit_code not in (0, None), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output.strip().splitlines()[-1]


def run_process(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one of this environment's console scripts as its own process, as an operator would."""
    return subprocess.run([str(BIN / args[0]), *args[1:]], env={**os.environ, **env}, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120, check=False)  # fmt: skip


# 1. A gateway out of reach: the URL named, the secret and the phone never shown.


@pytest.mark.parametrize(
    "args",
    [["simulate", "sms", "--from", "081234567890", "LAPOR BANJIR SUKODONO 25 KK"], ["ussd", "--phone", "081234567890"]],
)
def test_a_gateway_out_of_reach_is_one_line_naming_the_url_and_never_the_secret(
    env: dict[str, str], args: list[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = run_process(["gateway", *args, "--url", url], env)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"Error: cannot reach {url}: connection refused"]
    for secret in (SECRET, "081234567890", "6281234567890"):
        assert secret not in done.stdout + done.stderr


def test_a_url_that_is_no_http_address_is_refused_before_anything_is_sent(env: dict[str, str]) -> None:
    result = invoke(env, "simulate", "sms", "--from", "081234567890", "--url", "127.0.0.1:8000", "LAPOR")
    assert error_line(result) == "Error: Invalid value for '--url': must look like http://127.0.0.1:8000"


def test_the_ussd_simulator_masks_the_callers_phone(env: dict[str, str]) -> None:
    result = invoke(env, "ussd", "--phone", "081234567890")
    assert result.exit_code == 0, result.output
    assert "dialling *123# as +62********890" in result.output
    assert "081234567890" not in result.output and "6281234567890" not in result.output


def test_an_unknown_officer_is_named_by_a_masked_phone(env: dict[str, str]) -> None:
    line = error_line(invoke(env, "aid", "redeem", "K7P-X4W3", "--officer", "081299990000"))
    assert line == "Error: +62********000 is not a registered officer"


# 2-4 and the README's promise: a bad value stops every command at start, naming the variable.

REGION_ERROR = "GATEWAY_REGION: '99.99' is not a Kemendagri kabupaten/kota code (for example 33.24)"
AT_ERROR = "SMS_BACKEND=africastalking needs AT_USERNAME and AT_API_KEY; AT_USERNAME and AT_API_KEY are not set"
COMMANDS = [["init"], ["db", "upgrade"], ["serve", "--port", "1"], ["worker", "--burst"], ["relay", "--once"],
            ["simulate", "sms", "--from", "081234567890", "LAPOR"], ["ussd", "--phone", "081234567890"],
            ["parse", "LAPOR"], ["incidents"], ["aid", "programs"]]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("setting", "message"), [({"GATEWAY_REGION": "99.99"}, REGION_ERROR), ({"SMS_BACKEND": "africastalking"}, AT_ERROR)]
)
def test_an_unknown_region_or_missing_credentials_stop_every_command(
    env: dict[str, str], command: list[str], setting: dict[str, str], message: str
) -> None:
    assert error_line(invoke({**env, **setting}, *command)) == f"Error: {message}"


@pytest.mark.parametrize(
    ("setting", "message"), [({"GATEWAY_REGION": "99.99"}, REGION_ERROR), ({"SMS_BACKEND": "africastalking"}, AT_ERROR)]
)
def test_create_app_refuses_them_too(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, setting: dict[str, str], message: str
) -> None:
    for name, value in {**env, **setting}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert str(refused.value) == message


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "message"),
    [({"GATEWAY_REGION": "99.99"}, REGION_ERROR), ({"SMS_BACKEND": "africastalking"}, AT_ERROR),
     ({"PORT": "http"}, "PORT must be a whole number from 1 to 65535, got 'http'")],
)  # fmt: skip
def test_gunicorn_stops_at_start_with_one_line(env: dict[str, str], setting: dict[str, str], message: str) -> None:
    args = ["gunicorn", "--config", "python:gateway.gunicorn_conf", "gateway:create_app()"]
    done = run_process(args, {**env, "PORT": str(free_port()), "WEB_CONCURRENCY": "1", **setting})
    assert done.returncode != 0
    assert f"gateway: {message}" in done.stderr.splitlines()
    assert "Traceback" not in done.stderr


def make_folder(tmp_path: Path) -> str:
    (tmp_path / "folder").mkdir()
    return str(tmp_path / "folder")


def make_file(tmp_path: Path, text: str = "x") -> str:
    (tmp_path / "file.yaml").write_text(text)
    return str(tmp_path / "file.yaml")


AT = {"SMS_BACKEND": "africastalking", "AT_USERNAME": "sandbox", "AT_API_KEY": "key"}
KANNEL = {"SMS_BACKEND": "kannel", "KANNEL_USERNAME": "gateway", "KANNEL_PASSWORD": "secret"}
BAD_VALUES = [
    ("DATABASE_URL", "mysql://root@db/gateway"), ("DATABASE_URL", "postgresql://u:hunter2@db:port/gateway"),
    ("DATABASE_URL", "sqlite:///{folder}"), ("REDIS_URL", "http://127.0.0.1:6379"), ("REDIS_URL", "redis://127.0.0.1:port/0"),
    ("SMS_BACKEND", "pigeon"), ("SMS_FILE_PATH", "{folder}"), ("AT_USERNAME", ""), ("AT_API_KEY", ""),
    ("AT_SENDER_ID", "A sender id far too long"), ("AT_API_URL", "ftp://127.0.0.1/version1"),
    ("WEBHOOK_SECRET", "short"), ("WEBHOOK_SECRET", "has&an#ampersand0123"), ("GATEWAY_REGION", "Kendal"),
    ("GATEWAY_REGION", "99.99"), ("DEFAULT_LANGUAGE", "fr"), ("GATEWAY_VAR_DIR", "{file}"),
    ("SMS_MAX_ATTEMPTS", "many"), ("SMS_MAX_ATTEMPTS", "0"), ("SMS_TTL_SECONDS", "5"), ("SMS_TIMEOUT_SECONDS", "nan"),
    ("SMS_TIMEOUT_SECONDS", "-1"), ("RELAY_INTERVAL_SECONDS", "inf"), ("ROUTING_AGENCIES_FILE", "{missing}"),
    ("ROUTING_AGENCIES_FILE", "{file}"), ("ROUTING_RULES_FILE", "{file}"), ("AID_PROGRAMS_FILE", "{file}"),
    ("REPLY_BUDGET_PER_HOUR", "0"), ("ALLOWED_COUNTRIES", "Indonesia"), ("SMS_MAX_PER_SECOND", "fast"),
    ("SMS_BACKEND", "kannel,pigeon"), ("SMS_BACKEND", "kannel,kannel"), ("KANNEL_USERNAME", ""),
    ("KANNEL_PASSWORD", ""), ("KANNEL_SENDSMS_URL", "127.0.0.1:13013/cgi-bin/sendsms"),
    ("KANNEL_SMSC", "modem,modem"), ("KANNEL_SMSC", "smsc with spaces"), ("GATEWAY_PUBLIC_URL", "ftp://gateway"),
    ("WARNING_MAX_PER_SECOND", "-1"), ("WARNING_PRICE_PER_SEGMENT", "Rp350"), ("SECRET_KEY", "too-short"),
    ("LOGIN_ATTEMPTS_PER_MINUTE", "0"), ("DESK_REFRESH_SECONDS", "soon"), ("TRUSTED_PROXIES", "-1"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=lambda v: str(v)[:20])
def test_a_bad_value_of_any_variable_stops_the_start_naming_it(
    env: dict[str, str], tmp_path: Path, name: str, value: str
) -> None:
    value = value.format(folder=make_folder(tmp_path), file=make_file(tmp_path, "- x: [\n"), missing=tmp_path / "no")
    extra = AT if name.startswith("AT_") else KANNEL if name.startswith("KANNEL_") else {}
    line = error_line(invoke({**env, **extra, name: value}, "init"))
    assert line.startswith("Error: ") and name in line
    assert "hunter2" not in line


def test_every_variable_of_the_settings_has_a_bad_value_tried() -> None:
    assert sorted({name for name, _ in BAD_VALUES}) == VARIABLES


def test_the_stored_secret_is_checked_as_the_variable_is(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "webhook_secret").write_text("short\n")
    line = error_line(invoke({**env, "WEBHOOK_SECRET": ""}, "init"))
    assert line.startswith("Error: WEBHOOK_SECRET (here the secret stored in ") and "at least 16 characters" in line


# 3. A database out of reach: one line with the reason, the password hidden, for every command that uses it.

MISSING = make_url(POSTGRES_URL).set(database="gateway_no_such_database", password="hunter2")


@pytest.mark.parametrize(
    "command",
    [["init"], ["db", "upgrade"], ["serve", "--port", "1"], ["worker", "--burst"], ["relay", "--once"],
     ["simulate", "sms", "--from", "081234567890", "LAPOR"], ["ussd", "--phone", "081234567890"], ["incidents"],
     ["aid", "programs"], ["aid", "report", "1001"], ["aid", "affected", "1001", "{numbers}"],
     ["import", "officers", "{numbers}"], ["import", "households", "{numbers}"]],
    ids=" ".join,
)  # fmt: skip
def test_a_missing_database_is_one_line_with_the_reason(
    env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "numbers.csv").write_text("no_kk\n3324150101150001\n")
    args = [arg.format(numbers=tmp_path / "numbers.csv") for arg in command]
    line = error_line(invoke({**env, "DATABASE_URL": MISSING.render_as_string(hide_password=False)}, *args))
    shown = MISSING.render_as_string(hide_password=True)
    assert line == f'Error: database {shown} is unreachable: database "gateway_no_such_database" does not exist'
    assert "hunter2" not in line


def test_a_database_server_that_is_down_is_one_line_too(env: dict[str, str]) -> None:
    url = make_url(POSTGRES_URL).set(host="127.0.0.1", port=free_port())
    line = error_line(invoke({**env, "DATABASE_URL": url.render_as_string(hide_password=False)}, "init"))
    assert line == f"Error: database {url.render_as_string(hide_password=True)} is unreachable: connection refused"


# 5-6. CSV files as Excel saves them, files that are no CSV, and imports that keep nothing.

ROSTER_1252 = "name;phone;agency;role;districts\r\nSiti Mu\u2019minah;081100000001;BPBD;officer;33.24.15\r\n"
REGISTRY_1252 = (REGISTRY_HEADER.replace(",", ";") + "\r\n" + "3324150101150001;3324154101850002;Siti Mu\u2019minah;"
                 "ISTRI;01-01-1985;P;33.24.15.1002;Jl. Café 1;1;2;081311110001;HIDUP\r\n")  # fmt: skip


def names(env: dict[str, str], model: type[Officer] | type[Person]) -> list[str]:
    database = Database(load_settings(env=env).database_url)
    with database.session() as session:
        found = list(session.scalars(select(model.name)))
    database.dispose()
    return found


def test_excel_files_in_windows_1252_with_semicolons_import(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "officers.csv").write_bytes(ROSTER_1252.encode("cp1252"))
    (tmp_path / "dtks.csv").write_bytes(REGISTRY_1252.encode("cp1252"))
    (tmp_path / "affected.csv").write_bytes("no_kk;nama\r\n3324150101150001;Siti Mu\u2019minah\r\n".encode("cp1252"))
    assert "officers: 1 added" in invoke(env, "import", "officers", str(tmp_path / "officers.csv")).output
    assert names(env, Officer) == ["Siti Mu\u2019minah"]
    imported = invoke(env, "import", "households", str(tmp_path / "dtks.csv"))
    assert imported.exit_code == 0 and "households: 1 added" in imported.output, imported.output
    assert names(env, Person) == ["Siti Mu\u2019minah"]
    assert invoke(env, "simulate", "sms", "--from", "081234567890", "LAPOR BANJIR SUKODONO 25 KK").exit_code == 0
    marked = invoke(env, "aid", "affected", "1001", str(tmp_path / "affected.csv"))
    assert "incident 1001: 1 households added" in marked.output, marked.output


def test_utf8_with_a_byte_order_mark_imports(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "officers.csv").write_bytes(ROSTER_1252.encode("utf-8-sig"))
    assert "officers: 1 added" in invoke(env, "import", "officers", str(tmp_path / "officers.csv")).output
    assert names(env, Officer) == ["Siti Mu\u2019minah"]


@pytest.mark.parametrize(
    ("content", "what"),
    [(b"PK\x03\x04\x14\x00\x06\x00", "this is an Excel workbook or another zip file, not a CSV file"),
     (b"no_kk\n\x00\x01\x02\x89PNG", "not a CSV text file (binary data at byte 7)"),
     ("no_kk\n".encode("utf-16"), "this is UTF-16 text (Excel's 'Unicode Text'), not a CSV file")],
)  # fmt: skip
@pytest.mark.parametrize(
    "command", [["import", "officers"], ["import", "households"], ["aid", "affected", "1001"]], ids=" ".join
)
def test_a_file_that_is_no_csv_text_is_one_line_naming_it(
    env: dict[str, str], tmp_path: Path, content: bytes, what: str, command: list[str]
) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    line = error_line(invoke(env, *command, str(path)))
    assert line == f"Error: {path}: {what}; save it from Excel as 'CSV UTF-8' or 'CSV (Comma delimited)'"


@pytest.mark.parametrize(
    ("command", "content", "message"),
    [(["import", "households"], f"{REGISTRY_HEADER}\n", "nothing imported: it has no data rows"),
     (["import", "households"], f"{REGISTRY_HEADER}\n1,2,3\n",
      "nothing imported: none of its 1 rows is valid (see above)"),
     (["import", "households"], "nik,nama\n1,Budi\n",
      "nothing imported: its first line does not name the columns (see above)"),
     (["import", "officers"], "name,phone,agency,role,districts\n", "nothing imported: it lists no officers"),
     (["aid", "affected", "1001"], "no_kk\n", "nothing added: it lists no KK or NIK"),
     (["aid", "affected", "1001"], "no_kk\n12345\n", "nothing added: no line holds a usable KK or NIK (see above)")],
)  # fmt: skip
def test_an_import_that_keeps_nothing_fails_and_says_why(
    env: dict[str, str], tmp_path: Path, command: list[str], content: str, message: str
) -> None:
    path = tmp_path / "upload.csv"
    path.write_text(content)
    assert error_line(invoke(env, *command, str(path))) == f"Error: {path}: {message}"


# 7-8. NIK and KK numbers: what is wrong with one is said, and where.


@pytest.mark.parametrize(
    ("text", "problem"),
    [("DAFTAR 3324013208950001", "invalid_nik_date"), ("DAFTAR 9924011508950001", "invalid_nik_region"),
     ("DAFTAR 33240115089500", "invalid_nik"), ("DAFTAR 3324011508950001 3324010000000001", "invalid_kk_date"),
     ("DAFTAR 3324011508950001#3399010101180003", "invalid_kk_region"),
     ("KORBAN 1001 3324158888880001", "invalid_ids")],
)  # fmt: skip
def test_parse_says_which_part_of_a_nik_or_kk_is_wrong(env: dict[str, str], text: str, problem: str) -> None:
    result = invoke(env, "parse", text)
    assert result.output.rstrip().endswith(f"(problem: {problem})"), result.output


def test_the_webhook_records_what_is_wrong_with_a_nik(client: FlaskClient, rt: Runtime) -> None:
    assert post_sms(client, text="DAFTAR 3324013208950001").status_code == 200
    run_worker(rt)
    with rt.db.session() as session:
        assert session.scalars(select(InboundMessage.problem)).one() == "invalid_nik_date"


def test_the_reply_to_a_nik_with_an_impossible_birth_date_says_so(client: FlaskClient, rt: Runtime) -> None:
    assert post_sms(client, text="DAFTAR 3324013208950001 3324150101150001").status_code == 200
    run_worker(rt)
    run_worker(rt)
    assert sms_to(rt, "+6281234567890") == [render("register_invalid_nik_date", "id").text]


def test_a_kk_that_cannot_be_one_is_named_by_its_line(env: dict[str, str], tmp_path: Path) -> None:
    registry = tmp_path / "dtks.csv"
    registry.write_text(
        f"{REGISTRY_HEADER}\n3324150101150001,3324150101800001,Budi,KEPALA KELUARGA,,L,33.24.15.1002,"
        ",,,,HIDUP\n3324153102150002,3324150202700003,Joko,KEPALA KELUARGA,,L,33.24.15.1002,,,,,HIDUP\n"
    )
    imported = invoke(env, "import", "households", str(registry))
    assert imported.exit_code == 0, imported.output
    assert (f"{registry}: line 3: no_kk is not a valid KK (its issue-date digits (7 to 12, DDMMYY) are no real date)"
            in imported.output.splitlines())  # fmt: skip
    affected = tmp_path / "affected.csv"
    affected.write_text("no_kk\n3324150101150001\n3324153102150002\n")
    assert invoke(env, "simulate", "sms", "--from", "081234567890", "LAPOR BANJIR SUKODONO 25 KK").exit_code == 0
    marked = invoke(env, "aid", "affected", "1001", str(affected))
    assert (
        f"{affected}: line 3: 3324********0002 is neither a KK (its issue-date digits (7 to 12, DDMMYY) are no "
        "real date) nor a NIK (its birth-date digits are no real date); left out" in marked.output.splitlines()
    )
    assert "incident 1001: 1 households added" in marked.output
