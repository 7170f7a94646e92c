"""Who a warning reaches, as one SQL query: phones watching a desa of the area, residents vouched for a household
there, and the on-duty officers covering it; each phone once, none that sent STOP. Never loaded into Python."""

from __future__ import annotations

import phonenumbers
from sqlalchemy import Select, func, literal, or_, select, union
from sqlalchemy.sql.elements import ColumnElement

from gateway.config import Settings
from gateway.models import Contact, Household, Officer, Subscription
from gateway.warnings.areas import Areas


def recipients(settings: Settings, areas: Areas) -> Select[str, str]:
    """``(phone, language)`` of every recipient of a warning to ``areas``: distinct phones, STOP honoured."""
    watching = select(Subscription.phone.label("phone")).where(Subscription.village_code.in_(areas.villages))
    vouched = Contact.link_vouched.is_(True) | (Household.phone == Contact.phone)  # see gateway.aid.links
    residents = (
        select(Contact.phone.label("phone"))
        .join(Household, Household.id == Contact.household_id)
        .where(vouched, Household.village_code.in_(areas.villages))
    )
    covering = [(literal(" ") + Officer.districts + literal(" ")).contains(f" {code} ") for code in areas.districts]
    officers = select(Officer.phone.label("phone")).where(
        Officer.on_duty.is_(True), or_(Officer.districts == "", *covering)
    )
    phones = union(watching, residents, officers).subquery("phones")
    language = func.coalesce(Contact.language, literal(settings.default_language)).label("language")
    return (
        select(phones.c.phone, language)
        .select_from(phones.outerjoin(Contact, Contact.phone == phones.c.phone))
        .where(Contact.opted_out_at.is_(None))
    )


def allowed(phone: ColumnElement[str], settings: Settings) -> ColumnElement[bool]:
    """Whether SQL's ``phone`` is in one of ALLOWED_COUNTRIES, by its calling code (gateway.sms.budget in SQL)."""
    codes = sorted({phonenumbers.country_code_for_region(country) for country in settings.allowed_countries} - {0})
    return or_(*[phone.startswith(f"+{code}") for code in codes]) if codes else literal(False)
