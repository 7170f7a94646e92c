"""Aid by SMS: officers redeem pickups (AMBIL) and list victims (KORBAN); residents check (CEK), register (DAFTAR)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.aid.kk import mask_kk
from gateway.aid.ledger import add_affected, redeem
from gateway.aid.links import link_phone
from gateway.aid.pickup_list import HIDDEN, list_pickups
from gateway.aid.pickups import pickups_of
from gateway.aid.programs import Program
from gateway.models import Incident
from gateway.parsers import ParseResult
from gateway.people.officers import officers_by_phone
from gateway.runtime import Setup
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
    if result.invalid_ids:
        return Reply("victims_invalid", {"ref": result.ref, "kk": mask_kk(result.invalid_ids[0])})
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
    template = "pickups_list_hidden" if any(p.code == HIDDEN for p in pickups) else "pickups_list"
    room = SINGLE["GSM-7"] - len(render(template, language, list="").text)
    return Reply(template, {"list": list_pickups(pickups, language, room, separator="; ")})


def register_command(session: Session, setup: Setup, phone: str, result: ParseResult) -> Reply:
    """DAFTAR <NIK> <KK>: link this phone to the household both numbers name in the registry (see aid.links)."""
    if result.problem is not None and result.problem.startswith(("invalid_nik_", "invalid_kk_")):
        return Reply(f"register_{result.problem}")  # which part of the number cannot be right
    if not result.nik or not result.nik_valid or (result.problem in ("invalid_nik", "invalid_kk")):
        return Reply("register_invalid")
    if not result.kk:
        return Reply("register_needs_kk")
    return link_phone(session, setup.settings, setup.region, phone, result.nik, result.kk)
