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

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.aid.codes import check_code, format_code, new_code
from gateway.aid.kk import mask_kk
from gateway.aid.pickup_list import local_time
from gateway.aid.pickups import OPEN, pickup_request
from gateway.aid.programs import Program
from gateway.config import Settings
from gateway.db import chunks, dialect_insert, utcnow
from gateway.incidents.audit import log_event
from gateway.incidents.labels import region_zone
from gateway.models import (
    AffectedHousehold,
    Allocation,
    AllocationRefusal,
    Household,
    Incident,
    Officer,
    Person,
)
from gateway.people.contacts import languages_of
from gateway.sms.queue import queue_sms_many

CODE_RETRIES = 5
MAX_POINT = 30  # characters of pickup point that still keep the pickup notice in one GSM-7 segment
MAX_KK_LISTED = 10  # KKs (masked) an audit event names before it says how many more
# Where affected households come from, as the audit trail says it, and the channel each arrives through.
SOURCES = {"sms": ("SMS KORBAN", "sms"), "csv": ("CSV (gateway aid affected)", "cli"),
           "desk": ("CSV uploaded on the desk", "web"), "registration": ("a reporter registered with DAFTAR", "sms"),
           "ussd": ("USSD", "ussd")}  # fmt: skip


@dataclass
class AffectedSummary:
    added: int = 0
    already: int = 0
    not_in_registry: list[str] = field(default_factory=list)  # numbers kept as unregistered KKs


def add_affected(
    session: Session, incident: Incident, ids: Iterable[str], source: str, officer_id: int | None = None,
    channel: str | None = None, phone: str | None = None, username: str | None = None,
) -> AffectedSummary:  # fmt: skip
    """Add households to the incident by KK or by a member's NIK, and say so in the incident's audit trail.

    A number the registry does not know is kept as an unregistered KK: allocation refuses it unless an officer
    overrides, and the report lists it. ``channel`` defaults to the source's (``csv`` arrives by the CLI);
    ``phone`` to the officer's; ``username``: the desk user who uploaded the list.
    """
    summary = AffectedSummary()
    numbers = list(dict.fromkeys(n for n in ("".join(ch for ch in raw if ch.isdigit()) for raw in ids) if len(n) == 16))
    by_kk: dict[str, tuple[str, int]] = {}
    by_nik: dict[str, tuple[str, int]] = {}
    for chunk in chunks(numbers):  # two queries per chunk, not two per number
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
    added: list[str] = []
    for kk, registered in wanted.items():
        if kk in known:
            summary.already += 1
            continue
        session.add(AffectedHousehold(incident_id=incident.id, kk=kk, household_id=registered, source=source,
                                      officer_id=officer_id, created_at=utcnow()))  # fmt: skip
        summary.added += 1
        added.append(kk)
    if numbers and (summary.added or source != "registration"):  # a registered reporter's next reports: no news
        label, default_channel = SOURCES.get(source, (source, "system"))
        if phone is None and officer_id is not None:
            officer = session.get(Officer, officer_id)
            phone = officer.phone if officer else None
        detail = (f"{summary.added} household(s) from {label}: {_masked(added)}; {summary.already} already listed, "
                  f"{len(summary.not_in_registry)} not in the registry")  # fmt: skip
        log_event(session, incident.id, "affected", channel or default_channel, detail=detail, officer_id=officer_id,
                  phone=phone, username=username)  # fmt: skip
    return summary


def _masked(kks: Sequence[str]) -> str:
    """``3324********0001, 3324********0002 +3 more``: KKs as the audit trail may name them."""
    shown = ", ".join(mask_kk(kk) for kk in kks[:MAX_KK_LISTED]) or "none"
    return shown + (f" +{len(kks) - MAX_KK_LISTED} more" if len(kks) > MAX_KK_LISTED else "")


# ---- allocation ----------------------------------------------------------------------------------------


@dataclass
class AllocationResult:
    allocated: int = 0
    notified: int = 0
    without_phone: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    jobs: list[int] = field(default_factory=list)
    no_households: bool = False  # the incident has no affected households yet: nothing was tried or recorded


