"""Aid on the desk: the one-door ledger per incident, allocating a program, affected households, CSV export.

Every action goes through the same ledger functions as ``gateway aid ...`` and ``gateway import households``,
so the desk allocates with the same one-door rule and refusals, and reads the same CSV files.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from gateway.accounts.roles import Actor
from gateway.accounts.users import log_access
from gateway.aid.households import store_registry
from gateway.aid.kk import read_numbers
from gateway.aid.ledger import MAX_POINT, add_affected, allocate
from gateway.aid.programs import CATEGORIES, Program
from gateway.aid.registry import RegistryRead, read_registry
from gateway.aid.report import REPORT_COLUMNS, program_rows, report_rows
from gateway.csv_file import CsvFileError
from gateway.db import utcnow
from gateway.incidents.labels import region_zone, village_label
from gateway.models import AffectedHousehold, Incident, RegistryImport
from gateway.web.aid_forms import COUNTED, FormError, allocation_outcome, override_reason, pickup_point, totals
from gateway.web.aid_forms import window_start as typed_start
from gateway.web.auth import access, current_actor, db_session, hand_off, incident_or_404, roles, runtime
from gateway.web.board import DESK_ROLES
from gateway.web.language import current_language, t
from gateway.web.uploads import read_upload, too_large, upload_view, uploaded

bp = Blueprint("aid", __name__)

# The app refuses bodies over 64 KiB (callbacks are small); the two upload forms raise it for themselves.
AFFECTED_MAX_BYTES = 1 << 20  # a KK list of some 50,000 lines
REGISTRY_MAX_BYTES = 32 << 20  # some 250,000 people; a whole kabupaten's extract goes through the CLI
MAX_LISTED_ERRORS = 200  # as many bad lines as the CLI lists
MAX_LISTED_WARNINGS = 50
CATEGORY_WORDS: dict[str, tuple[str, str]] = {str(code): words for code, words in CATEGORIES.items()}
T = TypeVar("T")


PROGRAM_LINE = ("allocated", "collected", "double_prevented", "refused")  # ProgramLine's counts, in order


@dataclass(frozen=True)
class ProgramLine:
    """One program on this incident: what it gives, how many households got it, collected and refused."""

    program: Program
    allocated: int
    collected: int
    doubles_prevented: int
    refused: int


@dataclass
class AidLedger:
    """The incident's aid as the desk shows it, and the programs this user may allocate."""

    rows: list[dict[str, object]]
    totals: dict[str, int]
    affected: int
    unregistered: int
    programs: list[ProgramLine]
    allocatable: list[Program]


@dataclass
class UploadResult:
    """What an upload did, for the page: a summary, the bad lines by number, warnings."""

    kind: str  # affected | registry
    filename: str
    summary: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    more_errors: int = 0
    warnings: list[str] = field(default_factory=list)
    added: bool = False


def aid_ledger(session: Session, actor: Actor, incident: Incident) -> AidLedger:
    """The one-door ledger of ``incident``: per agency and desa, totals, affected households, per program."""
    rt = runtime()
    rows = [
        {**row, "desa": village_label(rt.region, str(row["village_code"]))} for row in report_rows(session, incident)
    ]
    affected, unregistered = session.execute(
        select(func.count(), func.count().filter(AffectedHousehold.household_id.is_(None)))
        .where(AffectedHousehold.incident_id == incident.id)
    ).one()  # fmt: skip
    per_program = {str(row["program"]): row for row in program_rows(session, incident)}
    programs = [ProgramLine(program, *(int(str(per_program[code][c])) for c in PROGRAM_LINE))
                for code, program in rt.programs.items() if code in per_program]  # fmt: skip
    allocatable = [program for program in rt.programs.values() if actor.acts_for(program.agency)]
    return AidLedger(rows, totals(rows), int(affected), int(unregistered), programs, allocatable)


@bp.app_context_processor
def incident_page_aid() -> dict[str, object]:
    """Let the incident page's aid section (``_incident_aid.html``) read the ledger of the incident it shows."""

    def ledger_of(incident: Incident) -> AidLedger:
        with db_session() as session:
            return aid_ledger(session, current_actor(), incident)

    def category(code: str) -> str:
        indonesian, english = CATEGORY_WORDS.get(code, (code, code))
        return t(indonesian, english)

    return {"aid_ledger_of": ledger_of, "aid_columns": COUNTED, "aid_category": category, "aid_max_point": MAX_POINT}


def aid_page(ref: str, upload: UploadResult | None = None, problem: str = "", status: int = 200) -> tuple[str, int]:
    """The incident's aid page, with what an upload did or what was wrong with a form."""
    actor = current_actor()
    with db_session() as session:
        incident = incident_or_404(session, ref)
        ledger = aid_ledger(session, actor, incident)
    page = render_template(
        "aid_incident.html", incident=incident, actor=actor, aid=ledger, upload=upload, problem=problem,
        form=request.form, zone=region_zone(runtime().settings.gateway_region),
    )  # fmt: skip
    return page, status


@bp.get("/incidents/<ref>/aid")
@roles(*DESK_ROLES)
def show(ref: str) -> tuple[str, int]:
    return aid_page(ref)


