"""Act on one inbound message (SMS or USSD): do what it asks and choose the reply."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.aid.commands import redeem_command, register_command, status_command, victim_command
from gateway.aid.ledger import add_affected
from gateway.aid.links import answer_link
from gateway.db import utcnow
from gateway.incidents.alerts import dispatch_incident
from gateway.incidents.commands import OFFICER_INTENTS, officer_command
from gateway.incidents.labels import hazard_keyword, hazard_label, place_name
from gateway.incidents.store import OpenIncidents, record_report, report_facts
from gateway.models import Contact, Household, InboundMessage, Officer
from gateway.parsers import ParseResult
from gateway.people.contacts import contact_for
from gateway.phones import mask_phone
from gateway.routing import Rules
from gateway.runtime import Setup
from gateway.sms.budget import window_key
from gateway.sms.queue import SmsRequest, queue_sms_many
from gateway.sms.reply import Reply
from gateway.warnings.subscriptions import watch_command

MAX_LISTED = 3  # kecamatan named in an "ambiguous place" reply: more would not fit one SMS


class Batch:
    """What a batch of inbound messages needs from the database, read once: the open incidents their reports
    may join, the senders' contacts, and the households registered residents belong to.
    """

    def __init__(self, session: Session, rules: Rules, parsed: Sequence[tuple[InboundMessage, ParseResult]]) -> None:
        self.session = session
        reports = [result for _, result in parsed if _complete(result)]
        self.incidents = OpenIncidents(session, rules, [report_facts(r) for r in reports])
        self.contacts: dict[str, Contact] = {}
        self.households: dict[str, str] = {}  # phone -> KK of the household it is vouched for (DAFTAR, YA)
        self._read(sorted({inbound.phone for inbound, _ in parsed}))

    def reread(self, phone: str) -> None:
        """Read the phone's contact and household again, after a command that may have changed them."""
        self.contacts.pop(phone, None)
        self.households.pop(phone, None)
        self._read([phone])

    def _read(self, phones: Sequence[str]) -> None:
        vouched = Contact.link_vouched.is_(True) | (Household.phone == Contact.phone)  # see gateway.aid.links
        rows = self.session.execute(
            select(Contact, Household.kk).outerjoin(Household, (Household.id == Contact.household_id) & vouched)
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
    setup: Setup, session: Session, inbound: InboundMessage, result: ParseResult, language: str, batch: Batch
) -> Reply:
    """Do what the message asks and choose the reply, in this order of precedence."""
    if result.intent == "report":
        return _report(setup, session, inbound, result, language, batch)
    if result.intent in OFFICER_INTENTS:
        return officer_command(session, setup.settings, setup.rules, setup.region, inbound.phone, result.intent,
                               result.ref, language)  # fmt: skip
    if result.intent == "help":
        return Reply("help")
    if result.intent in ("stop", "start", "language"):
        return _contact_command(session, inbound.phone, result)
    if result.intent == "redeem":
        return redeem_command(session, inbound.phone, result.code, setup.programs)
    if result.intent == "victim":
        return victim_command(session, inbound.phone, result)
    if result.intent == "status":
        return status_command(session, inbound.phone, setup.programs, language)
    if result.intent == "register":
        return register_command(session, setup, inbound.phone, result)
    if result.intent in ("watch", "unwatch"):
        return watch_command(session, setup.region, inbound.phone, result, language)
    if result.intent in ("confirm_link", "cancel_link"):
        return answer_link(session, setup.settings, inbound.phone, result.code, result.intent == "confirm_link")
    return Reply("format_help")


def _report(
    setup: Setup, session: Session, inbound: InboundMessage, result: ParseResult, language: str, batch: Batch
) -> Reply:
    """A complete report joins or opens an incident and reaches its agencies; an incomplete one gets help.

    Dispatching runs for joined reports too: a grown incident can need more agencies, or more of one.
    """
    region = setup.region
    if _complete(result):
        return accept_report(setup, session, inbound, result, language, batch)
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
    setup: Setup, session: Session, inbound: InboundMessage, result: ParseResult, language: str,
    batch: Batch | None = None,
) -> Reply:  # fmt: skip
    """Record a complete report (SMS or USSD), dispatch its incident, and answer with the reference.

    The caller queues the returned reply to the reporter and hands ``follow_up`` (the alerts) off after commit.
    ``batch`` is what the caller read for a batch of messages; without it, this report's share is read here.
    """
    batch = batch or Batch(session, setup.rules, [(inbound, result)])
    recorded = record_report(session, inbound, result, setup.rules, channel=inbound.channel,
                             open_incidents=batch.incidents)  # fmt: skip
    incident = recorded.incident
    linked = batch.households.get(inbound.phone)
    if linked is not None:  # a resident who registered with DAFTAR reports: their household is affected
        add_affected(session, incident, [linked], source="registration", channel=inbound.channel, phone=inbound.phone)
    alerts = dispatch_incident(session, setup.settings, setup.rules, setup.region, incident,
                               cause=inbound.id, before=recorded.before)  # fmt: skip
    return Reply("report_received", {"hazard": hazard_label(result.hazard, language),
                                     "place": place_name(setup.region, result.village_code),
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


def tell_the_desk(session: Session, setup: Setup, phones: Sequence[str]) -> list[int]:
    """Tell the coordinator desk, once an hour per phone, that a phone went over its reply budget."""
    if not phones:
        return []
    desk = session.scalars(
        select(Officer.phone).where(Officer.agency == setup.rules.coordinator.code, Officer.on_duty.is_(True))
    ).all()
    requests = [SmsRequest(officer, "over_budget", setup.settings.default_language, f"{window_key(phone)}:{officer}",
                           {"phone": mask_phone(phone), "budget": setup.settings.reply_budget_per_hour})
                for phone in phones for officer in dict.fromkeys(desk)]  # fmt: skip
    return queue_sms_many(session, setup.settings, requests)
