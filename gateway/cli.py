"""The ``gateway`` command: set up, serve, work, relay, and try messages from a terminal."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from gateway.config import ConfigError, Settings, load_settings
from gateway.logs import configure_logging
from gateway.runtime import QUEUE_NAME, Runtime
from gateway.ussd.simulator import ussd_command


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _runtime() -> Iterator[Runtime]:
    """A runtime for one command, its schema brought up to date first (a no-op once it is)."""
    rt = Runtime(_settings())
    try:
        rt.db.upgrade()
        yield rt
    finally:
        rt.close()


def _check_rules(rt: Runtime) -> None:
    """Load the routing rules now, so a bad rules file stops the start with its problems listed."""
    from gateway.routing import RulesError

    try:
        rt.rules  # noqa: B018
    except RulesError as error:
        raise click.ClickException(f"routing rules: {error}") from None


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Disaster SMS & USSD gateway for one kabupaten.

    Configuration comes from environment variables (see README): DATABASE_URL, REDIS_URL, SMS_BACKEND,
    WEBHOOK_SECRET, GATEWAY_REGION, DEFAULT_LANGUAGE and others. With none set it runs on SQLite under
    var/, writes sent SMS to var/sent_sms.jsonl and runs jobs in-process.
    """
    configure_logging()


@cli.command()
def init() -> None:
    """Create the database (or bring it up to date) and the var/ folder."""
    with _runtime() as rt:
        rt.settings.var_dir.mkdir(parents=True, exist_ok=True)
        rt.db.upgrade()
        click.echo(f"database ready: {_safe_url(rt.settings.database_url)}")


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration not yet applied."""
    with _runtime() as rt:
        rt.db.upgrade()
        click.echo("schema up to date")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the web app with an in-process relay (development and small sites; production: see Procfile).

    Without Redis the relay runs jobs here; with REDIS_URL set it hands them to Redis for `gateway worker`.
    """
    from werkzeug.serving import run_simple

    from gateway import create_app
    from gateway.outbox import Relay
    from workers.tasks import bind, execute_many, run_aid_clock, run_escalations

    settings = _settings()
    app = create_app(settings)
    rt: Runtime = app.extensions["gateway"]
    _check_rules(rt)
    rt.db.upgrade()
    bind(rt)
    background = Relay(rt, run_inline=execute_many, periodic=[lambda: run_escalations(rt), lambda: run_aid_clock(rt)])
    background.wake = app.extensions["gateway_relay"].wake  # the webhook's hand-off wakes this thread
    stop = threading.Event()
    threading.Thread(target=background.run_forever, args=(stop,), name="relay", daemon=True).start()

    base = f"http://{host}:{port}"
    secret = settings.webhook_secret
    click.echo(f"gateway on {base}  database: {_safe_url(settings.database_url)}  SMS backend: {settings.sms_backend}")
    if settings.sms_backend == "file":
        click.echo(f"sent SMS are written to {settings.sms_file_path}")
    click.echo("jobs: " + ("handed to Redis; run `gateway worker` beside this" if rt.queue else "run in this process"))
    click.echo("callback URLs for Africa's Talking (keep the secret private):")
    for name in ("sms", "delivery", "ussd"):
        click.echo(f"  {name:9} {base}/webhooks/{name}?secret={secret}")
    click.echo(f"  health    {base}/healthz")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        stop.set()
        background.wake.set()


@cli.command()
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then exit.")
@click.option("--verbose", is_flag=True, help="Log every job RQ runs (by default only warnings and errors).")
def worker(burst: bool, verbose: bool) -> None:
    """Run an RQ worker for the gateway's queue (needs REDIS_URL)."""
    from rq import SimpleWorker

    from gateway.sms import ProviderError
    from workers.tasks import bind

    with _runtime() as rt:
        if rt.queue is None or rt.redis is None:
            raise click.ClickException(
                "gateway worker needs REDIS_URL; without Redis, `gateway serve` or `gateway relay` run the jobs"
            )
        try:
            rt.provider  # noqa: B018 - fail now, with a clear message, not on the first SMS
        except ProviderError as error:
            raise click.ClickException(str(error)) from None
        bind(rt)
        # SimpleWorker runs jobs in this process: no fork per job, and the database pool is reused.
        SimpleWorker([rt.queue], connection=rt.redis).work(
            burst=burst, with_scheduler=False, logging_level="INFO" if verbose else "WARNING"
        )


