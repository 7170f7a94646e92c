"""What the USSD screens ask of the gateway: record a report, look up pickups, link the phone, set the language.

Each action runs in its own transaction and is safe to repeat: a retried final callback finds the report it
already recorded (unique ``ussd:<sessionId>`` provider id) and answers with the same reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.aid.links import link_phone
from gateway.aid.pickups import households_of_phone, pickups_of
from gateway.db import dialect_insert, utcnow
from gateway.inbound import accept_report
from gateway.incidents.labels import NEED_LABELS, hazard_keyword, place_name
from gateway.models import InboundMessage, Incident, Report
from gateway.parsers import ParseResult
from gateway.parsers.result import Hazard, Need
from gateway.people.contacts import contact_for, language_of
from gateway.runtime import Runtime
from gateway.sms.queue import queue_sms
from gateway.ussd.effects import (
    CheckAid,
    Effect,
    LanguageSet,
    Linked,
    LinkPhone,
    NotInRegistry,
    Outcome,
    Pickups,
    ReportAccepted,
    SetLanguage,
    SubmitReport,
    Watch,
    Watched,
    WatchList,
)
from gateway.warnings.subscriptions import stopped, watch, watched


@dataclass(frozen=True)
class Call:
    """Who is dialling: the aggregator's session, the caller's phone (E.164) and the code dialled."""

    session_id: str
    phone: str
    service_code: str


def perform(rt: Runtime, call: Call, effect: Effect) -> tuple[Outcome, list[int]]:
    """Apply one effect; return its outcome and the outbox job ids to hand off after the commit."""
    if isinstance(effect, SubmitReport):
        return submit_report(rt, call, effect)
    if isinstance(effect, CheckAid):
        return check_aid(rt, call, effect), []
    if isinstance(effect, LinkPhone):
        return link(rt, call, effect)
    if isinstance(effect, Watch | WatchList):
        return watch_village(rt, call, effect), []
    return set_language(rt, call, effect), []


def caller_language(rt: Runtime, phone: str) -> str:
    """The language the phone chose (by SMS or USSD), else the gateway's default."""
    with rt.db.session() as session:
        return language_of(session, phone, rt.settings.default_language)


def provider_id(call: Call) -> str:
    """The inbound message id of the session's report: one report per USSD session."""
    return f"ussd:{call.session_id}"


def submit_report(rt: Runtime, call: Call, report: SubmitReport) -> tuple[ReportAccepted, list[int]]:
    """Record the report through the SMS pipeline's path (incident, alerts) and queue the confirmation SMS."""
    now = utcnow()
    with rt.db.session() as session:
        inserted = session.scalar(
            dialect_insert(session, InboundMessage.__table__)
            .values(provider_id=provider_id(call), channel="ussd", phone=call.phone, to=call.service_code[:30],
                    text=summary(rt, report), received_at=now, processed_at=now, intent="report")
            .on_conflict_do_nothing(index_elements=["provider_id"])
            .returning(InboundMessage.id)
        )  # fmt: skip
        if inserted is None:  # a retried final callback: answer with what was recorded the first time
            return _recorded(rt, session, provider_id(call)), []
        inbound = session.get_one(InboundMessage, inserted)
        result = ParseResult(
            "report", hazard=cast(Hazard, report.hazard), village_code=report.village_code,
            district_code=report.district_code, households=report.households,
            needs=cast(tuple[Need, ...], tuple(sorted(report.needs))), detected_language=None,
        )  # fmt: skip
        reply = accept_report(rt.setup, session, inbound, result, report.language)
        job_id = queue_sms(
            session, rt.settings, phone=call.phone, template=reply.template, language=report.language,
            key=f"reply:{inbound.id}", values=reply.values, inbound_id=inbound.id,
        )  # fmt: skip
    jobs = ([job_id] if job_id else []) + reply.follow_up
    return ReportAccepted(ref=str(reply.values["ref"]), place=str(reply.values["place"])), jobs


def summary(rt: Runtime, report: SubmitReport) -> str:
    """The report as the SMS a resident would have sent: ``LAPOR BANJIR SUKODONO 25 KK BUTUH MAKANAN``."""
    village = rt.region.village_name(report.village_code).upper()
    district = rt.region.district_name(report.district_code).upper()
    text = f"LAPOR {hazard_keyword(report.hazard, 'id')} {village} KEC {district} {report.households} KK"
    if report.needs:
        text += " BUTUH " + " ".join(NEED_LABELS[need][0].upper() for need in report.needs)
    return text


def _recorded(rt: Runtime, session: Session, provider: str) -> ReportAccepted:
    row = session.execute(
        select(Incident.ref, Incident.village_code)
        .join(Report, Report.incident_id == Incident.id)
        .join(InboundMessage, InboundMessage.id == Report.inbound_id)
        .where(InboundMessage.provider_id == provider)
    ).one()  # the report is committed with its inbound message, so it is there
    return ReportAccepted(ref=row.ref or "", place=place_name(rt.region, row.village_code))


def check_aid(rt: Runtime, call: Call, check: CheckAid) -> Pickups:
    """The phone's pending pickups, soonest deadline first."""
    with rt.db.session() as session:
        pickups = pickups_of(session, call.phone, rt.programs, check.language)
        linked = bool(pickups) or bool(households_of_phone(session, call.phone))
    return Pickups(tuple(pickups), linked)


def link(rt: Runtime, call: Call, effect: LinkPhone) -> tuple[Linked | NotInRegistry, list[int]]:
    """Link the phone to the household of the NIK and KK, as SMS DAFTAR does (see gateway.aid.links)."""
    with rt.db.session() as session:
        reply = link_phone(session, rt.settings, rt.region, call.phone, effect.nik, effect.kk)
    if reply.template not in ("registered", "registered_pending"):
        return NotInRegistry(throttled=reply.template == "register_throttled"), []
    linked = Linked(kk=str(reply.values["kk"]), village=str(reply.values["village"]),
                    vouched=reply.template == "registered")  # fmt: skip
    return linked, reply.follow_up


def set_language(rt: Runtime, call: Call, effect: SetLanguage) -> LanguageSet:
    """Remember the language for this phone: USSD menus and every SMS to it from now on."""
    with rt.db.session() as session:
        contact_for(session, call.phone).language = effect.language
    return LanguageSet(effect.language)


def watch_village(rt: Runtime, call: Call, effect: Watch | WatchList) -> Watched:
    """Subscribe the caller to a desa's early warnings (as SMS PANTAU does), then list the desa it watches."""
    with rt.db.session() as session:
        if isinstance(effect, Watch):
            watch(session, call.phone, effect.village_code, "ussd")
        places = tuple(place_name(rt.region, code) for code, _ in watched(session, call.phone))
        return Watched(places, stopped(session, call.phone))
