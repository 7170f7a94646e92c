"""Who watches which desa: PANTAU / BERHENTI PANTAU by SMS, the USSD menu, and what a phone is warned about."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.db import dialect_insert, utcnow
from gateway.incidents.labels import place_name
from gateway.models import Contact, Household, Subscription
from gateway.parsers import ParseResult, Region
from gateway.sms.reply import Reply

MAX_LISTED = 3  # kecamatan named in an "ambiguous place" reply, as for reports
LIST_ROOM = 72  # characters of desa names a watch list shows; more are counted (`+2 lagi`)
PLACE_ROOM = 24  # characters of a typed place shown back


def watch_command(session: Session, region: Region, phone: str, result: ParseResult, language: str) -> Reply:
    """PANTAU <desa> subscribes, PANTAU alone lists, BERHENTI PANTAU <desa> unsubscribes; unclear places get help."""
    if result.village_code is not None:
        place = place_name(region, result.village_code)
        if result.intent == "unwatch":
            removed = unwatch(session, phone, result.village_code)
            return Reply("watch_removed" if removed else "watch_not_watching", {"place": place})
        watch(session, phone, result.village_code, "sms")
        return Reply("watch_stopped" if stopped(session, phone) else "watch_added", {"place": place})
    typed = (result.place_text or "").upper()[:PLACE_ROOM]
    if result.problem == "ambiguous_place":
        districts = sorted({region.district_name(region.district_of(code)) for code in result.candidates})
        return Reply("watch_ambiguous", {"place": typed, "districts": ", ".join(districts[:MAX_LISTED])})
    if result.problem == "unknown_place":
        return Reply("watch_unknown", {"place": typed, "region": region.name})
    if result.district_code:
        examples = ", ".join(name for _, name in region.villages(result.district_code)[:2])
        return Reply("watch_no_village", {"district": region.district_name(result.district_code).upper(),
                                          "examples": examples})  # fmt: skip
    return watch_list(session, region, phone, language)


def watch(session: Session, phone: str, village_code: str, channel: str) -> None:
    """Subscribe ``phone`` to the warnings of ``village_code`` (once: a second PANTAU changes nothing)."""
    session.execute(
        dialect_insert(session, Subscription.__table__)
        .values(phone=phone, village_code=village_code, channel=channel, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["phone", "village_code"])
    )


def unwatch(session: Session, phone: str, village_code: str) -> bool:
    """Stop warning ``phone`` about ``village_code``; False when it was not watching it."""
    done = session.execute(
        delete(Subscription).where(Subscription.phone == phone, Subscription.village_code == village_code)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def watched(session: Session, phone: str) -> list[tuple[str, bool]]:
    """The desa ``phone`` is warned about: each code, and whether it is its household's (DAFTAR) rather than PANTAU."""
    codes = [(code, False) for code in session.scalars(
        select(Subscription.village_code).where(Subscription.phone == phone).order_by(Subscription.id))]  # fmt: skip
    vouched = Contact.link_vouched.is_(True) | (Household.phone == Contact.phone)  # see gateway.aid.links
    home = session.scalar(
        select(Household.village_code).join(Contact, Contact.household_id == Household.id)
        .where(Contact.phone == phone, vouched)
    )  # fmt: skip
    if home is not None and home not in {code for code, _ in codes}:
        codes.insert(0, (home, True))
    return codes


def stopped(session: Session, phone: str) -> bool:
    """Whether the phone sent STOP (and not MULAI since): it gets no warnings."""
    return session.scalar(select(Contact.opted_out_at).where(Contact.phone == phone)) is not None


def watch_list(session: Session, region: Region, phone: str, language: str) -> Reply:
    """The desa this phone is warned about, as many as fit, then how many more."""
    codes = watched(session, phone)
    if not codes:
        return Reply("watch_none")
    if stopped(session, phone):
        return Reply("watch_stopped", {"place": place_name(region, codes[0][0])})
    names = [f"{place_name(region, code)}{' (KK)' if home else ''}" for code, home in codes]
    return Reply("watch_list", {"villages": fit_list(names, language)})


def fit_list(names: list[str], language: str) -> str:
    """``names`` joined with `; `, cut to LIST_ROOM characters with `+N lagi` / `+N more` for the rest."""
    more = "lagi" if language == "id" else "more"
    for shown in range(len(names), 0, -1):
        text = "; ".join(names[:shown]) + (f"; +{len(names) - shown} {more}" if shown < len(names) else "")
        if len(text) <= LIST_ROOM:
            return text
    return f"{names[0][: LIST_ROOM - 12]}; +{len(names) - 1} {more}"
