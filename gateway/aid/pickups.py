"""Pickups from a resident's side: their pending pickups (CEK, USSD), the pickup SMS, reminders and expiry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.aid.codes import format_code
from gateway.aid.pickup_list import HIDDEN, Pickup, local_day
from gateway.aid.programs import Program
from gateway.config import Settings
from gateway.db import utcnow
from gateway.models import Allocation, Contact, Household
from gateway.people.contacts import languages_of
from gateway.sms.queue import SmsRequest, queue_sms_many

OPEN = ("allocated", "notified")
REMIND_BEFORE = timedelta(hours=24)


def households_of_phone(session: Session, phone: str) -> dict[int, bool]:
    """Households this phone hears about, each with whether it may see their pickup codes: the registry's phone
    may, and a phone linked with DAFTAR once the household's phone (or an officer) vouched for it."""
    found = dict.fromkeys(session.scalars(select(Household.id).where(Household.phone == phone)), True)
    link = session.execute(select(Contact.household_id, Contact.link_vouched).where(Contact.phone == phone)).first()
    if link is not None and link.household_id is not None:
        found[link.household_id] = found.get(link.household_id, False) or bool(link.link_vouched)
    return found


def pending_pickups(session: Session, households: Sequence[int]) -> list[Allocation]:
    """Open allocations of these households, soonest deadline first."""
    if not households:
        return []
    return list(
        session.scalars(
            select(Allocation)
            .where(Allocation.household_id.in_(households), Allocation.status.in_(OPEN),
                   Allocation.window_end > utcnow())
            .order_by(Allocation.window_end)
        )
    )  # fmt: skip


def pickups_of(session: Session, phone: str, programs: dict[str, Program], language: str) -> list[Pickup]:
    """The phone's pending pickups as the resident reads them, soonest deadline first; a code the phone may not
    see (a link nobody vouched for yet) is HIDDEN."""
    households = households_of_phone(session, phone)
    pickups = []
    for allocation in pending_pickups(session, list(households)):
        program = programs.get(allocation.program)
        item = program.item(language) if program else allocation.program
        code = format_code(allocation.code) if households[allocation.household_id] else HIDDEN
        pickups.append(Pickup(item, allocation.pickup_point, local_day(allocation.window_end), code))
    return pickups


def pickup_request(allocation: Allocation, phone: str, program: Program, template: str, language: str) -> SmsRequest:
    """The pickup notice (or its reminder) for one allocation."""
    return SmsRequest(
        phone=phone, template=template, language=language, key=f"{template}:{allocation.id}",
        values={"agency": allocation.agency, "amount": program.amount(language), "item": program.item(language),
                "point": allocation.pickup_point, "from": local_day(allocation.window_start),
                "until": local_day(allocation.window_end - timedelta(seconds=1)),
                "code": format_code(allocation.code)},
    )  # fmt: skip


def remind_and_expire(session: Session, settings: Settings, programs: dict[str, Program]) -> list[int]:
    """Expire pickups whose window closed; remind those closing within a day. Returns send jobs."""
    now = utcnow()
    session.execute(
        update(Allocation)
        .where(Allocation.status.in_(OPEN), Allocation.window_end <= now)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    due = session.execute(
        select(Allocation, Household.phone)
        .join(Household, Household.id == Allocation.household_id)
        .where(Allocation.status == "notified", Allocation.reminded_at.is_(None),
               Allocation.window_end <= now + REMIND_BEFORE,
               Household.phone.is_not(None))
        .limit(500)
    ).all()  # fmt: skip
    languages = languages_of(session, [phone for _, phone in due if phone], settings.default_language)
    requests = []
    for allocation, phone in due:
        program = programs.get(allocation.program)
        allocation.reminded_at = now
        if program is not None and phone is not None:
            requests.append(pickup_request(allocation, phone, program, "pickup_reminder", languages[phone]))
    return queue_sms_many(session, settings, requests)
