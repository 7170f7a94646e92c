"""``gateway users`` and ``gateway tokens`` as an operator uses them, on the database the app and its API use."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.accounts.users import check_login
from gateway.cli import cli
from gateway.models import AccessEvent, ApiToken, User
from gateway.runtime import Runtime
from tests.web.desk import PASSWORD, login, reported_incident


@pytest.fixture
def env(rt: Runtime, tmp_path: Path) -> dict[str, str]:
    """The CLI pointed at the test app's database (SQLite or PostgreSQL), so the API sees what it creates."""
    return {"GATEWAY_VAR_DIR": str(tmp_path / "cli"), "DATABASE_URL": rt.settings.database_url, "REDIS_URL": "",
            "WEBHOOK_SECRET": "", "LOGNAME": "ops", "USER": "ops"}  # fmt: skip


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, list(args), input=stdin)


def audit(rt: Runtime) -> list[tuple[str, str, str]]:
    with rt.db.session() as session:
        return [(e.username, e.action, e.detail) for e in session.scalars(select(AccessEvent).order_by(AccessEvent.id))]


def test_adding_a_user_with_the_password_on_stdin_lets_them_log_in(
    env: dict[str, str], rt: Runtime, client: FlaskClient
) -> None:
    result = run(env, "users", "add", "Wati.Dinsos", "--role", "agency", "--agency", "dinsos", "--password-stdin",
                 stdin=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == "user wati.dinsos added (agency of DINSOS)\n"
    login(client, "wati.dinsos")
    assert audit(rt)[0] == ("cli:ops", "users_add", "wati.dinsos agency DINSOS")
    assert PASSWORD not in str(audit(rt))


def test_adding_a_user_asks_for_the_password_twice_without_echo(env: dict[str, str], rt: Runtime) -> None:
    result = run(env, "users", "add", "pusdalops", "--role", "coordinator", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    mismatch = run(env, "users", "add", "viewer1", "--role", "viewer", stdin=f"{PASSWORD}\nsomething-else-1\n")
    assert mismatch.exit_code != 0 and "do not match" in mismatch.output
    with rt.db.session() as session:
        assert check_login(session, "pusdalops", PASSWORD) is not None
        assert session.scalars(select(User.username)).all() == ["pusdalops"]


@pytest.mark.parametrize(("args", "message"), [
    (("--role", "admin"), "Error: role must be one of coordinator, agency, viewer, not 'admin'"),
    (("--role", "agency"), "Error: the agency role needs --agency, one of BAZNAS, BPBD"),
    (("--role", "agency", "--agency", "POLRI"), "Error: no agency 'POLRI'; one of BAZNAS"),
    (("--role", "viewer", "--agency", "BPBD"), "Error: --agency is only for the agency role, not viewer"),
])  # fmt: skip
def test_a_bad_role_or_agency_is_refused_with_what_would_fit(
    env: dict[str, str], rt: Runtime, args: tuple[str, ...], message: str
) -> None:
    result = run(env, "users", "add", "someone", *args, "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 1 and message in result.output
    with rt.db.session() as session:
        assert session.scalars(select(User)).all() == []
    assert audit(rt) == []


def test_a_duplicate_user_and_a_short_password_are_refused(env: dict[str, str], rt: Runtime) -> None:
    assert run(env, "users", "add", "budi", "--role", "viewer", "--password-stdin", stdin=PASSWORD).exit_code == 0
    again = run(env, "users", "add", "BUDI", "--role", "viewer", "--password-stdin", stdin=PASSWORD)
    assert again.exit_code == 1 and "Error: user 'budi' already exists" in again.output
    short = run(env, "users", "add", "tono", "--role", "viewer", "--password-stdin", stdin="pendek\n")
    assert short.exit_code == 1 and "Error: a password has at least 10 characters" in short.output
    assert [action for _, action, _ in audit(rt)] == ["users_add"]


def test_users_are_listed_without_their_hashes(env: dict[str, str], rt: Runtime, client: FlaskClient) -> None:
    assert run(env, "users", "list").output == "no users (add one with `gateway users add`)\n"
    run(env, "users", "add", "pusdalops", "--role", "coordinator", "--password-stdin", stdin=PASSWORD)
    run(env, "users", "add", "bpbd", "--role", "agency", "--agency", "BPBD", "--password-stdin", stdin=PASSWORD)
    login(client, "pusdalops")
    run(env, "users", "disable", "bpbd")
    listed = run(env, "users", "list").output.splitlines()
    assert [line.split()[:4] for line in listed] == [["bpbd", "agency", "BPBD", "disabled"],
                                                      ["pusdalops", "coordinator", "-", "active"]]  # fmt: skip
    assert listed[0].endswith("last login -") and listed[1].endswith(" WIB")
    assert "scrypt" not in "\n".join(listed)


def test_a_disabled_user_can_no_longer_log_in(env: dict[str, str], rt: Runtime) -> None:
    run(env, "users", "add", "tono", "--role", "viewer", "--password-stdin", stdin=PASSWORD)
    result = run(env, "users", "disable", "Tono")
    assert result.exit_code == 0 and result.output == "user tono disabled\n"
    with rt.db.session() as session:
        assert check_login(session, "tono", PASSWORD) is None
    assert audit(rt)[-1] == ("cli:ops", "users_disable", "tono")
    missing = run(env, "users", "disable", "nobody")
    assert missing.exit_code == 1 and "Error: no user 'nobody'" in missing.output


def test_resetting_a_password_replaces_the_old_one(env: dict[str, str], rt: Runtime) -> None:
    run(env, "users", "add", "tono", "--role", "viewer", "--password-stdin", stdin=PASSWORD)
    short = run(env, "users", "reset-password", "tono", "--password-stdin", stdin="pendek\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    result = run(env, "users", "reset-password", "tono", "--password-stdin", stdin="kata-sandi-baru-22\n")
    assert result.exit_code == 0 and result.output == "password of tono changed\n"
    with rt.db.session() as session:
        assert check_login(session, "tono", PASSWORD) is None
        assert check_login(session, "tono", "kata-sandi-baru-22") is not None
    assert audit(rt)[-1] == ("cli:ops", "users_reset_password", "tono")
    assert "kata-sandi-baru-22" not in str(audit(rt))


def test_a_created_token_is_printed_once_and_reads_the_api(
    env: dict[str, str], rt: Runtime, client: FlaskClient
) -> None:
    reported_incident(client, rt)
    result = run(env, "tokens", "create", "opensid-kendal", "--role", "agency", "--agency", "bpbd")
    assert result.exit_code == 0, result.output
    bearer = result.stdout.strip()
    assert bearer.startswith("gw_") and "shown only now" in result.stderr
    with rt.db.session() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert (stored.role, stored.agency) == ("agency", "BPBD") and bearer not in stored.token_hash
    response = client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {bearer}"})
    assert response.status_code == 200 and [i["ref"] for i in response.get_json()["items"]] == ["1001"]
    assert audit(rt)[-1] == ("cli:ops", "tokens_create", "opensid-kendal agency BPBD")
    assert bearer not in str(audit(rt))


@pytest.mark.parametrize(("args", "message"), [
    (("--role", "coordinator"), "Error: role must be one of viewer, agency, not 'coordinator'"),
    (("--role", "agency", "--agency", "POLRI"), "Error: no agency 'POLRI'"),
])  # fmt: skip
def test_a_token_for_the_coordinator_or_an_unknown_agency_is_refused(
    env: dict[str, str], rt: Runtime, args: tuple[str, ...], message: str
) -> None:
    result = run(env, "tokens", "create", "dashboard", *args)
    assert result.exit_code == 1 and message in result.output
    with rt.db.session() as session:
        assert session.scalars(select(ApiToken)).all() == []


def test_a_revoked_token_gets_401_and_is_listed_as_revoked(
    env: dict[str, str], rt: Runtime, client: FlaskClient
) -> None:
    bearer = run(env, "tokens", "create", "dashboard", "--role", "viewer").stdout.strip()
    assert client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {bearer}"}).status_code == 200
    [line] = run(env, "tokens", "list").output.splitlines()
    assert line.split()[:3] == ["dashboard", "viewer", "-"] and line.endswith("active") and "last used -" not in line
    revoked = run(env, "tokens", "revoke", "dashboard")
    assert revoked.exit_code == 0 and revoked.output == "token dashboard revoked\n"
    assert client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {bearer}"}).status_code == 401
    assert " revoked 20" in run(env, "tokens", "list").output
    assert bearer not in run(env, "tokens", "list").output
    again = run(env, "tokens", "create", "dashboard", "--role", "viewer")
    assert again.exit_code == 1 and "already exists" in again.output
    unknown = run(env, "tokens", "revoke", "nothing")
    assert unknown.exit_code == 1 and "Error: no token named 'nothing'" in unknown.output
    assert [action for _, action, _ in audit(rt)] == ["tokens_create", "tokens_revoke"]


def test_a_short_password_typed_at_the_prompt_is_asked_again(env: dict[str, str]) -> None:
    typed = "short\nkata-sandi-rahasia-1\nkata-sandi-rahasia-1\n"
    result = CliRunner(env=env).invoke(cli, ["users", "add", "pusdalops", "--role", "coordinator"], input=typed)
    assert result.exit_code == 0, result.output
    assert "a password has at least 10 characters" in result.output and "user pusdalops added" in result.output


def test_a_bad_role_is_named_before_the_password_is_asked(env: dict[str, str]) -> None:
    result = CliRunner(env=env).invoke(cli, ["users", "add", "bpbd-desk", "--role", "agency"], input="")
    assert result.exit_code == 1 and "the agency role needs --agency" in result.output
    assert "Password" not in result.output
