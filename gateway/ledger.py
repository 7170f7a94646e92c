"""The aid ledger: who was affected, what each household was given, what was refused, what was collected.

The one-door rule (one allocation per category per household per incident, whatever the agency) is the
unique constraint on ``allocations``; allocation inserts with ON CONFLICT DO NOTHING, so of two agencies or
two workers allocating at the same moment exactly one wins and the other records a refusal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.aid.codes import check_code, format_code, new_code
from gateway.aid.programs import Program
from gateway.config import Settings
from gateway.contacts import languages_of
from gateway.db import utcnow
from gateway.models import (
    AffectedHousehold,
    Allocation,
    AllocationRefusal,
    Contact,
    Household,
    Incident,
    Officer,
    Person,
)
from gateway.sms.outgoing import SmsRequest, queue_sms_many

LOCAL_TIME = ZoneInfo("Asia/Jakarta")  # WIB: what people at the pickup point read on their phones
OPEN = ("allocated", "notified")
REMIND_BEFORE = timedelta(hours=24)
CODE_RETRIES = 5
LOOKUP_BATCH = 500
MAX_POINT = 30  # characters of pickup point that still keep the pickup notice in one GSM-7 segment


def local_day(moment: datetime) -> str:
    """``24/11`` in WIB."""
    return moment.astimezone(LOCAL_TIME).strftime("%d/%m")


def local_time(moment: datetime) -> str:
    """``24/11 08:00 WIB``."""
    return moment.astimezone(LOCAL_TIME).strftime("%d/%m %H:%M WIB")


# ---- affected households -------------------------------------------------------------------------------


@dataclass
class AffectedSummary:
    added: int = 0
    already: int = 0
    not_in_registry: list[str] = field(default_factory=list)  # numbers kept as unregistered KKs


def add_affected(
    session: Session, incident: Incident, ids: Iterable[str], source: str, officer_id: int | None = None
) -> AffectedSummary:
    """Add households to the incident by KK or by a member's NIK.

    A number the registry does not know is kept as an unregistered KK: allocation refuses it unless an officer
    overrides, and the report lists it.
    """
    summary = AffectedSummary()
    numbers = list(dict.fromkeys(n for n in ("".join(ch for ch in raw if ch.isdigit()) for raw in ids) if len(n) == 16))
    by_kk: dict[str, tuple[str, int]] = {}
    by_nik: dict[str, tuple[str, int]] = {}
    for start in range(0, len(numbers), LOOKUP_BATCH):  # two queries per batch, not two per number
        chunk = numbers[start : start + LOOKUP_BATCH]
        for kk, household_id in session.execute(select(Household.kk, Household.id).where(Household.kk.in_(chunk))):
            by_kk[kk] = (kk, household_id)
        for nik, kk, household_id in session.execute(
            select(Person.nik, Household.kk, Household.id)
            .join(Household, Household.id == Person.household_id)
            .where(Person.nik.in_(chunk))
        ):
            by_nik[nik] = (kk, household_id)
    wanted: dict[str, int | None] = {}
    for number in numbers:
        found = by_kk.get(number) or by_nik.get(number)
        if found is not None:
            wanted[found[0]] = found[1]
        else:
            wanted[number] = None
            summary.not_in_registry.append(number)
    known = set(session.scalars(select(AffectedHousehold.kk).where(AffectedHousehold.incident_id == incident.id)))
    for kk, registered in wanted.items():
        if kk in known:
            summary.already += 1
            continue
        session.add(AffectedHousehold(incident_id=incident.id, kk=kk, household_id=registered, source=source,
                                      officer_id=officer_id, created_at=utcnow()))  # fmt: skip
        summary.added += 1
    return summary


# ---- allocation ----------------------------------------------------------------------------------------


@dataclass
class AllocationResult:
    allocated: int = 0
    notified: int = 0
    without_phone: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    jobs: list[int] = field(default_factory=list)


def allocate(
    session: Session,
    settings: Settings,
    incident: Incident,
    program: Program,
    pickup_point: str,
    window_start: datetime,
    override_reason: str | None = None,
) -> AllocationResult:
    """Allocate ``program`` to every eligible affected household of ``incident`` and queue the pickup SMS.

    Refused, with the reason recorded: a household already given this category for this incident by any agency
    (the one-door rule), a household with no living eligible member, and a household not in the registry unless
    ``override_reason`` is given.
    """
    if not pickup_point.strip() or len(pickup_point) > MAX_POINT:
        raise ValueError(f"the pickup point must be 1 to {MAX_POINT} characters")
    result = AllocationResult()
    window_end = window_start + timedelta(days=program.pickup_days)
    rows = session.execute(
        select(AffectedHousehold.kk, AffectedHousehold.household_id, Household)
        .outerjoin(Household, Household.id == AffectedHousehold.household_id)
        .where(AffectedHousehold.incident_id == incident.id)
        .order_by(AffectedHousehold.id)
    ).all()
    candidates: list[Household] = []
    for kk, _household_id, household in rows:
        if household is None and override_reason:
            household = _unregistered_household(session, kk)
        if household is None:
            _refuse(session, incident, program, kk, None, "not_in_registry", "not in the welfare registry", result)
        elif not household.in_registry and not override_reason:
            _refuse(session, incident, program, kk, household.id, "not_in_registry", "added without registry", result)
        elif not household.eligible:
            _refuse(session, incident, program, kk, household.id, "not_eligible", household.ineligible_reason or "",
                    result)  # fmt: skip
        else:
            candidates.append(household)
    created = _insert_allocations(session, incident, program, pickup_point, window_start, window_end,
                                  candidates, override_reason, result)  # fmt: skip
    reachable = [(allocation, household.phone) for allocation, household in created if household.phone]
    result.allocated, result.without_phone = len(created), len(created) - len(reachable)
    languages = languages_of(session, [phone for _, phone in reachable], settings.default_language)
    requests = [_pickup_request(a, phone, program, "pickup_notice", languages[phone]) for a, phone in reachable]
    result.jobs = queue_sms_many(session, settings, requests)
    now = utcnow()
    for allocation, _phone in reachable:
        allocation.status, allocation.notified_at = "notified", now
    result.notified = len(reachable)
    return result


def _unregistered_household(session: Session, kk: str) -> Household:
    """The household row an override allocates to: the registry's if it exists, else a new unregistered one."""
    household = session.scalar(select(Household).where(Household.kk == kk))
    if household is None:
        household = Household(kk=kk, in_registry=False, eligible=True, created_at=utcnow(), updated_at=utcnow())
        session.add(household)
        session.flush()
    return household


