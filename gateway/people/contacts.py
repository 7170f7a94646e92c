"""What we remember about phones: the language each one chose."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db import chunks
from gateway.models import Contact


def contact_for(session: Session, phone: str) -> Contact:
    """The phone's contact row, added to the session if it has none yet."""
    contact = session.scalar(select(Contact).where(Contact.phone == phone))
    if contact is None:
        contact = Contact(phone=phone)
        session.add(contact)
    return contact


def language_of(session: Session, phone: str, default: str) -> str:
    """The language this phone chose, or ``default``."""
    return languages_of(session, [phone], default)[phone]


def languages_of(session: Session, phones: Sequence[str], default: str) -> dict[str, str]:
    """Each phone's chosen language, else ``default``; looked up in batches."""
    chosen: dict[str, str] = {}
    unique = list(dict.fromkeys(phones))
    for chunk in chunks(unique):
        for phone, language in session.execute(
            select(Contact.phone, Contact.language).where(Contact.phone.in_(chunk), Contact.language.is_not(None))
        ):
            chosen[phone] = language or default
    return {phone: chosen.get(phone, default) for phone in unique}
