"""What every ``gateway`` command shares: settings that fail with a clear message, a runtime per command, and
problems (a bad setting, a database or gateway out of reach) told in one line that hides passwords and secrets."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

import click

from gateway.config import ConfigError, Settings, load_settings
from gateway.runtime import Runtime

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from gateway.jobs.relay import Relay
    from gateway.models import Incident, OutboundMessage

WEBHOOK_TIMEOUT = 10.0  # seconds a running gateway may take to answer the simulators


def settings() -> Settings:
    """The settings from the environment; a bad value stops the command, naming the variable."""
    try:
        return load_settings()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def runtime() -> Iterator[Runtime]:
    """A runtime for one command, its schema brought up to date first (a no-op once it is)."""
    config = settings()
    with database_errors(config.database_url):
        rt = Runtime(config)
        try:
            rt.db.upgrade()
            yield rt
        finally:
            rt.close()


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Stop the command with one line naming the database (password hidden) when it cannot be reached or fails."""
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except OperationalError as error:
        state = "is unreachable" if error.statement is None else "failed"  # no statement: the connection failed
        raise click.ClickException(f"database {safe_url(url)} {state}: {database_reason(error)}") from None


def database_reason(error: BaseException) -> str:
    """What the database driver said, without the address it repeats and the hint below it.

    psycopg says ``connection failed: connection to server at "h", port 5432 failed: FATAL:  database "x" does
    not exist`` (one such line per address tried); SQLite says ``unable to open database file``.
    """
    text = str(getattr(error, "orig", None) or error)
    lines = [line.strip(" -\t") for line in text.splitlines() if line.strip()]
    detailed = [line for line in lines if "failed: " in line]
    reason = detailed[-1].rsplit("failed: ", 1)[1] if detailed else lines[0] if lines else type(error).__name__
    for prefix in ("FATAL:", "ERROR:"):
        reason = reason.removeprefix(prefix).strip()
    return reason[:1].lower() + reason[1:] if reason[1:2].islower() else reason


@contextmanager
def csv_input(path: Path) -> Iterator[TextIO]:
    """``path`` opened as gateway.csv_file reads every import; a file that is no CSV text stops in one line."""
    from gateway.csv_file import CsvFileError, open_csv

    try:
        with open_csv(path) as handle:
            yield handle
    except CsvFileError as error:
        raise click.ClickException(str(error)) from None


def check_rules(rt: Runtime) -> None:
    """Load the routing rules now, so a bad rules file stops the start with its problems listed."""
    from gateway.routing import RulesError

    try:
        rt.rules  # noqa: B018
    except RulesError as error:
        raise click.ClickException(f"routing rules: {error}") from None


def safe_url(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def local_app(config: Settings) -> Iterator[tuple[Flask, Runtime, Relay]]:
    """The web app in this process, running jobs here while Redis is absent (the simulators, ``serve``)."""
    from gateway import create_app

    with database_errors(config.database_url):
        app = create_app(config, runs_jobs=True)
        rt: Runtime = app.extensions["gateway"]
        relay: Relay = app.extensions["gateway_relay"]
        try:
            rt.db.upgrade()
            yield app, rt, relay
        finally:
            app.extensions["gateway_batcher"].wait_idle()
            rt.close()


def post_webhook(url: str, surface: str, secret: str, form: dict[str, str]) -> tuple[int, str]:
    """Post ``form`` to ``/webhooks/<surface>`` of the gateway at ``url``: its status and body.

    A gateway out of reach stops the command with one line naming ``url``; never the secret, which travels in
    the query string and so in every error ``requests`` raises.
    """
    import requests

    shown = shown_url(url)
    try:
        response = requests.post(f"{url.rstrip('/')}/webhooks/{surface}", params={"secret": secret}, data=form,
                                 timeout=WEBHOOK_TIMEOUT)  # fmt: skip
    except requests.Timeout:
        raise click.ClickException(f"cannot reach {shown}: no answer within {WEBHOOK_TIMEOUT:.0f}s") from None
    except requests.RequestException as error:
        raise click.ClickException(f"cannot reach {shown}: {connection_reason(error)}") from None
    return response.status_code, response.text


def check_url(url: str | None) -> None:
    """``--url`` must be the http(s) address of a running gateway."""
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise click.BadParameter("must look like http://127.0.0.1:8000", param_hint="'--url'")


def shown_url(url: str) -> str:
    """``url`` as it may be shown: scheme, host, port and path, without a user, password or query."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def connection_reason(error: BaseException) -> str:
    """Why a connection failed, in a few words, from the errors ``requests`` and ``urllib3`` wrap."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror):
            return "unknown host"
        if isinstance(current, OSError) and current.strerror:
            return current.strerror[:1].lower() + current.strerror[1:]
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending.extend(item for item in wrapped if isinstance(item, BaseException))
    return type(error).__name__


def replies_to(rt: Runtime, relay: Relay, provider_id: str, timeout: float, what: str) -> list[OutboundMessage]:
    """The SMS an inbound message caused, once sent (the simulators); say so when they were not sent in time."""
    from gateway.sms.send import wait_for_replies

    replies, in_time = wait_for_replies(rt, provider_id, timeout, relay.tick)
    if not in_time:
        hint = "is `gateway worker` running?" if rt.queue else "is the database reachable?"
        click.echo(f"no {what} sent within {timeout:.0f}s ({hint})", err=True)
    return replies


def incident_or_fail(session: Session, ref: str) -> Incident:
    """The incident REF names, or a clear error."""
    from gateway.incidents.store import find_incident

    incident = find_incident(session, ref)
    if incident is None:
        raise click.ClickException(f"no incident with reference {ref!r}")
    return incident