def _insert_allocations(
    session: Session,
    incident: Incident,
    program: Program,
    pickup_point: str,
    window_start: datetime,
    window_end: datetime,
    households: Sequence[Household],
    override_reason: str | None,
    result: AllocationResult,
) -> list[tuple[Allocation, Household]]:
    """Insert one allocation per household; the unique constraint decides who was first."""
    by_id = {h.id: h for h in households}
    pending = list(by_id)
    won: dict[int, int] = {}
    for _ in range(CODE_RETRIES):
        if not pending:
            break
        values = [
            {"incident_id": incident.id, "household_id": household_id, "program": program.code,
             "agency": program.agency, "category": program.category, "quantity": program.amount("id"),
             "pickup_point": pickup_point, "window_start": window_start, "window_end": window_end,
             "code": new_code(), "status": "allocated", "override_reason": override_reason, "created_at": utcnow()}
            for household_id in pending
        ]  # fmt: skip
        statement = _insert_ignoring_conflicts(session).returning(Allocation.id, Allocation.household_id)
        for row in session.execute(statement, values):
            won[row.household_id] = row.id
        lost = [h for h in pending if h not in won]
        if not lost:
            break
        taken = dict(
            session.execute(
                select(Allocation.household_id, Allocation.agency + " " + Allocation.program).where(
                    Allocation.incident_id == incident.id, Allocation.category == program.category,
                    Allocation.household_id.in_(lost),
                )
            ).all()
        )  # fmt: skip
        for household_id, holder in taken.items():
            _refuse(session, incident, program, by_id[household_id].kk, household_id, "already_allocated",
                    f"{program.category} already given by {holder}", result)  # fmt: skip
        pending = [h for h in lost if h not in taken]  # lost only to a pickup-code collision: new codes, again
    allocations = {a.id: a for a in session.scalars(select(Allocation).where(Allocation.id.in_(list(won.values()))))}
    return [(allocations[won[h]], by_id[h]) for h in by_id if h in won]


def _insert_ignoring_conflicts(session: Session) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING in the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Allocation).on_conflict_do_nothing()
    return sqlite.insert(Allocation).on_conflict_do_nothing()


def _refuse(
    session: Session, incident: Incident, program: Program, kk: str, household_id: int | None, reason: str,
    detail: str, result: AllocationResult,
) -> None:  # fmt: skip
    session.add(AllocationRefusal(incident_id=incident.id, kk=kk, household_id=household_id, program=program.code,
                                  agency=program.agency, category=program.category, reason=reason, detail=detail,
                                  created_at=utcnow()))  # fmt: skip
    result.refused[reason] += 1


def _pickup_request(allocation: Allocation, phone: str, program: Program, template: str, language: str) -> SmsRequest:
    """The pickup notice (or its reminder) for one allocation."""
    return SmsRequest(
        phone=phone, template=template, language=language, key=f"{template}:{allocation.id}",
        values={"agency": allocation.agency, "amount": program.amount(language), "item": program.item(language),
                "point": allocation.pickup_point, "from": local_day(allocation.window_start),
                "until": local_day(allocation.window_end - timedelta(seconds=1)),
                "code": format_code(allocation.code)},
    )  # fmt: skip


