"""A phone linked to a household, so that a resident hears about the family's aid (DAFTAR <NIK> <KK>).

A NIK is printed on every KTP and circulates in leaked data sets, so knowing one must not be enough to take a
family's aid. The scheme:

- DAFTAR needs the NIK and the KK number of the same household in the registry. Wrong guesses are counted:
  after MAX_FAILURES in a day a phone is told to come back tomorrow or go to the village office.
- The registry's own phone for the household is vouched for at once. Any other phone is linked but not vouched
  for: it hears which aid waits, but the pickup codes keep going to the registry's phone, which is told at once
  and answers YA <code> (vouch for it) or BATAL <code> (undo the link). A household with no phone in the
  registry is vouched for by an officer at the desk (``gateway aid vouch PHONE``) after seeing the KK in person.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.aid.kk import mask_kk
from gateway.config import Settings
from gateway.db import utcnow
from gateway.incidents.labels import village_label
from gateway.models import Contact, Household, Person
from gateway.parsers import Region
from gateway.people.contacts import contact_for, language_of
from gateway.phones import mask_phone
from gateway.sms.queue import queue_sms
from gateway.sms.reply import Reply

MAX_FAILURES = 3  # wrong DAFTAR guesses from one phone in FAILURE_WINDOW
FAILURE_WINDOW = timedelta(hours=24)


def link_phone(session: Session, settings: Settings, region: Region, phone: str, nik: str, kk: str) -> Reply:
    """Link ``phone`` to the household whose NIK and KK both match the registry; tell the household's phone."""
    contact = contact_for(session, phone)
    now = utcnow()
    if contact.link_failures_since is not None and now - contact.link_failures_since > FAILURE_WINDOW:
        contact.link_failures, contact.link_failures_since = 0, None
    if (contact.link_failures or 0) >= MAX_FAILURES:  # a contact made just now has no count yet
        return Reply("register_throttled")
    person = session.scalar(select(Person).where(Person.nik == nik))
    household = session.get(Household, person.household_id) if person else None
    if household is None or household.kk != kk:
        contact.link_failures = (contact.link_failures or 0) + 1
        contact.link_failures_since = contact.link_failures_since or now
        return Reply("register_unknown")
    values: dict[str, object] = {"kk": mask_kk(household.kk), "village": village_label(region, household.village_code)}
    contact.household_id, contact.link_failures, contact.link_failures_since = household.id, 0, None
    if household.phone == phone:
        contact.link_vouched, contact.link_code = True, None
        return Reply("registered", values)
    contact.link_vouched, contact.link_code = False, f"{secrets.randbelow(9000) + 1000}"
    reply = Reply("registered_pending", values)
    if household.phone is not None:
        job = queue_sms(session, settings, phone=household.phone, template="link_notice",
                        language=language_of(session, household.phone, settings.default_language),
                        key=f"link_notice:{phone}:{contact.link_code}",
                        values={"phone": mask_phone(phone), "kk": mask_kk(household.kk),
                                "code": contact.link_code})  # fmt: skip
        reply.follow_up += [job] if job is not None else []
    return reply


def answer_link(session: Session, settings: Settings, phone: str, code: str | None, vouch: bool) -> Reply:
    """YA <code> or BATAL <code> from the household's registry phone: vouch for the linked phone, or undo it."""
    contact = (
        session.scalar(select(Contact).where(Contact.link_code == code, Contact.link_vouched.is_(False)))
        if code
        else None
    )
    household = session.get(Household, contact.household_id) if contact and contact.household_id else None
    if contact is None or household is None or household.phone != phone:
        return Reply("link_unknown_code", {"code": code or "-"})
    values: dict[str, object] = {"phone": mask_phone(contact.phone), "kk": mask_kk(household.kk)}
    if vouch:
        contact.link_vouched, contact.link_code = True, None
        template, told = "link_confirmed", "link_vouched"
    else:
        contact.household_id, contact.link_code = None, None
        template, told = "link_cancelled", "link_refused"
    reply = Reply(template, values)
    job = queue_sms(session, settings, phone=contact.phone, template=told,
                    language=language_of(session, contact.phone, settings.default_language),
                    key=f"{told}:{contact.phone}:{code}", values={"kk": values["kk"]})  # fmt: skip
    reply.follow_up += [job] if job is not None else []
    return reply


def vouch_for(session: Session, phone: str) -> Household | None:
    """An officer who saw the family's KK vouches for the phone linked to it; the household, or None if unlinked."""
    contact = session.scalar(select(Contact).where(Contact.phone == phone))
    if contact is None or contact.household_id is None:
        return None
    contact.link_vouched, contact.link_code = True, None
    household = session.get_one(Household, contact.household_id)
    if household.phone is None:
        household.phone = phone  # pickup notices go to it from now on
    return household