@cli.command()
@click.option("--once", is_flag=True, help="Hand over what is due now, then exit.")
def relay(once: bool) -> None:
    """Move committed jobs from the outbox into Redis, or run them here while Redis is absent or down."""
    from gateway.outbox import Relay
    from workers.tasks import bind, execute_many, run_aid_clock, run_escalations

    with _runtime() as rt:
        _check_rules(rt)
        bind(rt)
        r = Relay(rt, run_inline=execute_many, periodic=[lambda: run_escalations(rt), lambda: run_aid_clock(rt)])
        if once:
            escalated, reminders = run_escalations(rt), run_aid_clock(rt)
            click.echo(f"handed over {r.tick()} job(s); {escalated} escalation SMS and {reminders} pickup "
                       "reminders queued")  # fmt: skip
            return
        click.echo(f"relay running (queue {QUEUE_NAME!r} {'on Redis' if rt.queue else 'in-process'}); Ctrl-C stops")
        with suppress(KeyboardInterrupt):
            r.run_forever(threading.Event())


@cli.group("import")
def import_() -> None:
    """Import rosters and registries from CSV files."""


@import_.command("officers")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_officers(csv_file: Path) -> None:
    """Import officers from CSV_FILE with columns name,phone,agency,role,districts.

    role is officer or supervisor; districts lists kecamatan codes separated by spaces (empty: the whole
    kabupaten); agency is one of the routing file's agency codes, or the coordinator desk's code. Officers are
    matched by phone and agency: new ones are added, known ones updated. If any row is bad, nothing is imported
    and every bad row is listed by its line number.
    """
    from gateway.officers import apply_roster, read_roster

    with _runtime() as rt:
        _check_rules(rt)
        agencies = [*rt.rules.agencies, rt.rules.coordinator.code]
        text = csv_file.read_text(encoding="utf-8-sig")
        districts = {code for code, _ in rt.region.districts()}
        rows, errors = read_roster(text, agencies, districts.__contains__)
        if errors:
            for error in errors:
                click.echo(f"{csv_file}: {error}", err=True)
            raise click.ClickException(f"{len(errors)} bad row(s); nothing was imported")
        with rt.db.session() as session:
            summary = apply_roster(session, rows)
        click.echo(f"officers: {summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged")


@import_.command("households")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_households(csv_file: Path) -> None:
    """Import a welfare-registry extract (DTKS/DTSEN style), one row per person.

    Columns: no_kk,nik,nama,hubungan,tanggal_lahir,jenis_kelamin,kode_desa,alamat,rt,rw,telepon,status
    (status HIDUP, MENINGGAL, PINDAH or TIDAK LAYAK). Valid rows are imported, invalid ones listed by line and
    left out. Importing a newer extract updates people and households and reports what changed.
    """
    from gateway.aid.registry import read_registry
    from gateway.models import RegistryImport
    from gateway.registry_store import store_registry

    with _runtime() as rt:
        size = csv_file.stat().st_size
        with (
            csv_file.open(encoding="utf-8-sig", newline="") as handle,
            click.progressbar(length=size, label="reading", file=sys.stderr, show_eta=True) as bar,
        ):

            def lines() -> Iterator[str]:
                for line in handle:
                    bar.update(len(line.encode("utf-8")))
                    yield line

            read = read_registry(lines(), rt.settings.gateway_region)
        for error in read.errors[:200]:
            click.echo(f"{csv_file}: line {error.line}: {error.message}", err=True)
        if len(read.errors) > 200:
            click.echo(f"{csv_file}: … and {len(read.errors) - 200} more bad rows", err=True)
        for warning in read.warnings[:50]:
            click.echo(f"{csv_file}: line {warning.line}: warning: {warning.message}", err=True)
        click.echo(f"read {read.rows} rows: {len(read.people)} valid, {len(read.errors)} invalid (left out)", err=True)
        with rt.db.session() as session:
            summary = store_registry(session, read.people)
            lines_out = summary.lines()
            session.add(RegistryImport(filename=csv_file.name, rows=read.rows, invalid=len(read.errors),
                                       summary="\n".join(lines_out)))  # fmt: skip
        for line in lines_out:
            click.echo(line)


