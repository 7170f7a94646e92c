"""People and messages on the desk: the officers' roster and the message log, phones masked by role.

``/officers``: the roster. A coordinator imports a roster CSV (the same reader and the same all-or-nothing rule as
``gateway import officers``, bad rows listed by line on the page) and puts officers on or off duty; an agency user
sees its own agency's officers and puts them on or off duty; a viewer reads. Officers new to an area, or put back on
duty, are alerted about the open incidents they missed. Every import and duty change goes to the access audit.

``/messages``: the message log (see gateway.web.message_log for paging and who sees what). A coordinator may show
one row's number in full; each such view is written to the access audit, naming the message, never the number.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from gateway.accounts.roles import Actor
from gateway.accounts.users import log_access
from gateway.csv_file import CsvFileError
from gateway.db import utcnow
from gateway.incidents.alerts import alert_late_officers
from gateway.incidents.labels import region_zone
from gateway.models import Officer
from gateway.people.officers import apply_roster, district_roster
from gateway.phones import mask_phone
from gateway.web.auth import access, current_actor, db_session, hand_off, roles, runtime
from gateway.web.board import DESK_ROLES
from gateway.web.language import t
from gateway.web.message_log import (
    KINDS,
    STATUSES,
    FilterError,
    LogFilter,
    LogPage,
    log_filter,
    message_log,
    message_row,
    page_with,
)
from gateway.web.uploads import read_upload, too_large, upload_view, uploaded

bp = Blueprint("people", __name__)

ROSTER_LIMIT = 1 << 20  # 1 MiB: a kabupaten's roster is a few hundred lines, far below it
MAX_LISTED_ERRORS = 200  # a wrong file can be wrong on every line; the first 200 say what is wrong
FILTER_PROBLEMS: dict[str, tuple[str, str]] = {
    "kind": ("Jenis pesan harus inbound atau outbound, bukan {value!r}.", "Kind must be inbound or outbound, not {value!r}."),
    "status": ("Status {value!r} tidak dikenal untuk pesan ini; pilih salah satu: {statuses}.",
               "Status {value!r} is not one for these messages; one of {statuses}."),
    "phone": ("{value!r} bukan nomor telepon yang sah (contoh: 081234567890 atau +6281234567890).",
              "{value!r} is not a valid phone number (e.g. 081234567890 or +6281234567890)."),
    "before": ("Halaman {value!r} tidak sah.", "Page {value!r} is not valid."),
}  # fmt: skip


# ---- the roster -----------------------------------------------------------------------------------------


def _visible_officers(actor: Actor) -> list[Officer]:
    query = select(Officer).order_by(Officer.agency, Officer.name, Officer.id)
    if actor.role == "agency":
        query = query.where(Officer.agency == actor.agency)
    with db_session() as session:
        officers = list(session.scalars(query))
        session.expunge_all()  # read after the session ends, by the template
    return officers


def _roster_page(errors: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    rt = runtime()
    actor = current_actor()
    names = dict(rt.region.districts())
    officers = _visible_officers(actor)
    return render_template(
        "officers.html", officers=officers, actor=actor, errors=errors or [],
        district_names=lambda codes: [names.get(code, code) for code in codes.split()],
        on_duty=sum(1 for officer in officers if officer.on_duty),
    ), status  # fmt: skip


@bp.get("/officers")
@roles(*DESK_ROLES)
def officers() -> tuple[str, int]:
    return _roster_page()


@bp.post("/officers/import")
@upload_view
@roles("coordinator")
def import_roster() -> Response | tuple[str, int]:
    """Import a roster CSV all or nothing, as ``gateway import officers`` does; bad rows are listed by line."""
    rt = runtime()
    upload = uploaded("roster", ROSTER_LIMIT)
    if upload is None:
        return _roster_page([t("Pilih berkas CSV daftar petugas.", "Choose the roster CSV file.")], 400)
    try:
        text = read_upload(upload, lambda handle: handle.read())
    except CsvFileError as error:
        return _roster_page([str(error)], 400)
    rows, problems = district_roster(text, rt.rules, rt.region)
    if problems:
        listed = [str(problem) for problem in problems[:MAX_LISTED_ERRORS]]
        if len(problems) > MAX_LISTED_ERRORS:
            listed.append(t(f"... dan {len(problems) - MAX_LISTED_ERRORS} baris salah lagi",
                            f"... and {len(problems) - MAX_LISTED_ERRORS} more bad rows"))  # fmt: skip
        heading = t(f"{len(problems)} baris salah; tidak ada yang diimpor.",
                    f"{len(problems)} bad row(s); nothing was imported.")  # fmt: skip
        return _roster_page([heading, *listed], 400)
    if not rows:
        return _roster_page([t("Tidak ada yang diimpor: berkas tidak memuat petugas.",
                               "Nothing imported: the file lists no officers.")], 400)  # fmt: skip
    with db_session() as session:
        summary = apply_roster(session, rows)
        jobs = alert_late_officers(session, rt.settings, rt.region)
        log_access(session, access(), "roster_import", f"{(upload.filename or '')[:80]}: {summary.added} added, "
                   f"{summary.updated} updated, {summary.unchanged} unchanged, {len(jobs)} late alerts")  # fmt: skip
    hand_off(jobs)  # after the commit: officers new to an area hear about its open incidents
    flash(t(f"Petugas: {summary.added} ditambah, {summary.updated} diubah, {summary.unchanged} tetap; "
            f"{len(jobs)} peringatan kejadian terbuka dikirim.",
            f"Officers: {summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged; "
            f"{len(jobs)} alert(s) about open incidents sent."), "ok")  # fmt: skip
    return redirect(url_for("people.officers"))


bp.register_error_handler(RequestEntityTooLarge, too_large)


@bp.post("/officers/<int:officer_id>/on-duty")
@roles("coordinator", "agency")
def on_duty(officer_id: int) -> Response:
    """Put an officer on duty (``on_duty=1``, alerted about open incidents they missed) or off duty (``0``)."""
    value = request.form.get("on_duty", "")
    if value not in ("0", "1"):
        abort(400, description="on_duty must be 1 (on duty) or 0 (off duty)")
    rt = runtime()
    actor = current_actor()
    jobs: list[int] = []
    with db_session() as session:
        officer = session.get(Officer, officer_id)
        if officer is None:
            abort(404)
        if not actor.acts_for(officer.agency):
            abort(403)
        officer.on_duty, officer.updated_at = value == "1", utcnow()
        if officer.on_duty:
            jobs = alert_late_officers(session, rt.settings, rt.region, [officer.id])
        log_access(session, access(), "on_duty",
                   f"officer {officer.id} ({officer.agency}) {'on' if officer.on_duty else 'off'} duty")  # fmt: skip
        name, now_on = officer.name, officer.on_duty
    hand_off(jobs)
    flash(t(f"{name} sekarang {'bertugas' if now_on else 'tidak bertugas'}.",
            f"{name} is now {'on' if now_on else 'off'} duty."), "ok")  # fmt: skip
    return redirect(url_for("people.officers"))


# ---- the message log ------------------------------------------------------------------------------------


def _filter_problem(error: FilterError) -> str:
    indonesian, english = FILTER_PROBLEMS[error.field]
    return t(indonesian, english).format(value=error.value, statuses=", ".join(STATUSES))


def _log_page(page: LogPage, unmasked: int | None = None, problem: str | None = None, status: int = 200,
              phone_input: str = "") -> tuple[str, int]:  # fmt: skip
    return render_template(
        "messages.html", page=page, actor=current_actor(), unmasked=unmasked, problem=problem, kinds=KINDS,
        statuses=STATUSES, zone=region_zone(runtime().settings.gateway_region), phone_input=phone_input,
    ), status  # fmt: skip


def _fallback(kind: str) -> LogPage:
    """An empty page to show a filter problem on, on the tab that was asked for when it is one."""
    return LogPage(LogFilter(kind=kind if kind in KINDS else "inbound"), [], None)


@bp.get("/messages")
@roles(*DESK_ROLES)
def messages() -> tuple[str, int]:
    phone_input = request.args.get("phone", "")[:32]
    try:
        wanted = log_filter(request.args)
    except FilterError as error:
        return _log_page(_fallback(request.args.get("kind", "")), problem=_filter_problem(error), status=400,
                         phone_input=phone_input)  # fmt: skip
    actor = current_actor()
    if wanted.phone and not actor.may_unmask:  # looking a person up by number is seeing who they are
        return _log_page(_fallback(wanted.kind), status=403, phone_input="",
                         problem=t("Hanya koordinator yang boleh mencari pesan menurut nomor telepon.",
                                   "Only the coordinator desk may look messages up by phone number."))  # fmt: skip
    with db_session() as session:
        page = message_log(session, actor, wanted)
        if wanted.phone:
            log_access(session, access(), "phone_search", f"{wanted.kind} messages of {mask_phone(wanted.phone)}")
    return _log_page(page, phone_input=phone_input)


@bp.post("/messages/<kind>/<int:message_id>/phone")
@roles("coordinator")
def unmask(kind: str, message_id: int) -> tuple[str, int]:
    """The log page again, with this one message's number in full; the viewing is audited."""
    actor = current_actor()
    if not actor.may_unmask:
        abort(403)
    if kind not in KINDS:
        abort(404)
    form = {name: request.form.get(name, "") for name in ("status", "phone", "before")}
    try:
        wanted = log_filter({**form, "kind": kind})
    except FilterError as error:
        return _log_page(_fallback(kind), problem=_filter_problem(error), status=400)
    with db_session() as session:
        row = message_row(session, actor, kind, message_id)
        if row is None:
            abort(404)
        page = page_with(message_log(session, actor, wanted), row)
        log_access(session, access(), "unmask", f"{kind} message {message_id}")
    return _log_page(page, unmasked=message_id, phone_input=form["phone"])
