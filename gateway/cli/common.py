"""What every ``gateway`` command shares: settings that fail with a clear message, a runtime per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from gateway.config import ConfigError, Settings, load_settings
from gateway.runtime import Runtime

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from gateway.jobs.relay import Relay
    from gateway.models import Incident, OutboundMessage


def settings() -> Settings:
    """The settings from the environment; a bad value stops the command, naming the variable."""
    try:
        return load_settings()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def runtime() -> Iterator[Runtime]:
    """A runtime for one command, its schema brought up to date first (a no-op once it is)."""
    rt = Runtime(settings())
    try:
        rt.db.upgrade()
        yield rt
    finally:
        rt.close()


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


def local_app(config: Settings) -> tuple[Flask, Runtime, Relay]:
    """The web app in this process, running jobs here while Redis is absent (the simulators, ``serve``)."""
    from gateway import create_app

    app = create_app(config, runs_jobs=True)
    rt: Runtime = app.extensions["gateway"]
    relay: Relay = app.extensions["gateway_relay"]
    rt.db.upgrade()
    return app, rt, relay


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
