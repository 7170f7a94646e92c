"""Officers: who they are by phone; the roster CSV (``name,phone,agency,role,districts``), applied all or nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.csv_file import delimiter_of
from gateway.db import utcnow
from gateway.models import Officer
from gateway.phones import normalize_phone

if TYPE_CHECKING:
    from gateway.parsers import Region
    from gateway.routing import Rules

COLUMNS = ("name", "phone", "agency", "role", "districts")
ROLES = ("officer", "supervisor")


def officers_by_phone(session: Session, phone: str) -> list[Officer]:
    """The officer rows of a phone (one per agency it serves), oldest first; empty for anyone else."""
    return list(session.scalars(select(Officer).where(Officer.phone == phone).order_by(Officer.id)))


@dataclass(frozen=True)
class OfficerRow:
    line: int
    name: str
    phone: str
    agency: str
    role: str
    districts: tuple[str, ...]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def read_roster(
    text: str, agencies: Iterable[str], is_district: Callable[[str], bool]
) -> tuple[list[OfficerRow], list[RowError]]:
    """Parse and check every row; return the good rows and an error per bad row (line numbers as in the file).

    Fields are separated by commas, or by semicolons when the header has more of those (Excel).
    """
    known_agencies = {a.upper() for a in agencies}
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(text.partition("\n")[0]))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header) != COLUMNS:
        return [], [RowError(1, f"the header must be {','.join(COLUMNS)}; found {','.join(header) or 'nothing'}")]
    rows: list[OfficerRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(COLUMNS):
            errors.append(RowError(line, f"expected {len(COLUMNS)} columns, found {len(record)}"))
            continue
        name, raw_phone, agency, role, districts = (cell.strip() for cell in record)
        problems: list[str] = []
        phone = normalize_phone(raw_phone)
        if not name:
            problems.append("name is empty")
        if phone is None:
            problems.append(f"phone {raw_phone!r} is not a valid phone number")
        agency = agency.upper()
        if agency not in known_agencies:
            problems.append(f"agency {agency!r} is not one of {', '.join(sorted(known_agencies))}")
        role = role.lower()
        if role not in ROLES:
            problems.append(f"role {role!r} must be officer or supervisor")
        codes = tuple(districts.split())
        unknown = [c for c in codes if not is_district(c)]
        if unknown:
            problems.append(f"unknown kecamatan code(s) {' '.join(unknown)}")
        if phone is not None and (phone, agency) in seen:
            problems.append(f"same phone and agency as line {seen[(phone, agency)]}")
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        assert phone is not None
        seen[(phone, agency)] = line
        rows.append(OfficerRow(line, name, phone, agency, role, codes))
    return rows, errors


def district_roster(text: str, rules: Rules, region: Region) -> tuple[list[OfficerRow], list[RowError]]:
    """Read a roster for this district: its routing agencies and the coordinator desk, its kecamatan."""
    districts = {code for code, _ in region.districts()}
    return read_roster(text, [*rules.agencies, rules.coordinator.code], districts.__contains__)


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int


def apply_roster(session: Session, rows: Iterable[OfficerRow]) -> ImportSummary:
    """Add new officers and update known ones (same phone and agency), in the caller's transaction."""
    existing = {(o.phone, o.agency): o for o in session.scalars(select(Officer))}
    added = updated = unchanged = 0
    now = utcnow()
    for row in rows:
        districts = " ".join(row.districts)
        officer = existing.get((row.phone, row.agency))
        if officer is None:
            session.add(Officer(name=row.name, phone=row.phone, agency=row.agency, role=row.role,
                                districts=districts, on_duty=True, created_at=now, updated_at=now))  # fmt: skip
            added += 1
        elif (officer.name, officer.role, officer.districts) != (row.name, row.role, districts):
            officer.name, officer.role, officer.districts, officer.updated_at = row.name, row.role, districts, now
            updated += 1
        else:
            unchanged += 1
    return ImportSummary(added, updated, unchanged)
