"""Who may use the desk and the API, from a terminal: ``users`` add, list, disable, reset-password; ``tokens``
create, list, revoke. Each change is written to the desk's access audit, never a password or a token."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from gateway.cli.common import check_rules, runtime

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from gateway.accounts.users import Access
    from gateway.incidents.labels import LocalZone
    from gateway.models import User

ROLE_HELP = "coordinator (everything), agency (its own dispatches and aid) or viewer (reads, masked)."


def cli_access() -> Access:
    """The operator at this terminal, as the access audit names them: ``cli:<login name>``."""
    import getpass

    from gateway.accounts.users import Access

    try:
        who = getpass.getuser()
    except (OSError, KeyError):  # a container user with no name in /etc/passwd and no LOGNAME
        who = "unknown"
    return Access(f"cli:{who}")


def new_password(from_stdin: bool) -> str:
    """The password from one line of standard input, or typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    from gateway.accounts.users import UserError, check_password

    def checked(typed: str) -> str:
        try:
            return check_password(typed)
        except UserError as error:  # click asks again
            raise click.UsageError(str(error)) from None

    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=checked)
    return password


def shown(moment: datetime | None, zone: LocalZone) -> str:
    return zone.show(moment) if moment is not None else "-"


@click.group()
def users() -> None:
    """The desk's users: add, list, disable, reset-password."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help=ROLE_HELP)
@click.option("--agency", help="The agency code of an agency user (one of the routing rules' agencies).")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of standard input.")
def users_add(username: str, role: str, agency: str | None, password_stdin: bool) -> None:
    """Add USERNAME with a role; the password is asked twice (hidden) or read from standard input."""
    from gateway.accounts.roles import RoleError, check_role
    from gateway.accounts.users import UserError, add_user, check_username, log_access

    with runtime() as rt:
        check_rules(rt)
        try:  # what can be checked before anyone types a password
            check_username(username)
            check_role(role, agency, rt.rules.agencies)
        except (UserError, RoleError) as error:
            raise click.ClickException(str(error)) from None
        password = new_password(password_stdin)
        with rt.db.session() as session:
            try:
                user = add_user(session, username, password, role, agency, rt.rules.agencies)
            except UserError as error:
                raise click.ClickException(str(error)) from None
            log_access(session, cli_access(), "users_add", f"{user.username} {user.role} {user.agency or ''}".strip())
            name, what = user.username, f"{user.role}" + (f" of {user.agency}" if user.agency else "")
    click.echo(f"user {name} added ({what})")


@users.command("list")
def users_list() -> None:
    """List the users: username, role, agency, active or disabled, last login (never a password hash)."""
    from sqlalchemy import select

    from gateway.incidents.labels import region_zone
    from gateway.models import User

    with runtime() as rt, rt.db.session() as session:
        zone = region_zone(rt.settings.gateway_region)
        found = session.scalars(select(User).order_by(User.username)).all()
        if not found:
            click.echo("no users (add one with `gateway users add`)")
        for user in found:
            state = "disabled" if user.disabled_at is not None else "active"
            click.echo(f"{user.username:<24} {user.role:<12} {user.agency or '-':<10} {state:<9} "
                       f"last login {shown(user.last_login_at, zone)}")  # fmt: skip


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable USERNAME: no more logins, and their open sessions end on the next request."""
    from gateway.accounts.users import disable_user, log_access

    with runtime() as rt, rt.db.session() as session:
        user = _user(session, username)
        disable_user(user)
        log_access(session, cli_access(), "users_disable", user.username)
        name = user.username
    click.echo(f"user {name} disabled")


@users.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of standard input.")
def users_reset_password(username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password; the sessions opened with the old one end."""
    from gateway.accounts.users import UserError, log_access, set_password

    with runtime() as rt, rt.db.session() as session:
        user = _user(session, username)
        try:
            set_password(user, new_password(password_stdin))
        except UserError as error:
            raise click.ClickException(str(error)) from None
        log_access(session, cli_access(), "users_reset_password", user.username)
        name = user.username
    click.echo(f"password of {name} changed")


def _user(session: Session, username: str) -> User:
    """The user USERNAME names, or a clear error."""
    from gateway.accounts.users import find_user

    user = find_user(session, username)
    if user is None:
        raise click.ClickException(f"no user {username.strip().lower()!r} (see `gateway users list`)")
    return user


@click.group()
def tokens() -> None:
    """Bearer tokens for the JSON API (/api/v1): create, list, revoke."""


@tokens.command("create")
@click.argument("name")
@click.option("--role", required=True, help="viewer (reads every incident) or agency (its agency's incidents).")
@click.option("--agency", help="The agency code of an agency token.")
def tokens_create(name: str, role: str, agency: str | None) -> None:
    """Create the token NAME and print it: the only time it is shown (only its SHA-256 is kept)."""
    from gateway.accounts.tokens import TokenError, create_token
    from gateway.accounts.users import log_access

    with runtime() as rt:
        check_rules(rt)
        with rt.db.session() as session:
            try:
                token = create_token(session, name, role, agency, rt.rules.agencies)
            except TokenError as error:
                raise click.ClickException(str(error)) from None
            code = (agency or "").strip().upper()  # as create_token stored it
            log_access(session, cli_access(), "tokens_create", f"{name.strip()} {role} {code}".strip())
    click.echo(token)
    click.echo("This token is shown only now: store it where the machine reads it. "
               "Use it as `Authorization: Bearer <token>`.", err=True)  # fmt: skip


@tokens.command("list")
def tokens_list() -> None:
    """List the tokens: name, role, agency, created, last used, revoked (never the token)."""
    from sqlalchemy import select

    from gateway.incidents.labels import region_zone
    from gateway.models import ApiToken

    with runtime() as rt, rt.db.session() as session:
        zone = region_zone(rt.settings.gateway_region)
        found = session.scalars(select(ApiToken).order_by(ApiToken.name)).all()
        if not found:
            click.echo("no tokens (create one with `gateway tokens create`)")
        for token in found:
            revoked = f"revoked {shown(token.revoked_at, zone)}" if token.revoked_at is not None else "active"
            click.echo(f"{token.name:<24} {token.role:<7} {token.agency or '-':<10} "
                       f"created {shown(token.created_at, zone)}  last used {shown(token.last_used_at, zone)}  "
                       f"{revoked}")  # fmt: skip


@tokens.command("revoke")
@click.argument("name")
def tokens_revoke(name: str) -> None:
    """Revoke the token NAME: the API refuses it from the next request on."""
    from gateway.accounts.tokens import revoke_token
    from gateway.accounts.users import log_access

    with runtime() as rt, rt.db.session() as session:
        if not revoke_token(session, name):
            raise click.ClickException(f"no token named {name.strip()!r} (see `gateway tokens list`)")
        log_access(session, cli_access(), "tokens_revoke", name.strip())
    click.echo(f"token {name.strip()} revoked")
