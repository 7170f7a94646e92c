"""Process one inbound SMS: parse it, act on it, and queue the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway import parsers
from gateway.db import utcnow
from gateway.incidents import hazard_label, record_report
from gateway.models import Contact, InboundMessage
from gateway.outbox import Outcome
from gateway.runtime import Runtime
from gateway.sms.outgoing import queue_sms

if TYPE_CHECKING:
    from gateway.parsers import ParseResult, Region

MAX_LISTED = 4  # kecamatan named in an "ambiguous place" reply: more would not fit one SMS


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
        language = (contact.language if contact else None) or result.detected_language or rt.settings.default_language
        template, values = reply_for(session, inbound, result, rt.region, language)
        job_id = queue_sms(
            session, rt.settings, phone=inbound.phone, template=template, language=language,
            key=f"reply:{inbound.id}", inbound_id=inbound.id, **values,
        )  # fmt: skip
    return Outcome(follow_up=(job_id,) if job_id else ())


def reply_for(
    session: Session, inbound: InboundMessage, result: ParseResult, region: Region, language: str
) -> tuple[str, dict[str, object]]:
    """Act on the parsed message and choose the reply: a template name and its values."""
    hazard = hazard_label(result.hazard, language)
    if result.intent == "report":
        if result.problem is None and result.village_code:
            incident = record_report(session, inbound, result)
            return "report_received", {"hazard": hazard, "place": place_name(region, result.village_code),
                                       "ref": incident.ref}  # fmt: skip
        if result.problem == "ambiguous_place":
            districts = sorted({region.district_name(region.district_of(c) or "") or "" for c in result.candidates})
            return "report_ambiguous_place", {
                "hazard": hazard.upper(),
                "place": (result.place_text or "").upper(),
                "districts": ", ".join(d for d in districts[:MAX_LISTED] if d),
            }
        if result.problem == "unknown_place":
            return "report_unknown_place", {"hazard": hazard.upper(), "place": (result.place_text or "")[:30],
                                            "region": region.name}  # fmt: skip
        if result.problem == "no_hazard":
            return "report_no_hazard", {"place": place_name(region, result.village_code) if result.village_code
                                        else (result.place_text or "").upper()}  # fmt: skip
        return "report_no_place", {"hazard": hazard.upper()}
    if result.intent == "help":
        return "help", {}
    if result.intent in ("stop", "start", "language"):
        return _contact_command(session, inbound.phone, result)
    if result.intent in ("ack", "resolve", "reject", "redeem", "status", "register"):
        return "not_available", {}
    return "format_help", {}


def _contact_command(session: Session, phone: str, result: ParseResult) -> tuple[str, dict[str, object]]:
    """STOP, START and LANGUAGE change what we remember about the phone."""
    contact = session.scalar(select(Contact).where(Contact.phone == phone))
    if contact is None:
        contact = Contact(phone=phone)
        session.add(contact)
    if result.intent == "stop":
        contact.opted_out_at = utcnow()
        return "stopped", {}
    if result.intent == "start":
        contact.opted_out_at = None
        return "started", {}
    if result.language is None:
        return "language_help", {}
    contact.language = result.language
    return "language_set", {}


def place_name(region: Region, village_code: str | None) -> str:
    """``Desa Sukodono, Kec. Kendal`` shortened to what the reply needs."""
    if not village_code:
        return ""
    village = region.village_name(village_code) or village_code
    district = region.district_name(region.district_of(village_code) or "")
    return f"{village}, Kec. {district}" if district else village
