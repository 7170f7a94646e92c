"""Aid by SMS: officers redeem pickups (AMBIL) and list victims (KORBAN); residents check (CEK), register (DAFTAR)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.aid.kk import mask_kk
from gateway.aid.ledger import add_affected, redeem
from gateway.aid.pickup_list import list_pickups
from gateway.aid.pickups import pickups_of
from gateway.aid.programs import Program
from gateway.models import Household, Incident, Person
from gateway.parsers import ParseResult, Region
from gateway.people.contacts import contact_for
from gateway.people.officers import officers_by_phone
from gateway.sms.reply import Reply
from gateway.sms.templates import render
from gateway.sms.text import SINGLE


def redeem_command(session: Session, phone: str, code: str | None, programs: dict[str, Program]) -> Reply:
    """AMBIL <code>: only an officer at a pickup point can record a pickup."""
    officers = officers_by_phone(session, phone)
    if not officers:
        return Reply("officer_only")
    outcome = redeem(session, officers[0], code, programs)
    return Reply(outcome.template, outcome.values)


def victim_command(session: Session, phone: str, result: ParseResult) -> Reply:
    """KORBAN <ref> <KK or NIK>…: an officer lists affected households of an incident."""
    officers = officers_by_phone(session, phone)
    if not officers:
        return Reply("officer_only")
    if not result.ref:
        return Reply("missing_ref")
    if not result.ids:
        return Reply("missing_ids")
    incident = session.scalar(select(Incident).where(Incident.ref == result.ref))
    if incident is None:
        return Reply("unknown_ref", {"ref": result.ref})
    summary = add_affected(session, incident, result.ids, source="sms", officer_id=officers[0].id)
    return Reply("victims_added", {"ref": result.ref, "added": summary.added, "already": summary.already,
                                   "unregistered": len(summary.not_in_registry)})  # fmt: skip


def status_command(session: Session, phone: str, programs: dict[str, Program], language: str) -> Reply:
    """CEK: the phone's pending pickups, as many as fit one SMS, or that there are none."""
    pickups = pickups_of(session, phone, programs, language)
    if not pickups:
        return Reply("pickups_none")
    room = SINGLE["GSM-7"] - len(render("pickups_list", language, list="").text)
    return Reply("pickups_list", {"list": list_pickups(pickups, language, room, separator="; ")})


def register_command(session: Session, phone: str, result: ParseResult, region: Region) -> Reply:
    """DAFTAR <NIK>[#<KK>]: link this phone to the NIK's household when the registry knows it."""
    if not result.nik or not result.nik_valid or (result.problem in ("invalid_nik", "invalid_kk")):
        return Reply("register_invalid")
    return link_phone(session, phone, result.nik, result.kk, region)


def link_phone(session: Session, phone: str, nik: str, kk: str | None, region: Region) -> Reply:
    """Link ``phone`` to the household of a valid ``nik`` (and ``kk``, if given) when the registry knows it."""
    person = session.scalar(select(Person).where(Person.nik == nik))
    household = session.get(Household, person.household_id) if person else None
    if person is None or household is None or (kk and household.kk != kk):
        return Reply("register_unknown")
    contact_for(session, phone).household_id = household.id
    if person.phone is None:
        person.phone = phone
    if household.phone is None:
        household.phone = phone
    try:
        village = region.village_name(household.village_code or "")
    except KeyError:
        village = household.village_code or "-"
    return Reply("registered", {"kk": mask_kk(household.kk), "village": village})
