"""What routing knows about an incident: the fields of the parser's contract, nothing personal."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IncidentFacts:
    """An incident's hazard, place, counts and needs, as parsed from one report or merged from several."""

    hazard: str | None
    village_code: str | None = None  # desa, e.g. 33.24.15.1002
    district_code: str | None = None  # kecamatan, e.g. 33.24.15
    households: int | None = None
    people: int | None = None
    houses: int | None = None
    needs: tuple[str, ...] = ()

    @property
    def kecamatan(self) -> str | None:
        """The kecamatan code, taken from the desa code when the report did not give it."""
        if self.district_code:
            return self.district_code
        if self.village_code and self.village_code.count(".") == 3:
            return self.village_code.rsplit(".", 1)[0]
        return None
