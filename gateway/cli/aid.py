"""Aid from a terminal: ``import households``, and ``aid`` programs, affected, allocate, redeem and report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from gateway.cli.common import csv_input, incident_or_fail, runtime

MAX_LISTED_ERRORS = 200
MAX_LISTED_WARNINGS = 50


@click.command("households")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_households(csv_file: Path) -> None:
    """Import a welfare-registry extract (DTKS/DTSEN style), one row per person.

    Columns: no_kk,nik,nama,hubungan,tanggal_lahir,jenis_kelamin,kode_desa,alamat,rt,rw,telepon,status
    (status HIDUP, MENINGGAL, PINDAH or TIDAK LAYAK), separated by commas or semicolons, in UTF-8 or Windows-1252
    (as Excel saves it). Valid rows are imported, invalid ones listed by line and left out; a file without one
    valid row imports nothing and fails. Importing a newer extract updates people and households and reports what
    changed.
    """
    from gateway.aid.households import store_registry
    from gateway.aid.registry import read_registry
    from gateway.models import RegistryImport

    with runtime() as rt:
        size = csv_file.stat().st_size
        with (
            csv_input(csv_file) as handle,
            click.progressbar(length=size, label="reading", file=sys.stderr, show_eta=True) as bar,
        ):

            def lines() -> Iterator[str]:
                for line in handle:
                    bar.update(len(line.encode("utf-8")))
                    yield line

            read = read_registry(lines(), rt.settings.gateway_region)
        for error in read.errors[:MAX_LISTED_ERRORS]:
            click.echo(f"{csv_file}: line {error.line}: {error.message}", err=True)
        if len(read.errors) > MAX_LISTED_ERRORS:
            click.echo(f"{csv_file}: … and {len(read.errors) - MAX_LISTED_ERRORS} more bad rows", err=True)
        for warning in read.warnings[:MAX_LISTED_WARNINGS]:
            click.echo(f"{csv_file}: line {warning.line}: warning: {warning.message}", err=True)
        click.echo(f"read {read.rows} rows: {len(read.people)} valid, {len(read.errors)} invalid (left out)", err=True)
        if not read.people:
            why = f"none of its {read.rows} rows is valid (see above)"
            if not read.rows:
                why = "its first line does not name the columns (see above)" if read.errors else "it has no data rows"
            raise click.ClickException(f"{csv_file}: nothing imported: {why}")
        with rt.db.session() as session:
            summary = store_registry(session, read.people)
            lines_out = summary.lines()
            session.add(RegistryImport(filename=csv_file.name, rows=read.rows, invalid=len(read.errors),
                                       summary="\n".join(lines_out)))  # fmt: skip
        for line in lines_out:
            click.echo(line)


@click.group()
def aid() -> None:
    """Aid programs, affected households, allocation, redemption and the accountability report."""


@aid.command("programs")
def aid_programs() -> None:
    """List the aid programs: code, agency, category and what one household gets."""
    with runtime() as rt:
        for program in rt.programs.values():
            click.echo(f"{program.code:<12} {program.agency:<8} {program.category:<9} "
                       f"{program.amount('id')} {program.item('id')} ({program.name_en}; pickup window "
                       f"{program.pickup_days} days)")  # fmt: skip


@aid.command("affected")
@click.argument("ref")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def aid_affected(ref: str, csv_file: Path) -> None:
    """Add the households in CSV_FILE (one KK or NIK per line, first column) to incident REF.

    Numbers that can be neither a KK nor a NIK are listed by line and left out; a file without one usable number
    adds nothing and fails.
    """
    from gateway.aid.kk import read_numbers
    from gateway.aid.ledger import add_affected

    with csv_input(csv_file) as handle:
        numbers, problems = read_numbers(handle)
    for problem in problems:
        click.echo(f"{csv_file}: {problem}; left out", err=True)
    if not numbers:
        why = "no line holds a usable KK or NIK (see above)" if problems else "it lists no KK or NIK"
        raise click.ClickException(f"{csv_file}: nothing added: {why}")
    with runtime() as rt, rt.db.session() as session:
        summary = add_affected(session, incident_or_fail(session, ref), numbers, source="csv")
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

    from gateway.aid.ledger import MAX_POINT, allocate
    from gateway.aid.pickup_list import LOCAL_TIME
    from gateway.db import utcnow
    from gateway.jobs.relay import Relay

    if len(point) > MAX_POINT:
        raise click.ClickException(f"--point must be at most {MAX_POINT} characters, to keep the pickup SMS in one SMS")
    try:
        start = (datetime.strptime(start_text, "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL_TIME) if start_text
                 else utcnow())  # fmt: skip
    except ValueError:
        raise click.ClickException("--start must look like 2026-11-24 08:00") from None
    with runtime() as rt:
        program = rt.programs.get(program_code.upper())
        if program is None:
            raise click.ClickException(f"no program {program_code!r}; see `gateway aid programs`")
        with rt.db.session() as session:
            result = allocate(session, rt.settings, incident_or_fail(session, ref), program, point, start,
                              override_reason)  # fmt: skip
        Relay(rt, runs_jobs=True).hand_off(result.jobs)
    if result.no_households:
        raise click.ClickException(f"incident {ref} has no affected households yet; add them first with "
                                   f"`gateway aid affected {ref} FILE.csv`")  # fmt: skip
    refused = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(result.refused.items()))
    click.echo(f"{program.code} for incident {ref}: {result.allocated} allocated, {result.notified} pickup SMS "
               f"queued, {result.without_phone} without a phone; refused: {refused or 'none'}")  # fmt: skip


@aid.command("redeem")
@click.argument("code")
@click.option("--officer", "officer_phone", required=True, help="Phone of the registered officer at the point.")
def aid_redeem(code: str, officer_phone: str) -> None:
    """Record the pickup of CODE by the officer's agency, once (the same as the officer texting AMBIL CODE)."""
    from gateway.aid.ledger import redeem
    from gateway.people.officers import officers_by_phone
    from gateway.phones import mask_phone, normalize_phone
    from gateway.sms.templates import render

    phone = normalize_phone(officer_phone)
    if phone is None:
        raise click.BadParameter("is not a phone number", param_hint="'--officer'")
    with runtime() as rt, rt.db.session() as session:
        officers = officers_by_phone(session, phone)
        if not officers:
            raise click.ClickException(f"{mask_phone(phone)} is not a registered officer")
        outcome = redeem(session, officers[0], code, rt.programs, channel="cli")
    click.echo(render(outcome.template, "en", **outcome.values).text)
    if outcome.template != "redeem_ok":
        sys.exit(1)