# ---- redemption ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redemption:
    template: str
    values: dict[str, object]


def redeem(session: Session, officer: Officer, code_text: str | None, programs: dict[str, Program]) -> Redemption:
    """Record a pickup once: check the code, the agency and the window, then mark it collected atomically."""
    if not code_text:
        return Redemption("redeem_missing_code", {})
    checked = check_code(code_text)
    shown = format_code(checked.code) if checked.valid else checked.code
    if not checked.valid:
        return Redemption("redeem_typo", {"code": checked.code})
    allocation = session.scalar(select(Allocation).where(Allocation.code == checked.code))
    if allocation is None:
        return Redemption("redeem_unknown", {"code": shown})
    if allocation.agency != officer.agency:
        return Redemption("redeem_wrong_agency", {"code": shown, "agency": allocation.agency,
                                                  "officer_agency": officer.agency})  # fmt: skip
    if allocation.status == "collected" and allocation.collected_at is not None:
        return Redemption("redeem_twice", {"code": shown, "time": local_time(allocation.collected_at)})
    now = utcnow()
    if allocation.status == "expired" or allocation.window_end <= now:
        return Redemption("redeem_expired", {"code": shown, "time": local_time(allocation.window_end)})
    if allocation.window_start > now:
        return Redemption("redeem_early", {"code": shown, "time": local_time(allocation.window_start)})
    collected = session.execute(
        update(Allocation)
        .where(Allocation.id == allocation.id, Allocation.status.in_(OPEN))
        .values(status="collected", collected_at=now, collected_by=officer.id)
        .execution_options(synchronize_session=False)
    )
    if collected.rowcount != 1:  # type: ignore[attr-defined]  # another officer, the same instant
        return Redemption("redeem_twice", {"code": shown, "time": local_time(now)})
    program = programs.get(allocation.program)
    household = session.get_one(Household, allocation.household_id)
    return Redemption("redeem_ok", {"code": shown, "amount": allocation.quantity,
                                    "item": program.item_id if program else allocation.program,
                                    "kk": household.kk[:4] + "********" + household.kk[-4:]})  # fmt: skip


# ---- residents ---------------------------------------------------------------------------------------------


def households_of_phone(session: Session, phone: str) -> list[int]:
    """Households this phone receives notices for, or registered to with DAFTAR."""
    ids = set(session.scalars(select(Household.id).where(Household.phone == phone)))
    linked = session.scalar(select(Contact.household_id).where(Contact.phone == phone))
    if linked is not None:
        ids.add(linked)
    return sorted(ids)


def pending_pickups(session: Session, phone: str) -> list[Allocation]:
    """Open allocations of the phone's households, soonest deadline first."""
    households = households_of_phone(session, phone)
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


# ---- the clock: reminders and expiry -------------------------------------------------------------------------


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
            requests.append(_pickup_request(allocation, phone, program, "pickup_reminder", languages[phone]))
    return queue_sms_many(session, settings, requests)


# ---- accountability -----------------------------------------------------------------------------------------------


REPORT_COLUMNS = ("agency", "village_code", "allocated", "notified", "collected", "expired", "refused",
                  "double_prevented", "not_eligible", "not_in_registry")  # fmt: skip


def report_rows(session: Session, incident: Incident) -> list[dict[str, object]]:
    """Per agency and desa: allocated, notified, collected, expired, refused (by reason)."""
    table: dict[tuple[str, str], Counter[str]] = {}
    for agency, village, status, notified, count in session.execute(
        select(Allocation.agency, Household.village_code, Allocation.status, Allocation.notified_at.is_not(None),
               func.count())
        .join(Household, Household.id == Allocation.household_id)
        .where(Allocation.incident_id == incident.id)
        .group_by(Allocation.agency, Household.village_code, Allocation.status, Allocation.notified_at.is_not(None))
    ):  # fmt: skip
        counts = table.setdefault((agency, village or "-"), Counter())
        counts["allocated"] += count
        counts["notified"] += count if notified else 0
        if status in ("collected", "expired"):
            counts[status] += count
    for agency, village, reason, count in session.execute(
        select(AllocationRefusal.agency, Household.village_code, AllocationRefusal.reason, func.count())
        .outerjoin(Household, Household.id == AllocationRefusal.household_id)
        .where(AllocationRefusal.incident_id == incident.id)
        .group_by(AllocationRefusal.agency, Household.village_code, AllocationRefusal.reason)
    ):
        counts = table.setdefault((agency, village or "-"), Counter())
        counts["refused"] += count
        counts["double_prevented" if reason == "already_allocated" else reason] += count
    return [
        {"agency": agency, "village_code": village, **{c: counts[c] for c in REPORT_COLUMNS[2:]}}
        for (agency, village), counts in sorted(table.items())
    ]
