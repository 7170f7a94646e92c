"""Counts: how many households, people and houses a report names, and which numbers are not counts."""

from __future__ import annotations

from typing import Literal, NamedTuple

from gateway.parsers.number_words import MULTIPLIERS, NUMBER_WORDS, read_number
from gateway.parsers.tokens import Tokens, number_value

CountField = Literal["households", "people", "houses"]

UNITS: dict[str, CountField] = {
    "kk": "households",
    "keluarga": "households",
    "kepala keluarga": "households",
    "families": "households",
    "family": "households",
    "households": "households",
    "household": "households",
    "jiwa": "people",
    "orang": "people",
    "org": "people",
    "warga": "people",
    "penduduk": "people",
    "pengungsi": "people",
    "korban": "people",
    "wong": "people",  # jv
    "jalma": "people",  # su
    "people": "people",
    "persons": "people",
    "person": "people",
    "residents": "people",
    "rumah": "houses",
    "rmh": "houses",
    "unit": "houses",
    "bangunan": "houses",
    "omah": "houses",  # jv
    "imah": "houses",  # su
    "houses": "houses",
    "house": "houses",
    "homes": "houses",
    "buildings": "houses",
}

ENGLISH_UNITS = frozenset(
    {"families", "family", "households", "household", "people", "persons", "person", "residents"}
    | {"houses", "house", "homes", "buildings"}
)

# Words that may sit between a number and its unit: `3 buah rumah`, `5 unit rumah`, `25-an kk`.
BETWEEN = frozenset({"buah", "bh", "an", "unit"})

# A number right after these is an address, a time or an identifier, never a count: `rt 02`, `jam 3`.
MARKERS = frozenset(
    {
        "rt",
        "rw",
        "no",
        "nomor",
        "nmr",
        "jam",
        "pukul",
        "tgl",
        "tanggal",
        "blok",
        "gang",
        "gg",
        "jl",
        "jln",
        "jalan",
        "km",
        "ke",
        "tahun",
        "thn",
        "ref",
        "kode",
        "hp",
        "wa",
    }
)

# A number right before these is a measure, never a count: `1 meter`, `2 hari`, `5 sr`.
MEASURES = frozenset(
    {
        "m",
        "meter",
        "mtr",
        "cm",
        "mm",
        "km",
        "kg",
        "ton",
        "liter",
        "ltr",
        "ha",
        "hektar",
        "hektare",
        "jam",
        "menit",
        "hari",
        "minggu",
        "bulan",
        "tahun",
        "thn",
        "persen",
        "derajat",
        "sr",
        "skala",
        "x",
        "kali",
        "meters",
        "hours",
        "days",
    }
)

MAX_COUNT_DIGITS = 7  # longer numbers are NIKs, phone numbers and dates

_UNITS: dict[tuple[str, ...], CountField] = {tuple(unit.split()): field for unit, field in UNITS.items()}
_LONGEST_UNIT = max(len(unit) for unit in _UNITS)
_BACKWARD_REACH = 2  # `omah ambruk 2`: a number may follow its unit by one word


class Counts(NamedTuple):
    """Households, people and houses named in a report."""

    households: int | None = None
    people: int | None = None
    houses: int | None = None


def _unit_at(words: list[str], index: int) -> tuple[CountField, int] | None:
    """Return the unit starting at `index` (after any in-between word) and the index after it."""
    if index < len(words) and words[index] in BETWEEN:
        found = _unit_at(words, index + 1)
        if found is not None:
            return found
    for size in range(min(_LONGEST_UNIT, len(words) - index), 0, -1):
        field = _UNITS.get(tuple(words[index : index + size]))
        if field is not None:
            return field, index + size
    return None


def _count_in_words(tokens: Tokens, index: int, found: dict[CountField, int]) -> bool:
    """Take a count spelt in words at ``index`` (`dua puluh lima kk`, `2 ratus jiwa`); False when none is there.

    Only a number followed by its unit is a count: a number word alone may be part of a place name (`Limo`).
    """
    words = tokens.words
    word = words[index]
    if word not in NUMBER_WORDS and not (word.isdigit() and index + 1 < len(words) and words[index + 1] in MULTIPLIERS):
        return False  # the common case, decided without reading further
    read = read_number(words, index)
    if read is None or (index and words[index - 1] in MARKERS):
        return False
    value, stop = read
    unit = _unit_at(words, stop)
    if unit is None:
        return False
    field, unit_stop = unit
    tokens.take(index, unit_stop)
    found.setdefault(field, value)
    return True


def find_counts(tokens: Tokens) -> Counts:
    """Take every number and its unit; return the first count given for each field."""
    words = tokens.words
    found: dict[CountField, int] = {}
    loose: list[tuple[int, int]] = []
    for index, word in enumerate(words):
        if tokens.taken[index]:
            continue
        if _count_in_words(tokens, index, found):
            continue
        if not word[0].isdigit():
            continue
        tokens.taken[index] = True  # a number is never a place or a hazard, whatever it counts
        value = number_value(word)
        if value is None or len(str(value)) > MAX_COUNT_DIGITS:
            continue
        if index and words[index - 1] in MARKERS:
            tokens.taken[index - 1] = True
            continue
        unit = _unit_at(words, index + 1)
        if unit is not None:
            field, stop = unit
            tokens.take(index + 1, stop)
            found.setdefault(field, value)
        elif index + 1 < len(words) and words[index + 1] in MEASURES:
            tokens.take(index + 1, index + 2)
        else:
            loose.append((index, value))
    for index, value in loose:
        for before in range(index - 1, max(index - 1 - _BACKWARD_REACH, -1), -1):
            field_before = _UNITS.get((words[before],))
            if field_before is not None and not tokens.taken[before] and field_before not in found:
                tokens.taken[before] = True
                found[field_before] = value
                break
    return Counts(found.get("households"), found.get("people"), found.get("houses"))