@aid.command("vouch")
@click.argument("phone")
def aid_vouch(phone: str) -> None:
    """Vouch for PHONE, linked to a household with DAFTAR, after seeing the family's KK in person.

    Until a household's registered phone answers YA, or an officer vouches here, a phone linked with DAFTAR
    hears which aid waits but not the pickup codes. A household with no phone in the registry gets PHONE as
    the number its pickup notices go to.
    """
    from gateway.aid.kk import mask_kk
    from gateway.aid.links import vouch_for
    from gateway.phones import mask_phone, normalize_phone

    number = normalize_phone(phone)
    if number is None:
        raise click.ClickException(f"{phone!r} is not a phone number")
    with runtime() as rt, rt.db.session() as session:
        household = vouch_for(session, number)
        if household is None:
            raise click.ClickException(f"{mask_phone(number)} is linked to no household: it must send DAFTAR first")
        kk = household.kk
    click.echo(f"{mask_phone(number)} may now see the pickup codes of KK {mask_kk(kk)}")


@aid.command("report")
@click.argument("ref")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the table as CSV.")
def aid_report(ref: str, csv_path: Path | None) -> None:
    """Per agency and desa: allocated, notified, collected, expired, refused, double allocations prevented."""
    import csv

    from gateway.aid.report import REPORT_COLUMNS, report_rows

    with runtime() as rt, rt.db.session() as session:
        incident = incident_or_fail(session, ref)
        rows = report_rows(session, incident)
        names = {code: name for d, _ in rt.region.districts() for code, name in rt.region.villages(d)}
    counted = REPORT_COLUMNS[2:]
    click.echo(f"aid for incident {ref} ({incident.hazard}):")
    click.echo(f"{'agency':<8} {'desa':<22} " + " ".join(f"{c[:10]:>10}" for c in counted))
    for row in rows:
        desa = names.get(str(row["village_code"]), str(row["village_code"]))
        click.echo(f"{row['agency']!s:<8} {desa[:22]:<22} " + " ".join(f"{row[c]!s:>10}" for c in counted))
    totals = {c: sum(int(str(r[c])) for r in rows) for c in counted}
    click.echo(f"{'total':<31} " + " ".join(f"{totals[c]:>10}" for c in counted))
    if csv_path:
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["incident", *REPORT_COLUMNS])
            writer.writeheader()
            for row in rows:
                writer.writerow({"incident": ref, **row})
        click.echo(f"written to {csv_path}")
