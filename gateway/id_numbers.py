"""NIK and KK numbers (pure): what is wrong with one, part by part, in words an operator or a resident can act on.

Both are 16 digits: ``PP KK CC`` (province, kabupaten/kota and kecamatan of issue), ``DDMMYY`` (a NIK's birth
date, with 40 added to the day for a woman; a KK's issue date) and ``SSSS`` (a serial, never 0000). Structure
cannot prove a number was issued; it only catches numbers that cannot have been, such as a typo.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Literal

from lokal import parse_nik
from lokal.nik import NikInfo
from lokal.wilayah import get_wilayah

ID_DIGITS = 16
Part = Literal["length", "region", "date", "serial"]  # the part of the number that is wrong


@dataclass(frozen=True)
class Fault:
    """One thing wrong with a number: which part, and in words (``its last four digits are 0000``)."""

    part: Part
    message: str


LENGTH = Fault("length", "must be 16 digits")
# lokal-id's issue codes for a NIK, in our words.
_NIK_FAULTS = {
    "format": LENGTH,
    "province": Fault("region", "its first two digits are no province code"),
    "wilayah": Fault("region", "its kabupaten or kecamatan digits are 00"),
    "birth_date": Fault("date", "its birth-date digits are no real date"),
    "serial": Fault("serial", "its last four digits are 0000"),
}


def nik_faults(info: NikInfo) -> list[Fault]:
    """What lokal-id found wrong with a NIK it parsed (none for a valid one), region first, serial last."""
    return [_NIK_FAULTS.get(issue.code, Fault("length", issue.message)) for issue in info.errors]


def check_nik(number: str, today: date | None = None) -> list[Fault]:
    """What is wrong with a NIK (16 digits, separators allowed); empty when it can be one."""
    return nik_faults(parse_nik(number, reference_date=today))


def kk_faults(number: str, today: date | None = None) -> list[Fault]:
    """What is wrong with a KK number (16 digits, no separators); empty when it can be one.

    The first four digits must be a kabupaten or kota that exists (its code stays valid after a split), the
    kecamatan digits not 00, digits 7 to 12 a real issue date that has come, the serial not 0000.
    """
    if len(number) != ID_DIGITS or not number.isdigit():
        return [LENGTH]
    faults = [fault for fault in (_kk_region(number[:6]), _kk_date(number[6:12], today or date.today())) if fault]
    if number.endswith("0000"):
        faults.append(_NIK_FAULTS["serial"])
    return faults


def kk_or_nik_problem(number: str, today: date | None = None) -> str | None:
    """None when ``number`` can be a KK or a NIK; else why it is neither, e.g. ``is not a 16-digit KK or NIK``."""
    kk = kk_faults(number, today)
    if not kk:
        return None
    if kk == [LENGTH]:
        return "is not a 16-digit KK or NIK"
    nik = check_nik(number, today)
    if not nik:
        return None
    return f"is neither a KK ({'; '.join(f.message for f in kk)}) nor a NIK ({'; '.join(f.message for f in nik)})"


@functools.lru_cache(maxsize=4096)  # a few hundred kecamatan codes in a whole extract
def _kk_region(code: str) -> Fault | None:
    """What is wrong with the first six digits of a KK, if anything."""
    if code[2:4] == "00" or code[4:6] == "00":
        return _NIK_FAULTS["wilayah"]
    if get_wilayah(f"{code[:2]}.{code[2:4]}") is None:
        return Fault("region", f"its first four digits ({code[:2]}.{code[2:4]}) are no kabupaten or kota")
    return None


@functools.lru_cache(maxsize=16384)  # issue dates repeat across an extract
def _kk_date(digits: str, today: date) -> Fault | None:
    """What is wrong with a KK's issue date ``DDMMYY``, if anything (a two-digit year is taken as the latest)."""
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    year += 2000 if year <= today.year % 100 else 1900
    try:
        issued = date(year, month, day)
    except ValueError:
        return Fault("date", "its issue-date digits (7 to 12, DDMMYY) are no real date")
    if issued > today:
        return Fault("date", "its issue-date digits (7 to 12, DDMMYY) are a date still to come")
    return None
