"""One incident at ``/incidents/<ref>``: facts, reports (phones masked), dispatches, the audit trail, and the
actions the user's role allows (acknowledge, resolve, reject, note, re-dispatch), each recorded with their name."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from gateway.incidents.board import dispatch_states
from gateway.incidents.desk import ACTIONS, MAX_NOTE, act
from gateway.incidents.labels import facts_summary, place_name, region_zone, village_label
from gateway.incidents.record import incident_record
from gateway.models import InboundMessage, Report
from gateway.phones import mask_phone
from gateway.web.auth import current_actor, db_session, hand_off, incident_or_404, roles, runtime
from gateway.web.board import DESK_ROLES
from gateway.web.language import current_language, t

bp = Blueprint("incident", __name__)

# What the page says after an action, by the desk's outcome code.
OUTCOMES: dict[str, tuple[str, str]] = {
    "acknowledged": ("Diterima oleh {agency}. Pelapor diberi tahu lewat SMS.", "Acknowledged for {agency}. The reporters are told by SMS."),
    "agency_done": ("Bagian {agency} selesai; masih menunggu {waiting}.", "{agency}'s part is done; waiting for {waiting}."),
    "resolved": ("Kejadian selesai. Pelapor diberi tahu lewat SMS.", "Incident resolved. The reporters are told by SMS."),
    "rejected": ("Laporan ditolak (tidak benar).", "Report rejected as false."),
    "noted": ("Catatan disimpan.", "Note saved."),
    "redispatched": ("Dikirim ulang ke {agency}; {alerted} petugas diberi tahu.", "Dispatched to {agency} again; {alerted} officer(s) alerted."),
    "read_only": ("Peran Anda hanya untuk melihat.", "Your role may only read."),
    "closed": ("Kejadian ini sudah {status}.", "This incident is already {status}."),
    "not_your_dispatch": ("{agency} tidak ditugaskan pada kejadian ini.", "{agency} was not dispatched to this incident."),
    "already_acknowledged": ("{agency} sudah menerima kejadian ini.", "{agency} already acknowledged this incident."),
    "coordinator_only": ("Hanya koordinator (Pusdalops) yang boleh.", "Only the coordinator desk (Pusdalops) may do that."),
    "empty_note": ("Catatan kosong.", "The note is empty."),
    "reason_required": ("Tulis alasan penolakan: laporan yang ditolak tidak bisa dibuka lagi.", "Give the reason for rejecting: a rejected report cannot be reopened."),
    "long_note": ("Catatan paling panjang {limit} huruf.", "A note is at most {limit} characters."),
    "unknown_agency": ("Dinas {agency} tidak dikenal; pilih salah satu: {agencies}.", "No agency {agency}; one of {agencies}."),
    "unknown_action": ("Tindakan tidak dikenal.", "Unknown action."),
}  # fmt: skip


def outcome_text(code: str, values: dict[str, str]) -> str:
    indonesian, english = OUTCOMES.get(code, OUTCOMES["unknown_action"])
    return t(indonesian, english).format(**values)


@bp.get("/incidents/<ref>")
@roles(*DESK_ROLES)
def show(ref: str) -> str:
    rt = runtime()
    actor = current_actor()
    zone = region_zone(rt.settings.gateway_region)
    with db_session() as session:
        incident = incident_or_404(session, ref)
        record = incident_record(session, incident, rt.region, zone)
        states = dispatch_states(session, [incident], {incident.id: list(record.dispatches)})
        reports = session.execute(
            select(Report, InboundMessage.phone).join(InboundMessage, InboundMessage.id == Report.inbound_id)
            .where(Report.incident_id == incident.id).order_by(Report.id)
        ).all()  # fmt: skip
    language = current_language()
    return render_template(
        "incident.html", record=record, incident=incident, zone=zone, actor=actor,
        reports=[(report, mask_phone(phone), facts_summary(report, language)) for report, phone in reports],
        village=lambda code: village_label(rt.region, code), place=place_name(rt.region, incident.village_code),
        states=states, agencies=sorted(rt.rules.agencies), max_note=MAX_NOTE,
        may_act_for=[d.agency for d in record.dispatches if actor.acts_for(d.agency)],
    )  # fmt: skip


@bp.post("/incidents/<ref>/act")
@roles("coordinator", "agency")
def action(ref: str) -> Response:
    """One action from the incident page; the outcome is shown on the page it returns to."""
    name = request.form.get("action", "")
    if name not in ACTIONS:
        abort(400, description=f"action must be one of {', '.join(ACTIONS)}")
    rt = runtime()
    with db_session() as session:
        outcome = act(session, rt.setup, current_actor(), ref.upper(), name,
                      agency=request.form.get("agency") or None, note=request.form.get("note", ""))  # fmt: skip
    if outcome.code == "unknown_ref":  # not there, or another agency's: the same answer as the page
        abort(404)
    hand_off(outcome.jobs)  # after the commit: the reporters' and officers' SMS go out
    flash(outcome_text(outcome.code, outcome.values), "ok" if outcome.done else "error")
    return redirect(url_for("incident.show", ref=ref.upper()))