@cli.group()
def aid() -> None:
    """Aid programs, affected households, allocation, redemption and the accountability report."""


@aid.command("programs")
def aid_programs() -> None:
    """List the aid programs: code, agency, category and what one household gets."""
    with _runtime() as rt:
        for program in rt.programs.values():
            click.echo(f"{program.code:<12} {program.agency:<8} {program.category:<9} "
                       f"{program.amount('id')} {program.item('id')} ({program.name_en}; pickup window "
                       f"{program.pickup_days} days)")  # fmt: skip


def _incident(session: Any, ref: str) -> Any:
    from gateway.models import Incident

    incident = session.scalars(select(Incident).where(Incident.ref == ref.strip())).first()
    if incident is None:
        raise click.ClickException(f"no incident with reference {ref!r}")
    return incident


@aid.command("affected")
@click.argument("ref")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def aid_affected(ref: str, csv_file: Path) -> None:
    """Add the households in CSV_FILE (one KK or NIK per line, first column) to incident REF."""
    from gateway.ledger import add_affected

    numbers: list[str] = []
    bad: list[str] = []
    for line_no, line in enumerate(csv_file.read_text(encoding="utf-8-sig").splitlines(), start=1):
        cell = line.split(",")[0].strip().strip("'\"")
        digits = "".join(ch for ch in cell if ch.isdigit())
        if not cell or (line_no == 1 and not digits):
            continue  # blank line or a header
        (numbers if len(digits) == 16 else bad).append(digits if len(digits) == 16 else f"line {line_no}: {cell!r}")
    for problem in bad:
        click.echo(f"{csv_file}: {problem} is not a 16-digit KK or NIK; left out", err=True)
    with _runtime() as rt, rt.db.session() as session:
        summary = add_affected(session, _incident(session, ref), numbers, source="csv")
    click.echo(f"incident {ref}: {summary.added} households added, {summary.already} already listed, "
               f"{len(summary.not_in_registry)} not in the registry (allocating to them needs --override)")  # fmt: skip


@aid.command("allocate")
@click.argument("ref")
@click.argument("program_code")
@click.option("--point", required=True, help="Pickup point, e.g. 'Balai Desa Sukodono' (at most 30 characters).")
@click.option("--start", "start_text", help="Window start, local time (WIB) 'YYYY-MM-DD HH:MM'; default: now.")
@click.option("--override", "override_reason", help="Also allocate to unregistered households; the reason is kept.")
def aid_allocate(ref: str, program_code: str, point: str, start_text: str | None, override_reason: str | None) -> None:
    """Allocate PROGRAM_CODE to every eligible affected household of incident REF and send the pickup SMS.

    The ledger refuses, and records why: the same category already given for this incident by any agency,
    households with no living eligible member, and households not in the registry (unless --override).
    """
    from datetime import datetime

    from gateway.db import utcnow
    from gateway.ledger import LOCAL_TIME, MAX_POINT, allocate
    from gateway.outbox import Relay
    from workers.tasks import execute_many

    if len(point) > MAX_POINT:
        raise click.ClickException(f"--point must be at most {MAX_POINT} characters, to keep the pickup SMS in one SMS")
    try:
        start = (datetime.strptime(start_text, "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL_TIME) if start_text
                 else utcnow())  # fmt: skip
    except ValueError:
        raise click.ClickException("--start must look like 2026-11-24 08:00") from None
    with _runtime() as rt:
        program = rt.programs.get(program_code.upper())
        if program is None:
            raise click.ClickException(f"no program {program_code!r}; see `gateway aid programs`")
        with rt.db.session() as session:
            result = allocate(session, rt.settings, _incident(session, ref), program, point, start, override_reason)
        Relay(rt, run_inline=execute_many).hand_off(result.jobs)
    refused = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(result.refused.items()))
    click.echo(f"{program.code} for incident {ref}: {result.allocated} allocated, {result.notified} pickup SMS "
               f"queued, {result.without_phone} without a phone; refused: {refused or 'none'}")  # fmt: skip


