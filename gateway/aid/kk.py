"""Households by KK number (pure): registry rows grouped into households, eligibility, a KK masked for an SMS,
and the KK or NIK numbers of a list an officer hands in."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from gateway.aid.registry import STATUSES, PersonRow
from gateway.csv_file import delimiter_of
from gateway.id_numbers import ID_DIGITS, kk_or_nik_problem

_NOT_DIGIT = re.compile(r"[^0-9]")


def mask_kk(kk: str) -> str:
    """``3324********0001``: enough for a family to recognise its KK, too little to use it."""
    return kk[:4] + "*" * (len(kk) - 8) + kk[-4:]


def read_numbers(lines: Iterable[str]) -> tuple[list[str], list[str]]:
    """The KK or NIK in the first column of each line, and a problem per line whose number cannot be either.

    Fields may be separated by commas or semicolons (Excel); a number may be typed in groups or carry Excel's
    apostrophe. Blank lines and a header (a first line without digits) are skipped; problems name their line.
    """
    source = iter(lines)
    first = next(source, None)
    if first is None:
        return [], []
    reader = csv.reader(itertools.chain([first], source), delimiter=delimiter_of(first))
    numbers: list[str] = []
    problems: list[str] = []
    line_num = 0
    for record in reader:
        line, line_num = line_num + 1, reader.line_num
        cell = record[0].strip().strip("'\"") if record else ""
        digits = _NOT_DIGIT.sub("", cell)
        if not cell or (line == 1 and not digits):
            continue
        problem = kk_or_nik_problem(digits)
        if problem is None:
            numbers.append(digits)
        else:
            shown = mask_kk(digits) if len(digits) == ID_DIGITS else repr(cell)
            problems.append(f"line {line}: {shown} {problem}")
    return numbers, problems


@dataclass(frozen=True)
class HouseholdRow:
    """One KK of the extract: where it lives, the phone pickup notices go to, and its members' NIKs."""

    kk: str
    village_code: str
    address: str
    rt: str | None
    rw: str | None
    phone: str | None
    members: tuple[str, ...]
    head_nik: str | None


@dataclass(frozen=True)
class Eligibility:
    """Whether a household may be allocated aid, and if not, why."""

    eligible: bool
    reason: str | None = None


def group_households(people: Iterable[PersonRow]) -> dict[str, HouseholdRow]:
    """Group people by KK, in order of first appearance.

    The address comes from the head (else the first member). The phone is the head's when the head is alive,
    else the first living member's; failing those, the head's, else any member's.
    """
    by_kk: dict[str, list[PersonRow]] = {}
    for person in people:
        by_kk.setdefault(person.kk, []).append(person)
    households: dict[str, HouseholdRow] = {}
    for kk, members in by_kk.items():
        head = next((person for person in members if person.relation == "head"), None)
        first = head or members[0]
        ordered = ([head] if head is not None else []) + [person for person in members if person is not head]
        alive = [person for person in ordered if person.status == "alive"]
        phone = next((person.phone for person in alive + ordered if person.phone), None)
        households[kk] = HouseholdRow(
            kk=kk,
            village_code=first.village_code,
            address=first.address,
            rt=first.rt,
            rw=first.rw,
            phone=phone,
            members=tuple(person.nik for person in members),
            head_nik=head.nik if head is not None else None,
        )
    return households


def household_eligibility(statuses: Iterable[str]) -> Eligibility:
    """Whether a household with members of these statuses may get aid: only when someone in it is alive."""
    seen = set()
    for status in statuses:
        if status not in STATUSES:
            raise ValueError(f"unknown member status '{status}'; expected one of {', '.join(STATUSES)}")
        if status == "alive":
            return Eligibility(True)
        seen.add(status)
    if not seen:
        return Eligibility(False, "no members")
    if seen == {"deceased"}:
        return Eligibility(False, "all members deceased")
    if seen == {"moved"}:
        return Eligibility(False, "all members moved")
    if seen == {"ineligible"}:
        return Eligibility(False, "household marked ineligible")
    return Eligibility(False, "no eligible member")
