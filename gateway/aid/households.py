"""Store a welfare-registry extract: add new households and people, update known ones, report what changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from gateway.aid.kk import HouseholdRow, group_households, household_eligibility
from gateway.aid.registry import PersonRow
from gateway.db import chunks, utcnow
from gateway.models import Household, Person

BATCH = 5000  # rows per executemany: large enough to be fast, small enough to bound memory
STATUS_WORDS = {"deceased": "died", "moved": "moved away", "ineligible": "became ineligible", "alive": "alive again"}


@dataclass
class StoreSummary:
    """What one import changed."""

    households_added: int = 0
    households_updated: int = 0
    people_added: int = 0
    people_updated: int = 0
    unchanged: int = 0
    status_changes: Counter[str] = field(default_factory=Counter)
    now_ineligible: int = 0

    def lines(self) -> list[str]:
        """The summary as a few readable lines."""
        out = [
            f"households: {self.households_added} added, {self.households_updated} updated",
            f"people: {self.people_added} added, {self.people_updated} updated, {self.unchanged} unchanged",
        ]
        if self.status_changes:
            changes = ", ".join(f"{n} {STATUS_WORDS.get(s, s)}" for s, n in sorted(self.status_changes.items()))
            out.append(f"status changes: {changes}")
        if self.now_ineligible:
            out.append(f"households no longer eligible for aid: {self.now_ineligible}")
        return out


PERSON_FIELDS = ("name", "relation", "birth_date", "sex", "status", "phone")
HOUSEHOLD_FIELDS = ("village_code", "address", "rt", "rw", "phone")


def store_registry(session: Session, people: Sequence[PersonRow]) -> StoreSummary:
    """Upsert the extract's households and people in the caller's transaction, then recompute eligibility."""
    summary = StoreSummary()
    households = group_households(people)
    household_ids = _store_households(session, households.values(), summary)
    touched = _store_people(session, people, household_ids, summary)
    _recompute_eligibility(session, touched, summary)
    return summary


def _store_households(session: Session, rows: Iterable[HouseholdRow], summary: StoreSummary) -> dict[str, int]:
    """Insert new households, update changed ones; return every KK's household id."""
    now = utcnow()
    existing = {h.kk: h for h in session.execute(select(Household.id, Household.kk, *[
        getattr(Household, f) for f in HOUSEHOLD_FIELDS])).all()}  # fmt: skip
    new, changed = [], []
    for row in rows:
        values = {"village_code": row.village_code, "address": row.address, "rt": row.rt, "rw": row.rw,
                  "phone": row.phone}  # fmt: skip
        known = existing.get(row.kk)
        if known is None:
            new.append({"kk": row.kk, **values, "in_registry": True, "eligible": True, "created_at": now,
                        "updated_at": now})  # fmt: skip
        else:
            if values["phone"] is None:  # a phone registered by DAFTAR is kept when the extract has none
                values["phone"] = known.phone
            if any(getattr(known, f) != values[f] for f in HOUSEHOLD_FIELDS):
                changed.append({"id": known.id, **values, "in_registry": True, "updated_at": now})
    for batch in chunks(new, BATCH):
        session.execute(insert(Household), batch)
    for batch in chunks(changed, BATCH):
        session.execute(update(Household), batch)
    summary.households_added += len(new)
    summary.households_updated += len(changed)
    return dict(session.execute(select(Household.kk, Household.id)).all())


def _store_people(
    session: Session, people: Sequence[PersonRow], household_ids: dict[str, int], summary: StoreSummary
) -> set[int]:
    """Insert new people, update changed ones; return the households whose members changed."""
    now = utcnow()
    existing = {p.nik: p for p in session.execute(select(Person.id, Person.nik, Person.household_id, *[
        getattr(Person, f) for f in PERSON_FIELDS])).all()}  # fmt: skip
    new, changed = [], []
    touched: set[int] = set()
    for row in people:
        household_id = household_ids[row.kk]
        values = {"household_id": household_id, "name": row.name, "relation": row.relation,
                  "birth_date": row.birth_date, "sex": row.sex, "status": row.status, "phone": row.phone}  # fmt: skip
        known = existing.get(row.nik)
        if known is None:
            new.append({"nik": row.nik, **values, "updated_at": now})
            touched.add(household_id)
            continue
        if values["phone"] is None:
            values["phone"] = known.phone
        if known.household_id != household_id or any(getattr(known, f) != values[f] for f in PERSON_FIELDS):
            changed.append({"id": known.id, **values, "updated_at": now})
            touched.update((household_id, known.household_id))
            if known.status != row.status:
                summary.status_changes[row.status] += 1
        else:
            summary.unchanged += 1
    for batch in chunks(new, BATCH):
        session.execute(insert(Person), batch)
    for batch in chunks(changed, BATCH):
        session.execute(update(Person), batch)
    summary.people_added += len(new)
    summary.people_updated += len(changed)
    return touched


def _recompute_eligibility(session: Session, household_ids: set[int], summary: StoreSummary) -> None:
    """Set each touched household's eligibility from its members' statuses."""
    if not household_ids:
        return
    statuses: dict[int, list[str]] = {}
    ids = sorted(household_ids)
    for chunk in chunks(ids, BATCH):
        for household_id, status in session.execute(
            select(Person.household_id, Person.status).where(Person.household_id.in_(chunk))
        ):
            statuses.setdefault(household_id, []).append(status)
        current = dict(session.execute(select(Household.id, Household.eligible).where(Household.id.in_(chunk))).all())
        changes = []
        for household_id in chunk:
            verdict = household_eligibility(statuses.get(household_id, []))
            if current.get(household_id) and not verdict.eligible:
                summary.now_ineligible += 1
            changes.append({"id": household_id, "eligible": verdict.eligible, "ineligible_reason": verdict.reason})
        session.execute(update(Household), changes)
