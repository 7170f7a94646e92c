"""Incidents and officers from a terminal: ``import officers``, ``incidents``, ``incident REF``."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.common import check_rules, csv_input, incident_or_fail, runtime


@click.command("officers")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_officers(csv_file: Path) -> None:
    """Import officers from CSV_FILE with columns name,phone,agency,role,districts.

    role is officer or supervisor; districts lists kecamatan codes separated by spaces (empty: the whole
    kabupaten); agency is one of the routing file's agency codes, or the coordinator desk's code. Officers are
    matched by phone and agency: new ones are added, known ones updated. If any row is bad, nothing is imported
    and every bad row is listed by its line number; a file that lists no officer fails too. Fields may be
    separated by commas or semicolons, in UTF-8 or Windows-1252 (as Excel saves it). Officers new to an area
    are then alerted about its open, unanswered incidents that the rules send their agency.
    """
    from gateway.incidents.alerts import alert_late_officers
    from gateway.jobs.relay import Relay
    from gateway.people.officers import apply_roster, district_roster

    with runtime() as rt:
        check_rules(rt)
        with csv_input(csv_file) as handle:
            text = handle.read()
        rows, errors = district_roster(text, rt.rules, rt.region)
        if errors:
            for error in errors:
                click.echo(f"{csv_file}: {error}", err=True)
            raise click.ClickException(f"{len(errors)} bad row(s); nothing was imported")
        if not rows:
            raise click.ClickException(f"{csv_file}: nothing imported: it lists no officers")
        with rt.db.session() as session:
            summary = apply_roster(session, rows)
            jobs = alert_late_officers(session, rt.settings, rt.region)
        Relay(rt, runs_jobs=True).hand_off(jobs)
        click.echo(f"officers: {summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged")
        if jobs:
            click.echo(f"alerts about open incidents sent to officers new to them: {len(jobs)}")


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Include resolved and rejected incidents.")
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
def incidents(show_all: bool, limit: int) -> None:
    """List incidents, newest first: reference, status, hazard, place, counts, agencies and who acknowledged."""
    from gateway.incidents.labels import place_name
    from gateway.incidents.store import dispatches_of, recent_incidents

    with runtime() as rt, rt.db.session() as session:
        rows = recent_incidents(session, include_closed=show_all, limit=limit)
        if not rows:
            click.echo("no incidents" if show_all else "no open incidents (--all shows closed ones)")
        dispatches = dispatches_of(session, [incident.id for incident in rows])
        for incident in rows:
            agencies = " ".join(d.agency + ("+" if d.acknowledged_at else "") for d in dispatches[incident.id])
            counts = " ".join(f"{v}{u}" for v, u in ((incident.households, "KK"), (incident.people, "jiwa"),
                                                    (incident.houses, "rumah")) if v is not None)  # fmt: skip
            click.echo(f"{incident.ref:>6} {incident.status:<12} {incident.hazard or '-':<15} "
                       f"{place_name(rt.region, incident.village_code):<36} {counts:<18} {agencies}")  # fmt: skip


@click.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: facts, dispatches, trail (ISO times, zone).")
def incident(ref: str, as_json: bool) -> None:
    """Show incident REF: its facts, dispatches and the whole audit trail, in the region's local time (WIB, WITA
    or WIT): reports, dispatches and alerts, acknowledgements, escalations, affected households, allocations and
    pickups, with who did each, when and through which channel (phones and KKs masked)."""
    import json

    from gateway.incidents.labels import region_zone
    from gateway.incidents.record import incident_record, record_json, record_lines

    with runtime() as rt, rt.db.session() as session:
        found = incident_or_fail(session, ref)
        record = incident_record(session, found, rt.region, region_zone(rt.settings.gateway_region))
        out = json.dumps(record_json(record), ensure_ascii=False) if as_json else "\n".join(record_lines(record))
    click.echo(out)
