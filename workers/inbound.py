"""Process one inbound SMS: parse it, act on it, and queue the reply."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway import parsers
from gateway.aid_commands import redeem_command, register_command, status_command, victim_command
from gateway.alerts import dispatch_incident
from gateway.contacts import contact_for
from gateway.db import utcnow
from gateway.incidents import hazard_keyword, hazard_label, place_name, record_report
from gateway.ledger import add_affected
from gateway.models import Contact, Household, InboundMessage
from gateway.officer_commands import OFFICER_INTENTS, Reply, officer_command
from gateway.outbox import Outcome
from gateway.parsers import ParseResult
from gateway.runtime import Runtime
from gateway.sms.outgoing import queue_sms

MAX_LISTED = 3  # kecamatan named in an "ambiguous place" reply: more would not fit one SMS


def process_inbound(rt: Runtime, inbound_id: int) -> Outcome:
    """Parse and answer one inbound SMS, once: a second run finds it processed and does nothing."""
    with rt.db.session() as session:
        claimed = session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == inbound_id, InboundMessage.processed_at.is_(None))
            .values(processed_at=utcnow())
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return Outcome()
        inbound = session.get_one(InboundMessage, inbound_id)
        result = parsers.parse(inbound.text, rt.region)
        inbound.intent, inbound.problem = result.intent, result.problem
        contact = session.scalar(select(Contact).where(Contact.phone == inbound.phone))
        chosen = contact.language if contact else None
        language = chosen or result.detected_language or rt.settings.default_language
        reply = act(rt, session, inbound, result, language)
        if result.intent == "language" and result.language:
            language = result.language  # confirm the switch in the language just chosen
        job_id = queue_sms(
            session, rt.settings, phone=inbound.phone, template=reply.template, language=language,
            key=f"reply:{inbound.id}", values=reply.values, inbound_id=inbound.id,
        )  # fmt: skip
    jobs = ([job_id] if job_id else []) + reply.follow_up
    return Outcome(follow_up=tuple(jobs))


def act(rt: Runtime, session: Session, inbound: InboundMessage, result: ParseResult, language: str) -> Reply:
    """Do what the message asks and choose the reply, in this order of precedence."""
    if result.intent == "report":
        return _report(rt, session, inbound, result, language)
    if result.intent in OFFICER_INTENTS:
        return officer_command(session, rt.settings, rt.region, inbound.phone, result.intent, result.ref, language)
    if result.intent == "help":
        return Reply("help")
    if result.intent in ("stop", "start", "language"):
        return _contact_command(session, inbound.phone, result)
    if result.intent == "redeem":
        return redeem_command(session, inbound.phone, result.code, rt.programs)
    if result.intent == "victim":
        return victim_command(session, inbound.phone, result)
    if result.intent == "status":
        return status_command(session, inbound.phone, rt.programs, language)
    if result.intent == "register":
        return register_command(session, inbound.phone, result, rt.region)
    return Reply("format_help")


def _report(rt: Runtime, session: Session, inbound: InboundMessage, result: ParseResult, language: str) -> Reply:
    """A complete report joins or opens an incident and reaches its agencies; an incomplete one gets help.

    Dispatching runs for joined reports too: a grown incident can need more agencies, or more of one.
    """
    region = rt.region
    if result.problem is None and result.village_code and result.hazard:
        return accept_report(rt, session, inbound, result, language)
    keyword = hazard_keyword(result.hazard, language)  # replies below show the command to send again
    if result.problem == "ambiguous_place":
        districts = sorted({region.district_name(region.district_of(code)) for code in result.candidates})
        return Reply("report_ambiguous_place", {
            "hazard": keyword, "place": (result.place_text or "").upper()[:24],
            "districts": ", ".join(districts[:MAX_LISTED]),
        })  # fmt: skip
    if result.problem == "unknown_place":
        return Reply("report_unknown_place", {"hazard": keyword, "place": (result.place_text or "")[:24],
                                              "region": region.name})  # fmt: skip
    if result.problem == "no_hazard":
        place = region.village_name(result.village_code) if result.village_code else (result.place_text or "")
        return Reply("report_no_hazard", {"place": place.upper()[:24]})
    if result.district_code:  # a kecamatan but no desa: ask for the desa, with a few of its names
        district = region.district_name(result.district_code)
        examples = ", ".join(name for _, name in region.villages(result.district_code)[:2])
        return Reply("report_no_village", {"hazard": keyword, "district": district.upper(),
                                           "examples": examples})  # fmt: skip
    return Reply("report_no_place", {"hazard": keyword})


def accept_report(rt: Runtime, session: Session, inbound: InboundMessage, result: ParseResult, language: str) -> Reply:
    """Record a complete report (SMS or USSD), dispatch its incident, and answer with the reference.

    The caller queues the returned reply to the reporter and hands ``follow_up`` (the alerts) off after commit.
    """
    recorded = record_report(session, inbound, result, rt.rules, channel=inbound.channel)
    incident = recorded.incident
    linked = session.scalar(select(Household.kk).join(Contact, Contact.household_id == Household.id).where(
        Contact.phone == inbound.phone))  # fmt: skip
    if linked is not None:  # a resident who registered with DAFTAR reports: their household is affected
        add_affected(session, incident, [linked], source="registration")
    alerts = dispatch_incident(session, rt.settings, rt.rules, rt.region, incident, cause=inbound.id)
    return Reply("report_received", {"hazard": hazard_label(result.hazard, language),
                                     "place": place_name(rt.region, result.village_code),
                                     "ref": incident.ref}, alerts)  # fmt: skip


def _contact_command(session: Session, phone: str, result: ParseResult) -> Reply:
    """STOP, START and LANGUAGE change what we remember about the phone."""
    contact = contact_for(session, phone)
    if result.intent == "stop":
        contact.opted_out_at = utcnow()
        return Reply("stopped")
    if result.intent == "start":
        contact.opted_out_at = None
        return Reply("started")
    if result.language is None:
        return Reply("language_help")
    contact.language = result.language
    return Reply("language_set")