@aid.command("redeem")
@click.argument("code")
@click.option("--officer", "officer_phone", required=True, help="Phone of the registered officer at the point.")
def aid_redeem(code: str, officer_phone: str) -> None:
    """Record the pickup of CODE by the officer's agency, once (the same as the officer texting AMBIL CODE)."""
    from gateway.ledger import redeem
    from gateway.models import Officer
    from gateway.phones import normalize_phone
    from gateway.sms.templates import render

    phone = normalize_phone(officer_phone)
    with _runtime() as rt, rt.db.session() as session:
        officer = session.scalars(select(Officer).where(Officer.phone == phone)).first() if phone else None
        if officer is None:
            raise click.ClickException(f"{officer_phone} is not a registered officer")
        outcome = redeem(session, officer, code, rt.programs)
    click.echo(render(outcome.template, "en", **outcome.values).text)
    if outcome.template != "redeem_ok":
        sys.exit(1)


@aid.command("report")
@click.argument("ref")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the table as CSV.")
def aid_report(ref: str, csv_path: Path | None) -> None:
    """Per agency and desa: allocated, notified, collected, expired, refused, double allocations prevented."""
    import csv as csv_module

    from gateway.ledger import REPORT_COLUMNS, report_rows

    with _runtime() as rt, rt.db.session() as session:
        incident = _incident(session, ref)
        rows = report_rows(session, incident)
        names = {code: name for d, _ in rt.region.districts() for code, name in rt.region.villages(d)}
    click.echo(f"aid for incident {ref} ({incident.hazard}):")
    click.echo(f"{'agency':<8} {'desa':<22} " + " ".join(f"{c[:10]:>10}" for c in REPORT_COLUMNS[2:]))
    for row in rows:
        desa = names.get(str(row["village_code"]), str(row["village_code"]))
        click.echo(f"{row['agency']!s:<8} {desa[:22]:<22} " + " ".join(f"{row[c]!s:>10}" for c in REPORT_COLUMNS[2:]))
    totals = {c: sum(int(str(r[c])) for r in rows) for c in REPORT_COLUMNS[2:]}
    click.echo(f"{'total':<31} " + " ".join(f"{totals[c]:>10}" for c in REPORT_COLUMNS[2:]))
    if csv_path:
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv_module.DictWriter(handle, fieldnames=["incident", *REPORT_COLUMNS])
            writer.writeheader()
            for row in rows:
                writer.writerow({"incident": ref, **row})
        click.echo(f"written to {csv_path}")


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Include resolved and rejected incidents.")
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
def incidents(show_all: bool, limit: int) -> None:
    """List incidents, newest first: reference, status, hazard, place, counts, agencies and who acknowledged."""
    from sqlalchemy import select

    from gateway.incidents import CLOSED, place_name
    from gateway.models import Dispatch, Incident

    with _runtime() as rt, rt.db.session() as session:
        query = select(Incident).order_by(Incident.id.desc()).limit(limit)
        if not show_all:
            query = query.where(Incident.status.not_in(CLOSED))
        rows = session.scalars(query).all()
        if not rows:
            click.echo("no incidents" if show_all else "no open incidents (--all shows closed ones)")
        for incident in rows:
            agencies = " ".join(
                d.agency + ("+" if d.acknowledged_at else "")
                for d in session.scalars(select(Dispatch).where(Dispatch.incident_id == incident.id))
            )
            counts = " ".join(f"{v}{u}" for v, u in ((incident.households, "KK"), (incident.people, "jiwa"),
                                                    (incident.houses, "rumah")) if v is not None)  # fmt: skip
            click.echo(f"{incident.ref:>6} {incident.status:<12} {incident.hazard or '-':<15} "
                       f"{place_name(rt.region, incident.village_code):<36} {counts:<18} {agencies}")  # fmt: skip


