"""POST /webhooks/ussd: one step of a USSD session, as Africa's Talking forwards it; answers the next screen."""

from __future__ import annotations

import logging

from flask import Blueprint, Response
from sqlalchemy.exc import DBAPIError

from gateway.phones import normalize_phone
from gateway.runtime import Runtime
from gateway.ussd import actions, endings, machine
from gateway.ussd.menus import say
from gateway.ussd.sessions import Sessions, SessionState, digest
from gateway.webhooks import bad_request, batcher, form_field, require_form, require_secret, runtime

log = logging.getLogger(__name__)

bp = Blueprint("ussd", __name__)
bp.before_request(require_secret)

FIELDS = ("sessionId", "serviceCode", "phoneNumber", "networkCode", "text")
MAX_ID = 100
MAX_TEXT = 1000  # every key pressed in one session, joined with "*": far less in any real session


@bp.post("/webhooks/ussd")
def ussd() -> Response:
    """Answer ``CON <screen>`` or ``END <screen>``; whatever the caller typed gets a screen, never an error."""
    problem = require_form(FIELDS)
    if problem:  # the aggregator misbehaving, not the caller
        return problem
    session_id = form_field("sessionId", MAX_TEXT).strip()
    if not session_id or len(session_id) > MAX_ID:
        return bad_request(f"'sessionId' must be 1 to {MAX_ID} characters")
    phone = normalize_phone(form_field("phoneNumber", MAX_ID))
    if phone is None:
        return bad_request("'phoneNumber' is not a valid phone number")
    call = actions.Call(session_id, phone, form_field("serviceCode", MAX_ID).strip())
    rt = runtime()
    try:
        body, jobs = answer(rt, call, form_field("text", MAX_TEXT, strip_nul=True))
    except DBAPIError:  # the database is down: tell the caller now rather than let the network time out
        log.exception("USSD session could not reach the database")
        return Response(f"END {say('unavailable', rt.settings.default_language)}", mimetype="text/plain")
    if jobs:
        batcher().submit(jobs)  # after the commit, as every webhook does
    return Response(body, mimetype="text/plain")


def answer(rt: Runtime, call: actions.Call, text: str) -> tuple[str, list[int]]:
    """Load the session, step the machine over every input so far, apply its effects, save the session."""
    sessions = Sessions(rt)
    state = sessions.load(call.session_id)
    fingerprint = digest(text)
    if state is not None and state.phone == call.phone and state.last_digest == fingerprint:
        return state.last_answer, []  # a retried callback: the same screen, nothing done twice
    new = state is None or state.phone != call.phone
    if state is None or new:
        state = SessionState(phone=call.phone, language=actions.caller_language(rt, call.phone))
    screen = machine.step(text.split("*") if text else [], machine.Context(state.language, rt.region))
    jobs: list[int] = []
    for effect in screen.effects:
        outcome, effect_jobs = actions.perform(rt, call, effect)
        screen, jobs = endings.conclude(effect, outcome), jobs + effect_jobs
    state.last_digest, state.last_answer = fingerprint, screen.body
    sessions.save(call.session_id, state, new=new)
    return screen.body, jobs
