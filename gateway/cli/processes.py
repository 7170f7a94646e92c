"""Setting up and running the gateway's processes: ``init``, ``db upgrade``, ``serve``, ``worker``, ``relay``."""

from __future__ import annotations

import threading
from contextlib import suppress

import click

from gateway.cli.common import check_rules, local_app, runtime, safe_url, settings
from gateway.runtime import QUEUE_NAME

KANNEL_GET_URL_FIELDS = "from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&ts=%T&smsc=%i"  # see the README


@click.command()
def init() -> None:
    """Create the database (or bring it up to date) and the var/ folder."""
    with runtime() as rt:
        rt.settings.var_dir.mkdir(parents=True, exist_ok=True)
        rt.db.upgrade()
        click.echo(f"database ready: {safe_url(rt.settings.database_url)}")


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration not yet applied."""
    with runtime() as rt:
        rt.db.upgrade()
        click.echo("schema up to date")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the web app with an in-process relay (development and small sites; production: see Procfile).

    Without Redis the relay runs jobs here; with REDIS_URL set it hands them to Redis for `gateway worker`.
    """
    from werkzeug.serving import run_simple

    from gateway.jobs.clock import clock

    config = settings()
    with local_app(config) as (app, rt, relay):
        check_rules(rt)
        stop = threading.Event()
        threading.Thread(target=relay.run_forever, args=(stop, clock(relay)), name="relay", daemon=True).start()

        base = f"http://{host}:{port}"
        secret = config.webhook_secret
        click.echo(f"gateway on {base}  database: {safe_url(config.database_url)}  SMS backend: {config.sms_backend}")
        if config.sms_backend == "file":
            click.echo(f"sent SMS are written to {config.sms_file_path}")
        click.echo(
            "jobs: " + ("handed to Redis; run `gateway worker` beside this" if rt.queue else "run in this process")
        )
        click.echo("callback URLs for Africa's Talking (keep the secret private):")
        for name in ("sms", "delivery", "ussd"):
            click.echo(f"  {name:9} {base}/webhooks/{name}?secret={secret}")
        click.echo(f"  kannel    {base}/webhooks/kannel?secret={secret}&{KANNEL_GET_URL_FIELDS}  (smsbox get-url)")
        click.echo(f"  health    {base}/healthz")
        click.echo(f"coordinators' desk: {base}/  (a first user: gateway users add NAME --role coordinator)")
        click.echo(f"JSON API: {base}/api/v1/incidents  (a token: gateway tokens create NAME --role viewer)")
        try:
            run_simple(host, port, app, threaded=True, use_reloader=False)
        except OSError as error:  # the port is taken, or the address is not this machine's
            raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        finally:
            stop.set()
            relay.wake.set()


@click.command()
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then exit.")
@click.option("--verbose", is_flag=True, help="Log every job RQ runs (by default only warnings and errors).")
def worker(burst: bool, verbose: bool) -> None:
    """Run an RQ worker for the gateway's queue (needs REDIS_URL); it waits out a Redis outage and goes on."""
    from gateway.jobs.worker import work
    from gateway.sms.errors import ProviderError

    with runtime() as rt:
        if rt.queue is None or rt.redis is None:
            raise click.ClickException(
                "gateway worker needs REDIS_URL; without Redis, `gateway serve` or `gateway relay` run the jobs"
            )
        try:
            rt.provider  # noqa: B018 - fail now, with a clear message, not on the first SMS
        except ProviderError as error:
            raise click.ClickException(str(error)) from None
        work(rt, burst=burst, logging_level="INFO" if verbose else "WARNING")


@click.command()
@click.option("--once", is_flag=True, help="Hand over what is due now, then exit.")
def relay(once: bool) -> None:
    """Move committed jobs into Redis, or run them here while Redis is down or no worker is alive.

    It also runs the clock (escalations, pickup reminders, SMS in doubt) and replays reports the webhook
    spooled to disk while the database was down.
    """
    from gateway.jobs.clock import clock, run_aid_clock, run_escalations
    from gateway.jobs.relay import Relay
    from gateway.sms.send import settle_doubt

    with runtime() as rt:
        check_rules(rt)
        r = Relay(rt, runs_jobs=True)
        if once:
            escalated, reminders, doubt = run_escalations(r), run_aid_clock(r), settle_doubt(rt)
            click.echo(f"handed over {r.tick()} job(s); {escalated} escalation SMS and {reminders} pickup "
                       f"reminders queued; {doubt} SMS in doubt settled")  # fmt: skip
            return
        click.echo(f"relay running (queue {QUEUE_NAME!r} {'on Redis' if rt.queue else 'in-process'}); Ctrl-C stops")
        with suppress(KeyboardInterrupt):
            r.run_forever(threading.Event(), clock(r))
