"""Reports: read what happened, where, to how many, and what is needed, in a fixed order of passes."""

from __future__ import annotations

from gateway.parsers.commands import KEYWORDS
from gateway.parsers.hazards import HAZARD_WORDS, choose_hazard, find_hazards, hazard_for_typo
from gateway.parsers.language import FILLER_WORDS, detect_language
from gateway.parsers.needs import ASKING, NEED_WORDS, find_needs
from gateway.parsers.numbers import MARKERS, MEASURES, UNITS, find_counts
from gateway.parsers.places import (
    PLACE_PREFIXES,
    Hint,
    find_exact_places,
    find_typo_places,
    mark_prefixes,
    resolve,
    unmatched_place_text,
)
from gateway.parsers.region import Region
from gateway.parsers.result import Hazard, Language, ParseResult, Problem
from gateway.parsers.spelling import MIN_FUZZY_LENGTH
from gateway.parsers.tokens import Tokens, is_number

# Words with a meaning of their own: typo tolerance never bends them into a place or a hazard, and a
# desa named like one is only recognised after `desa`/`kec`.
KNOWN_WORDS: frozenset[str] = (
    FILLER_WORDS
    | HAZARD_WORDS
    | NEED_WORDS
    | ASKING
    | frozenset(word for unit in UNITS for word in unit.split())
    | MARKERS
    | MEASURES
    | frozenset(KEYWORDS)
    | frozenset(PLACE_PREFIXES)
)


def read_report(tokens: Tokens, region: Region, keyword: Language | None) -> ParseResult:
    """Read a report; the passes run from the most to the least certain, each taking the words it reads."""
    counts = find_counts(tokens)
    hints = mark_prefixes(tokens, region)
    spans = find_exact_places(tokens, region, hints, KNOWN_WORDS, HAZARD_WORDS)
    hazards = find_hazards(tokens)
    needs = find_needs(tokens)
    if not hazards:
        hazards = find_hazard_typos(tokens, region, hints)
    spans += find_typo_places(tokens, region, hints, KNOWN_WORDS)
    where = resolve(spans, tokens)
    hazard = choose_hazard(hazards, tokens.words)

    problem: Problem | None = None
    place_text = where.place_text
    if where.candidates:
        problem = "ambiguous_place"
    elif where.village_code is None:
        unmatched = unmatched_place_text(tokens, hints, KNOWN_WORDS)
        problem = "unknown_place" if unmatched else "no_place"
        place_text = unmatched or place_text
    elif hazard is None:
        problem = "no_hazard"

    return ParseResult(
        "report",
        hazard=hazard,
        village_code=where.village_code,
        district_code=where.district_code,
        candidates=where.candidates,
        households=counts.households,
        people=counts.people,
        houses=counts.houses,
        needs=needs,
        problem=problem,
        place_text=place_text,
        detected_language=detect_language(tokens.words, keyword),
    )


def find_hazard_typos(tokens: Tokens, region: Region, hints: dict[int, Hint]) -> list[Hazard]:
    """Take the first unread word that is a misspelt hazard word, unless it is nearer to a place name."""
    for index, word in enumerate(tokens.words):
        if (
            tokens.taken[index]
            or index in hints
            or is_number(word)
            or word in KNOWN_WORDS
            or len(word) < MIN_FUZZY_LENGTH
        ):
            continue
        hazard = hazard_for_typo(word)
        if hazard is None:
            continue
        place = region.lookup_typo(word)
        if place is not None and place[1] < hazard[1]:
            continue
        tokens.taken[index] = True
        return [hazard[0]]
    return []
