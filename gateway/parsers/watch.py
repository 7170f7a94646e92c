"""Early-warning subscriptions: `PANTAU <desa>`, `BERHENTI PANTAU <desa>`, read with the reports' place matching."""

from __future__ import annotations

from gateway.parsers.region import Region
from gateway.parsers.reports import read_report
from gateway.parsers.result import Intent, Language, ParseResult, Problem
from gateway.parsers.tokens import Tokens


def read_watch(intent: Intent, tokens: Tokens, region: Region, keyword: Language | None) -> ParseResult:
    """Read the desa a watch command names: typos, `desa`/`kec` hints and kecamatan as in a report."""
    place = read_report(tokens, region, keyword)
    problem: Problem | None = None
    if place.candidates:
        problem = "ambiguous_place"
    elif place.village_code is None:
        problem = "unknown_place" if place.problem == "unknown_place" else "no_place"
    return ParseResult(intent, village_code=place.village_code, district_code=place.district_code,
                       candidates=place.candidates, problem=problem, place_text=place.place_text,
                       detected_language=place.detected_language)  # fmt: skip
