"""The parse result: the contract fields every consumer reads, plus what replies need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Intent = Literal[
    "report",
    "ack",
    "resolve",
    "reject",
    "redeem",
    "status",
    "register",
    "stop",
    "start",
    "help",
    "language",
    "victim",
    "confirm_link",
    "cancel_link",
    "watch",
    "unwatch",
    "unknown",
]

Hazard = Literal[
    "flood",
    "flash_flood",
    "tidal_flood",
    "landslide",
    "earthquake",
    "tsunami",
    "eruption",
    "extreme_weather",
    "drought",
    "wildfire",
    "fire",
    "abrasion",
    "other",
]

Need = Literal[
    "food",
    "water",
    "blankets",
    "tarpaulin",
    "mats",
    "clothing",
    "medicine",
    "shelter",
    "evacuation",
    "baby",
    "hygiene",
    "kitchen",
]

Language = Literal["id", "en"]

# Why a message could not be acted on as it stands; the reply templates are keyed on these.
Problem = Literal[
    # reports, in the order they are reported (the first that applies wins)
    "ambiguous_place",  # several desa match; `candidates` lists them
    "unknown_place",  # a place-like word matched nothing; `place_text` holds it
    "no_place",  # no desa named (a kecamatan alone sets `district_code`)
    "no_hazard",  # the place is known but not what happened
    # commands missing or mangling their argument
    "missing_ref",
    "missing_code",
    "missing_ids",
    "invalid_ids",  # `victim`: a number that can be neither a KK nor a NIK; `invalid_ids` lists them
    "invalid_nik",  # not 16 digits
    "invalid_nik_region",  # its first digits name no province, or 00 for kabupaten or kecamatan
    "invalid_nik_date",  # its digits 7 to 12 are no birth date
    "invalid_nik_serial",  # its last four digits are 0000
    "invalid_kk",  # not 16 digits
    "invalid_kk_region",  # its first four digits name no kabupaten or kota, or 00 for kabupaten or kecamatan
    "invalid_kk_date",  # its digits 7 to 12 are no issue date that has come
    "invalid_kk_serial",  # its last four digits are 0000
    "missing_language",
    # neither a command nor a report
    "unreadable",
]

ContractValue = str | int | list[str] | None

CONTRACT_KEYS: tuple[str, ...] = (
    "intent",
    "hazard",
    "village_code",
    "district_code",
    "candidates",
    "households",
    "people",
    "houses",
    "needs",
    "ref",
    "code",
)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What one SMS says: the `gateway parse --json` contract and the details replies need."""

    intent: Intent
    hazard: Hazard | None = None
    village_code: str | None = None
    district_code: str | None = None
    candidates: tuple[str, ...] = ()
    households: int | None = None
    people: int | None = None
    houses: int | None = None
    needs: tuple[Need, ...] = ()
    ref: str | None = None
    code: str | None = None
    nik: str | None = None
    kk: str | None = None
    nik_valid: bool = False
    ids: tuple[str, ...] = ()  # `victim`: the 16-digit NIK or KK numbers given, in order, each once
    invalid_ids: tuple[str, ...] = ()  # `victim`: those of ``ids`` that can be neither a KK nor a NIK
    language: Language | None = None
    problem: Problem | None = None
    place_text: str | None = None
    detected_language: Language | None = None

    def to_contract(self) -> dict[str, ContractValue]:
        """Return the contract keys, in contract order, as JSON-ready values."""
        return {
            "intent": self.intent,
            "hazard": self.hazard,
            "village_code": self.village_code,
            "district_code": self.district_code,
            "candidates": list(self.candidates),
            "households": self.households,
            "people": self.people,
            "houses": self.houses,
            "needs": list(self.needs),
            "ref": self.ref,
            "code": self.code,
        }
