"""Process one inbound SMS: parse it, act on it, and queue the reply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway import parsers
from gateway.aid_commands import redeem_command, register_command, status_command, victim_command
from gateway.alerts import dispatch_incident
from gateway.contacts import contact_for
from gateway.db import utcnow
from gateway.incidents import OpenIncidents, hazard_keyword, hazard_label, place_name, record_report
from gateway.ledger import add_affected
from gateway.models import Contact, Household, InboundMessage
from gateway.officer_commands import OFFICER_INTENTS, Reply, officer_command
from gateway.outbox import Outcome
from gateway.parsers import ParseResult
from gateway.routing import Rules
from gateway.runtime import Runtime
from gateway.sms.outgoing import SmsRequest, queue_sms_keyed

MAX_LISTED = 3  # kecamatan named in an "ambiguous place" reply: more would not fit one SMS


def process_inbound(rt: Runtime, inbound_ids: Sequence[int]) -> list[Outcome]:
    """Parse and answer inbound SMS, each once, in one transaction; one Outcome per id, in order.

    A second run finds them processed and does nothing. What the reports of the batch need from the database
    (open incidents, contacts, registered households) is read once for all of them, and the replies are queued
    together: a batch costs a few statements more than one message. workers.tasks runs a failed batch again
    one message at a time, so a message that cannot be processed fails alone.
    """
    follow_up: dict[int, list[int]] = {}
    with rt.db.session() as session:
        messages = sorted(session.scalars(
            update(InboundMessage)
            .where(InboundMessage.id.in_(inbound_ids), InboundMessage.processed_at.is_(None))
            .values(processed_at=utcnow())
            .returning(InboundMessage)
        ).all(), key=lambda m: m.id)  # fmt: skip
        if not messages:  # processed already
            return [Outcome() for _ in inbound_ids]
        parsed = [(inbound, parsers.parse(inbound.text, rt.region)) for inbound in messages]
        _record_intents(session, parsed)
        batch = Batch(session, rt.rules, parsed)
        replies: list[SmsRequest] = []
        for inbound, result in parsed:
            contact = batch.contacts.get(inbound.phone)
            chosen = contact.language if contact else None
            language = chosen or result.detected_language or rt.settings.default_language
            reply = act(rt, session, inbound, result, language, batch)
            if result.intent != "report":  # a command may have changed what we know of the phone
                batch.reread(inbound.phone)
            if result.intent == "language" and result.language:
                language = result.language  # confirm the switch in the language just chosen
            replies.append(SmsRequest(inbound.phone, reply.template, language, f"reply:{inbound.id}", reply.values,
                                      inbound.id))  # fmt: skip
            follow_up[inbound.id] = reply.follow_up
        jobs = queue_sms_keyed(session, rt.settings, replies)
    outcomes = []
    for inbound_id in inbound_ids:
        reply_job = jobs.get(f"reply:{inbound_id}")
        outcomes.append(Outcome(follow_up=tuple(([reply_job] if reply_job else []) + follow_up.get(inbound_id, []))))
    return outcomes


def _record_intents(session: Session, parsed: Sequence[tuple[InboundMessage, ParseResult]]) -> None:
    """Store what each message was read as: one UPDATE per kind of message, not one per message."""
    groups: dict[tuple[str, str | None], list[InboundMessage]] = {}
    for inbound, result in parsed:
        groups.setdefault((result.intent, result.problem), []).append(inbound)
    for (intent, problem), messages in groups.items():
        session.execute(RECORD_INTENT, {"ids": [m.id for m in messages], "intent": intent, "problem": problem})
        for inbound in messages:  # the session's copies say the same, with nothing left to flush
            set_committed_value(inbound, "intent", intent)
            set_committed_value(inbound, "problem", problem)


_INBOUND = cast(Table, InboundMessage.__table__)
RECORD_INTENT = (
    update(_INBOUND)
    .where(_INBOUND.c.id.in_(bindparam("ids", expanding=True)))
    .values(intent=bindparam("intent"), problem=bindparam("problem"))
)


class Batch:
    """What a batch of inbound messages needs from the database, read once: the open incidents their reports
    may join, the senders' contacts, and the households registered residents belong to.
    """

    def __init__(self, session: Session, rules: Rules, parsed: Sequence[tuple[InboundMessage, ParseResult]]) -> None:
        self.session = session
        reports = [result for _, result in parsed if _complete(result)]
        self.incidents = OpenIncidents(session, rules, [(r.hazard, r.village_code) for r in reports])
        self.contacts: dict[str, Contact] = {}
        self.households: dict[str, str] = {}  # phone -> KK of the household it registered with (DAFTAR)
        self._read(sorted({inbound.phone for inbound, _ in parsed}))

    def reread(self, phone: str) -> None:
        """Read the phone's contact and household again, after a command that may have changed them."""
        self.contacts.pop(phone, None)
        self.households.pop(phone, None)
        self._read([phone])

    def _read(self, phones: Sequence[str]) -> None:
        rows = self.session.execute(
            select(Contact, Household.kk).outerjoin(Household, Household.id == Contact.household_id)
            .where(Contact.phone.in_(phones))
        )  # fmt: skip
        for contact, kk in rows:
            self.contacts[contact.phone] = contact
            if kk is not None:
                self.households[contact.phone] = kk


def _complete(result: ParseResult) -> bool:
    """A report with everything needed to record it: a hazard, a desa, and no problem."""
    return result.intent == "report" and result.problem is None and bool(result.village_code and result.hazard)


def act(
    rt: Runtime, session: Session, inbound: InboundMessage, result: ParseResult, language: str, batch: Batch
) -> Reply:
    """Do what the message asks and choose the reply, in this order of precedence."""
    if result.intent == "report":
        return _report(rt, session, inbound, result, language, batch)
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


def _report(
    rt: Runtime, session: Session, inbound: InboundMessage, result: ParseResult, language: str, batch: Batch
) -> Reply:
    """A complete report joins or opens an incident and reaches its agencies; an incomplete one gets help.

    Dispatching runs for joined reports too: a grown incident can need more agencies, or more of one.
    """
    region = rt.region
    if _complete(result):
        return accept_report(rt, session, inbound, result, language, batch)
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


def accept_report(
    rt: Runtime, session: Session, inbound: InboundMessage, result: ParseResult, language: str,
    batch: Batch | None = None,
) -> Reply:  # fmt: skip
    """Record a complete report (SMS or USSD), dispatch its incident, and answer with the reference.

    The caller queues the returned reply to the reporter and hands ``follow_up`` (the alerts) off after commit.
    ``batch`` is what the caller read for a batch of messages; without it, this report's share is read here.
    """
    batch = batch or Batch(session, rt.rules, [(inbound, result)])
    recorded = record_report(session, inbound, result, rt.rules, channel=inbound.channel,
                             open_incidents=batch.incidents)  # fmt: skip
    incident = recorded.incident
    linked = batch.households.get(inbound.phone)
    if linked is not None:  # a resident who registered with DAFTAR reports: their household is affected
        add_affected(session, incident, [linked], source="registration")
    alerts = dispatch_incident(session, rt.settings, rt.rules, rt.region, incident, cause=inbound.id,
                               before=recorded.before)  # fmt: skip
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
