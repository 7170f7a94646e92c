"""Incidents and officers from a terminal: ``import officers``, ``incidents``, ``incident REF``."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.common import check_rules, incident_or_fail, runtime


@click.command("officers")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_officers(csv_file: Path) -> None:
    """Import officers from CSV_FILE with columns name,phone,agency,role,districts.

    role is officer or supervisor; districts lists kecamatan codes separated by spaces (empty: the whole
    kabupaten); agency is one of the routing file's agency codes, or the coordinator desk's code. Officers are
    matched by phone and agency: new ones are added, known ones updated. If any row is bad, nothing is imported
    and every bad row is listed by its line number.
    """
    from gateway.people.officers import apply_roster, read_roster

    with runtime() as rt:
        check_rules(rt)
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
def incident(ref: str) -> None:
    """Show incident REF: its facts, dispatches and the whole audit trail."""
    from gateway.incidents.audit import trail
    from gateway.incidents.labels import facts_summary, place_name
    from gateway.incidents.store import dispatches_of
    from gateway.phones import mask_phone

    with runtime() as rt, rt.db.session() as session:
        found = incident_or_fail(session, ref)
        click.echo(f"incident {found.ref}: {found.hazard} at {place_name(rt.region, found.village_code)}, "
                   f"{found.status}; {facts_summary(found, 'en') or 'no counts'}")  # fmt: skip
        for d in dispatches_of(session, [found.id])[found.id]:
            state = f"acknowledged {d.acknowledged_at:%Y-%m-%d %H:%M}" if d.acknowledged_at else "not acknowledged"
            click.echo(f"  {d.agency:<8} {d.task_en or d.task} ({state}, escalation level {d.escalation_level})")
        click.echo("audit trail (UTC):")
        for e in trail(session, found.id):
            who = f" by {mask_phone(e.phone)}" if e.phone else ""
            click.echo(f"  {e.at:%Y-%m-%d %H:%M:%S} {e.action:<14} via {e.channel}{who} {e.detail}".rstrip())