@bp.post("/incidents/<ref>/aid/allocate")
@roles("coordinator", "agency")
def allocate_program(ref: str) -> Response | tuple[str, int]:
    """Allocate one program to the incident's affected households, as ``gateway aid allocate`` does."""
    rt = runtime()
    actor = current_actor()
    program = rt.programs.get(request.form.get("program", "").upper())
    if program is None:
        abort(400, description="program must be one of " + ", ".join(rt.programs))
    if not actor.acts_for(program.agency):
        abort(403, description=f"{actor.agency} may not allocate {program.agency}'s program {program.code}")
    zone = region_zone(rt.settings.gateway_region)
    try:
        point = pickup_point(request.form.get("point", ""))
        start = typed_start(request.form.get("start", ""), zone.tz, utcnow())
        reason = override_reason(request.form.get("override", ""))
    except FormError as error:
        return aid_page(ref, problem=error.text(current_language() == "en"), status=400)
    with db_session() as session:
        incident = incident_or_404(session, ref)
        result = allocate(session, rt.settings, incident, program, point, start, reason, channel="web",
                          username=actor.name)  # fmt: skip
    hand_off(result.jobs)  # after the commit: the pickup SMS go out
    flash(allocation_outcome(program.code, result, current_language() == "en"), "ok" if result.allocated else "error")
    return redirect(url_for("aid.show", ref=ref.upper()))


def uploaded_file(ref: str, limit: int) -> FileStorage | None:
    """The form's ``file`` for a visible incident, checked for size and CSRF token (gateway.web.uploads)."""
    upload = uploaded("file", limit)
    with db_session() as session:
        incident_or_404(session, ref)
    return upload


@bp.post("/incidents/<ref>/aid/affected")
@upload_view
@roles("coordinator", "agency")
def upload_affected(ref: str) -> tuple[str, int]:
    """Add the households of a CSV (one KK or NIK per line), as ``gateway aid affected REF FILE`` does.

    As the CLI: numbers that can be neither are named by line and left out; a file without one usable number
    adds nothing.
    """
    upload = uploaded_file(ref, AFFECTED_MAX_BYTES)
    if upload is None:
        return aid_page(ref, problem=t("Pilih berkas CSV.", "Choose a CSV file."), status=400)
    result = UploadResult("affected", upload.filename or "")
    try:
        numbers, problems = read_upload(upload, read_numbers)
    except CsvFileError as error:
        return aid_page(ref, UploadResult("affected", result.filename, errors=[str(error)]), status=400)
    result.errors, result.more_errors = problems[:MAX_LISTED_ERRORS], max(0, len(problems) - MAX_LISTED_ERRORS)
    if not numbers:
        result.summary = [t("Tidak ada yang ditambahkan: tidak ada baris dengan KK atau NIK yang bisa dipakai.",
                            "Nothing added: no line holds a usable KK or NIK.")]  # fmt: skip
        return aid_page(ref, result, status=400)
    with db_session() as session:
        added = add_affected(session, incident_or_404(session, ref), numbers, source="desk",
                             username=current_actor().name)  # fmt: skip
    result.added = True
    result.summary = [t(f"{added.added} KK ditambahkan, {added.already} sudah tercatat, {len(added.not_in_registry)} "
                        "tidak ada di registri (alokasi untuk mereka perlu alasan pengecualian).",
                        f"{added.added} households added, {added.already} already listed, "
                        f"{len(added.not_in_registry)} not in the registry (allocating to them needs an override).")]  # fmt: skip
    return aid_page(ref, result)


@bp.post("/incidents/<ref>/aid/registry")
@upload_view
@roles("coordinator")
def upload_registry(ref: str) -> tuple[str, int]:
    """Import a welfare-registry extract, as ``gateway import households FILE`` does: bad rows named and left out."""
    upload = uploaded_file(ref, REGISTRY_MAX_BYTES)
    if upload is None:
        return aid_page(ref, problem=t("Pilih berkas CSV.", "Choose a CSV file."), status=400)
    name = upload.filename or ""
    region = runtime().settings.gateway_region
    try:
        read: RegistryRead = read_upload(upload, lambda handle: read_registry(handle, region))
    except CsvFileError as error:
        return aid_page(ref, UploadResult("registry", name, errors=[str(error)]), status=400)
    result = UploadResult("registry", name, errors=[f"line {e.line}: {e.message}" for e in read.errors[:MAX_LISTED_ERRORS]],
                          more_errors=max(0, len(read.errors) - MAX_LISTED_ERRORS),
                          warnings=[f"line {w.line}: {w.message}" for w in read.warnings[:MAX_LISTED_WARNINGS]])  # fmt: skip
    result.summary = [t(f"{read.rows} baris dibaca: {len(read.people)} sah, {len(read.errors)} tidak sah (tidak diimpor)",
                        f"read {read.rows} rows: {len(read.people)} valid, {len(read.errors)} invalid (left out)")]  # fmt: skip
    if not read.people:
        result.summary.append(t("Tidak ada yang diimpor.", "Nothing imported."))
        return aid_page(ref, result, status=400)
    with db_session() as session:
        lines = store_registry(session, read.people).lines()
        session.add(
            RegistryImport(filename=name[:200], rows=read.rows, invalid=len(read.errors), summary="\n".join(lines))
        )
        log_access(
            session, access(), "import", f"registry extract {name}: {read.rows} rows, {len(read.errors)} invalid"
        )
    result.summary.extend(lines)
    result.added = True
    return aid_page(ref, result)


bp.register_error_handler(RequestEntityTooLarge, too_large)


@bp.get("/incidents/<ref>/aid.csv")
@roles(*DESK_ROLES)
def export(ref: str) -> Response:
    """The ledger as CSV (the columns of ``gateway aid report --csv``), written to the access audit."""
    with db_session() as session:
        incident = incident_or_404(session, ref)
        rows = report_rows(session, incident)
        log_access(session, access(), "export", f"aid ledger of incident {ref.upper()}: {len(rows)} rows")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="aid-{ref.upper()}.csv"'})  # fmt: skip