def allocate(
    session: Session,
    settings: Settings,
    incident: Incident,
    program: Program,
    pickup_point: str,
    window_start: datetime,
    override_reason: str | None = None,
    channel: str = "cli",
    username: str | None = None,
) -> AllocationResult:
    """Allocate ``program`` to every eligible affected household of ``incident`` and queue the pickup SMS.

    Refused, with the reason recorded: a household already given this category for this incident by any agency
    (the one-door rule), a household with no living eligible member, and a household not in the registry unless
    ``override_reason`` is given. The incident's audit trail gets one line: how many allocated, refused and why.
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
    if not rows:
        result.no_households = True
        return result
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
    requests = [pickup_request(a, phone, program, "pickup_notice", languages[phone]) for a, phone in reachable]
    result.jobs = queue_sms_many(session, settings, requests)
    now = utcnow()
    for allocation, _phone in reachable:
        allocation.status, allocation.notified_at = "notified", now
    result.notified = len(reachable)
    zone = region_zone(settings.gateway_region)
    refused = ", ".join(f"{n} {reason}" for reason, n in sorted(result.refused.items())) or "none"
    detail = (f"{program.code} ({program.agency}, {program.category}) at {pickup_point} from "
              f"{zone.show(window_start)} for {program.pickup_days} days: {result.allocated} allocated, "
              f"{result.notified} notified, {result.without_phone} without a phone; refused: {refused}"
              + (f"; override: {override_reason}" if override_reason else ""))  # fmt: skip
    log_event(session, incident.id, "allocated", channel, detail=detail, username=username)
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
        insert = dialect_insert(session, Allocation).on_conflict_do_nothing()
        statement = insert.returning(Allocation.id, Allocation.household_id)
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


def _refuse(
    session: Session, incident: Incident, program: Program, kk: str, household_id: int | None, reason: str,
    detail: str, result: AllocationResult,
) -> None:  # fmt: skip
    session.add(AllocationRefusal(incident_id=incident.id, kk=kk, household_id=household_id, program=program.code,
                                  agency=program.agency, category=program.category, reason=reason, detail=detail,
                                  created_at=utcnow()))  # fmt: skip
    result.refused[reason] += 1


# ---- redemption ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redemption:
    template: str
    values: dict[str, object]


def redeem(
    session: Session, officer: Officer, code_text: str | None, programs: dict[str, Program], channel: str = "sms"
) -> Redemption:
    """Record a pickup once: check the code, the agency and the window, then mark it collected atomically.

    A pickup, and a refused attempt at a known code, goes into the incident's audit trail with the officer.
    """
    outcome, allocation = _redeem(session, officer, code_text, programs)
    if allocation is not None:
        household = session.get_one(Household, allocation.household_id)
        what = f"{allocation.program} ({allocation.agency}) for KK {mask_kk(household.kk)}"
        collected = outcome.template == "redeem_ok"
        log_event(session, allocation.incident_id, "redeemed" if collected else "redeem_refused", channel,
                  detail=what if collected else f"{what}: {outcome.template.removeprefix('redeem_')}",
                  officer_id=officer.id, phone=officer.phone)  # fmt: skip
    return outcome


def _redeem(
    session: Session, officer: Officer, code_text: str | None, programs: dict[str, Program]
) -> tuple[Redemption, Allocation | None]:
    """The outcome of a pickup attempt, and the allocation its code names (None when it names none)."""
    if not code_text:
        return Redemption("redeem_missing_code", {}), None
    checked = check_code(code_text)
    shown = format_code(checked.code) if checked.valid else checked.code
    if not checked.valid:
        return Redemption("redeem_typo", {"code": checked.code}), None
    allocation = session.scalar(select(Allocation).where(Allocation.code == checked.code))
    if allocation is None:
        return Redemption("redeem_unknown", {"code": shown}), None
    if allocation.agency != officer.agency:
        return Redemption("redeem_wrong_agency", {"code": shown, "agency": allocation.agency,
                                                  "officer_agency": officer.agency}), allocation  # fmt: skip
    if allocation.status == "collected" and allocation.collected_at is not None:
        return Redemption("redeem_twice", {"code": shown, "time": local_time(allocation.collected_at)}), allocation
    now = utcnow()
    if allocation.status == "expired" or allocation.window_end <= now:
        return Redemption("redeem_expired", {"code": shown, "time": local_time(allocation.window_end)}), allocation
    if allocation.window_start > now:
        return Redemption("redeem_early", {"code": shown, "time": local_time(allocation.window_start)}), allocation
    collected = session.execute(
        update(Allocation)
        .where(Allocation.id == allocation.id, Allocation.status.in_(OPEN))
        .values(status="collected", collected_at=now, collected_by=officer.id)
        .execution_options(synchronize_session=False)
    )
    if collected.rowcount != 1:  # type: ignore[attr-defined]  # another officer, the same instant
        return Redemption("redeem_twice", {"code": shown, "time": local_time(now)}), allocation
    program = programs.get(allocation.program)
    household = session.get_one(Household, allocation.household_id)
    return Redemption("redeem_ok", {"code": shown, "amount": allocation.quantity,
                                    "item": program.item_id if program else allocation.program,
                                    "kk": mask_kk(household.kk)}), allocation  # fmt: skip
