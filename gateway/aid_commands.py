"""Aid by SMS: officers redeem pickups (AMBIL) and list victims (KORBAN); residents check (CEK), register (DAFTAR)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.aid.programs import Program
from gateway.contacts import contact_for
from gateway.ledger import add_affected, local_day, pending_pickups, redeem
from gateway.models import Household, Incident, Officer, Person
from gateway.officer_commands import Reply
from gateway.parsers import ParseResult, Region

MAX_PICKUPS_LISTED = 2  # what fits one SMS


def redeem_command(session: Session, phone: str, code: str | None, programs: dict[str, Program]) -> Reply:
    """AMBIL <code>: only an officer at a pickup point can record a pickup."""
    officer = session.scalars(select(Officer).where(Officer.phone == phone).order_by(Officer.id)).first()
    if officer is None:
        return Reply("officer_only")
    outcome = redeem(session, officer, code, programs)
    return Reply(outcome.template, outcome.values)


def victim_command(session: Session, phone: str, result: ParseResult) -> Reply:
    """KORBAN <ref> <KK or NIK>…: an officer lists affected households of an incident."""
    officer = session.scalars(select(Officer).where(Officer.phone == phone).order_by(Officer.id)).first()
    if officer is None:
        return Reply("officer_only")
    if not result.ref:
        return Reply("missing_ref")
    if not result.ids:
        return Reply("missing_ids")
    incident = session.scalar(select(Incident).where(Incident.ref == result.ref))
    if incident is None:
        return Reply("unknown_ref", {"ref": result.ref})
    summary = add_affected(session, incident, result.ids, source="sms", officer_id=officer.id)
    return Reply("victims_added", {"ref": result.ref, "added": summary.added, "already": summary.already,
                                   "unregistered": len(summary.not_in_registry)})  # fmt: skip


def status_command(session: Session, phone: str, programs: dict[str, Program], language: str) -> Reply:
    """CEK: the phone's pending pickups, or that there are none."""
    pickups = pending_pickups(session, phone)
    if not pickups:
        return Reply("pickups_none")
    listed = []
    for n, allocation in enumerate(pickups[:MAX_PICKUPS_LISTED], start=1):
        program = programs.get(allocation.program)
        item = program.item(language) if program else allocation.program
        listed.append(f"{n}) {item} di {allocation.pickup_point[:24]} s.d. {local_day(allocation.window_end)}, "
                      f"kode {allocation.code}")  # fmt: skip
    more = len(pickups) - MAX_PICKUPS_LISTED
    text = "; ".join(listed) + (f"; +{more} lagi" if more > 0 else "")
    return Reply("pickups_list", {"list": text})


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
    return Reply("registered", {"kk": household.kk[:4] + "********" + household.kk[-4:], "village": village})