@cli.command()
@click.argument("ref")
def incident(ref: str) -> None:
    """Show incident REF: its facts, dispatches and the whole audit trail."""
    from sqlalchemy import select

    from gateway.incidents import facts_summary, place_name
    from gateway.models import Dispatch, IncidentEvent
    from gateway.phones import mask_phone

    with _runtime() as rt, rt.db.session() as session:
        found = _incident(session, ref)
        click.echo(f"incident {found.ref}: {found.hazard} at {place_name(rt.region, found.village_code)}, "
                   f"{found.status}; {facts_summary(found, 'en') or 'no counts'}")  # fmt: skip
        for d in session.scalars(select(Dispatch).where(Dispatch.incident_id == found.id).order_by(Dispatch.id)):
            state = f"acknowledged {d.acknowledged_at:%Y-%m-%d %H:%M}" if d.acknowledged_at else "not acknowledged"
            click.echo(f"  {d.agency:<8} {d.task_en or d.task} ({state}, escalation level {d.escalation_level})")
        click.echo("audit trail (UTC):")
        for e in session.scalars(
            select(IncidentEvent).where(IncidentEvent.incident_id == found.id).order_by(IncidentEvent.id)
        ):
            who = f" by {mask_phone(e.phone)}" if e.phone else ""
            click.echo(f"  {e.at:%Y-%m-%d %H:%M:%S} {e.action:<14} via {e.channel}{who} {e.detail}".rstrip())


@cli.group()
def simulate() -> None:
    """Send a message through the real webhook, as the aggregator would, and print the replies."""


@simulate.command("sms")
@click.option("--from", "sender", required=True, help="Sender's phone, e.g. 081234567890.")
@click.option("--to", "shortcode", default="98123", show_default=True, help="Our short code or number.")
@click.option("--url", help="Post to a running gateway (e.g. http://127.0.0.1:8000) instead of in-process.")
@click.option("--timeout", default=15.0, show_default=True, help="Seconds to wait for the replies.")
@click.argument("text")
def simulate_sms(sender: str, shortcode: str, url: str | None, timeout: float, text: str) -> None:
    """Post TEXT from --from to /webhooks/sms and print each reply SMS."""
    from gateway import create_app
    from gateway.outbox import Relay
    from gateway.sms.outgoing import wait_for_replies
    from workers.tasks import bind, execute_many

    settings = _settings()
    provider_id = f"sim-{uuid.uuid4().hex[:16]}"
    form = {"from": sender, "to": shortcode, "text": text, "id": provider_id,
            "date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}  # fmt: skip
    app = create_app(settings)
    rt: Runtime = app.extensions["gateway"]
    rt.db.upgrade()
    bind(rt)
    if url:
        import requests

        response = requests.post(f"{url.rstrip('/')}/webhooks/sms", params={"secret": settings.webhook_secret},
                                 data=form, timeout=10)  # fmt: skip
        status, body = response.status_code, response.text
    else:
        app.extensions["gateway_relay"].run_inline = execute_many  # without Redis, run the jobs here
        result = app.test_client().post("/webhooks/sms", query_string={"secret": settings.webhook_secret}, data=form)
        status, body = result.status_code, result.get_data(as_text=True)
    click.echo(f"webhook answered {status}{': ' + body.strip() if body.strip() else ''}")
    if status != 200:
        sys.exit(1)

    replies, in_time = wait_for_replies(rt, provider_id, timeout, Relay(rt, run_inline=execute_many).tick)
    if not in_time:
        hint = "is `gateway worker` running?" if rt.queue else "is the database reachable?"
        click.echo(f"no reply sent within {timeout:.0f}s ({hint})", err=True)
    for reply in replies:
        click.echo(f"reply to {reply.phone} [{reply.status}, {reply.segments} segment(s), {reply.encoding}]:")
        click.echo(f"  {reply.text}")
    rt.close()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message (the parse contract).")
@click.argument("text", required=False)
def parse(as_json: bool, text: str | None) -> None:
    """Parse TEXT, or each line of standard input, as an SMS to this gateway's region."""
    from gateway.parsers import load_region
    from gateway.parsers import parse as parse_text

    settings = _settings()
    try:
        region = load_region(settings.gateway_region)
    except ValueError as error:
        raise click.ClickException(f"GATEWAY_REGION: {error}") from None
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        result = parse_text(line, region)
        contract = result.to_contract()
        if as_json:
            click.echo(json.dumps(contract, ensure_ascii=False))
        else:
            fields = ", ".join(f"{k}={v}" for k, v in contract.items() if v not in (None, [], ()))
            click.echo(f"{line!r}: {fields}" + (f" (problem: {result.problem})" if result.problem else ""))


cli.add_command(ussd_command)


def main() -> None:
    """Console script entry point."""
    cli(prog_name="gateway")
