"""Places: find desa and kecamatan names in a message and settle on one desa, or list the candidates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gateway.parsers.region import Place, Region, district_of_code
from gateway.parsers.spelling import MIN_FUZZY_LENGTH
from gateway.parsers.tokens import Tokens, is_number

Hint = Literal["village", "district", "hamlet", "region"]

# Words that say what kind of place the next word is: `ds. Bandengan`, `kec Patebon`, `dusun Krajan`.
PLACE_PREFIXES: dict[str, Hint] = {
    "desa": "village",
    "ds": "village",
    "dsa": "village",
    "kel": "village",
    "kelurahan": "village",
    "kalurahan": "village",
    "village": "village",
    "kec": "district",
    "kecamatan": "district",
    "kcm": "district",
    "kcmtn": "district",
    "district": "district",
    "distrik": "district",
    "dusun": "hamlet",
    "dsn": "hamlet",
    "dukuh": "hamlet",
    "dk": "hamlet",
    "kampung": "hamlet",
    "kp": "hamlet",
    "lingkungan": "hamlet",
    "lingk": "hamlet",
    "kabupaten": "region",
    "kab": "region",
    "kota": "region",
    "provinsi": "region",
    "prov": "region",
}

MAX_HAMLET_WORDS = 2  # `dusun krajan kidul`: a hamlet name is skipped, it is not a desa
MAX_PLACE_TEXT_WORDS = 3
MAX_TYPO_WORDS = 3


@dataclass(frozen=True, slots=True)
class Span:
    """Tokens start..stop-1 name `place`; `exact` unless matched through typo tolerance."""

    start: int
    stop: int
    place: Place
    hint: Hint | None
    exact: bool


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a report is: one desa, or the candidates, with the kecamatan when it is known."""

    village_code: str | None = None
    district_code: str | None = None
    candidates: tuple[str, ...] = ()
    place_text: str | None = None


def mark_prefixes(tokens: Tokens, region: Region) -> dict[int, Hint]:
    """Take place-kind words and return, for the token after each, the kind of place it names.

    A word that is part of a place name typed around it is that name's, not a prefix: `paringin kota`,
    `kampung hilir`, `kota baru` are matched whole first.
    """
    hints: dict[int, Hint] = {}
    for index, word in enumerate(tokens.words):
        hint = PLACE_PREFIXES.get(word)
        if hint is None or tokens.taken[index] or index + 1 >= len(tokens.words):
            continue
        if _in_a_name(tokens, region, index):
            continue
        tokens.taken[index] = True
        hints[index + 1] = hint
    return hints


def _in_a_name(tokens: Tokens, region: Region, index: int) -> bool:
    """Whether the word at ``index`` belongs to a place name of two or more words typed around it."""
    words, taken = tokens.words, tokens.taken
    reach = region.longest_name
    for start in range(max(0, index - reach + 1), index + 1):
        if any(taken[start:index]):
            continue
        for stop in range(max(index + 1, start + 2), min(len(words), start + reach) + 1):
            if taken[stop - 1] and stop - 1 != index:
                break
            if region.lookup("".join(words[start:stop])) is not None:
                return True
    return False


def _hinted(place: Place, hint: Hint | None) -> Place:
    """Return the place narrowed to the kind its prefix names, when it has a place of that kind."""
    if hint == "village" and place.villages:
        return Place(villages=place.villages)
    if hint == "district" and place.districts:
        return Place(districts=place.districts)
    return place


def find_exact_places(
    tokens: Tokens, region: Region, hints: dict[int, Hint], known: frozenset[str], hazard_words: frozenset[str]
) -> list[Span]:
    """Take every place named exactly (with or without spaces), longest first, left to right.

    A name made only of everyday words counts after `desa`/`kec`, or when it is a hazard word following
    another hazard word (`longsor urug`: Urug is a desa in Bogor, and the landslide was already said).
    """
    words, taken = tokens.words, tokens.taken
    lookup, could_extend, beginnings = region.lookup, region.could_extend, region.beginnings
    count, reach = len(words), region.longest_name
    spans: list[Span] = []
    index = 0
    while index < count:
        if taken[index] or (words[index] not in beginnings and index not in hints):
            if not taken[index] and words[index] == region.short_name:
                tokens.taken[index] = True  # the kabupaten itself, which says nothing more
            index += 1
            continue
        hint = hints.get(index)
        if hint == "hamlet":
            index = _skip_hamlet(tokens, region, index)
            continue
        key = words[index]
        place = lookup(key)
        found = (index + 1, place) if place is not None else None
        stop = index + 1
        while stop < count and stop - index < reach and not taken[stop] and could_extend(key):
            key += words[stop]
            stop += 1
            place = lookup(key)
            if place is not None:
                found = stop, place
        if found is None:
            if hint == "region" or words[index] == region.short_name:
                tokens.taken[index] = True  # the kabupaten itself, which says nothing more
            index += 1
            continue
        stop, place = found
        if hint == "region":  # `kab kendal` names the whole region, not its kecamatan Kendal
            tokens.take(index, stop)
            index = stop
            continue
        named = words[index:stop]
        if (
            hint not in ("village", "district")
            and all(word in known for word in named)
            and not (all(word in hazard_words for word in named) and hazard_words.intersection(words[:index]))
        ):
            index += 1  # `tengah`, `baru` or `air putih` are desa only when written after `desa`
            continue
        tokens.take(index, stop)
        spans.append(Span(index, stop, _hinted(place, hint), hint, exact=True))
        index = stop
    return spans


def _skip_hamlet(tokens: Tokens, region: Region, index: int) -> int:
    """Take the words of a hamlet name (which is no desa) and return the index after them."""
    stop = index
    while stop < min(index + MAX_HAMLET_WORDS, len(tokens.words)) and not tokens.taken[stop]:
        if stop > index and region.lookup(tokens.words[stop]) is not None:
            break
        stop += 1
    tokens.take(index, stop)
    return max(stop, index + 1)


def find_typo_places(tokens: Tokens, region: Region, hints: dict[int, Hint], known: frozenset[str]) -> list[Span]:
    """Take places named with typos among the unread words, joining up to MAX_TYPO_WORDS words."""
    words = tokens.words
    spans: list[Span] = []
    index = 0
    while index < len(words):
        hint = hints.get(index)
        word = words[index]
        if tokens.taken[index] or is_number(word) or (word in known and hint is None):
            index += 1
            continue
        found: tuple[int, Place] | None = None
        for size in range(MAX_TYPO_WORDS, 0, -1):
            stop = index + size
            if not tokens.free(index, stop) or any(is_number(w) for w in words[index:stop]):
                continue
            key = "".join(words[index:stop])
            if len(key) < MIN_FUZZY_LENGTH:
                continue
            match = region.lookup_typo(key)
            if match is not None:
                found = stop, match[0]
                break
        if found is None:
            index += 1
            continue
        stop, place = found
        tokens.take(index, stop)
        spans.append(Span(index, stop, _hinted(place, hint), hint, exact=False))
        index = stop
    return spans


def unmatched_place_text(tokens: Tokens, hints: dict[int, Hint], known: frozenset[str]) -> str | None:
    """Return the words that look like a place but matched none: after `desa`/`kec`, else unknown words."""
    words = tokens.words
    starts = [index for index, hint in sorted(hints.items()) if hint in ("village", "district")]
    starts += [
        index
        for index, word in enumerate(words)
        if word not in known and word.isalpha() and len(word) >= 3 and index not in hints
    ]
    for start in starts:
        if tokens.taken[start]:
            continue
        stop = start
        while (
            stop < min(start + MAX_PLACE_TEXT_WORDS, len(words))
            and not tokens.taken[stop]
            and not is_number(words[stop])
            and (stop == start or words[stop] not in known)
        ):
            stop += 1
        if stop > start:
            return tokens.text(start, stop)
    return None


def resolve(spans: list[Span], tokens: Tokens) -> Resolution:
    """Settle on one desa: prefer one named after `desa`, in a named kecamatan, exact, not itself a kecamatan."""
    if len(spans) == 1 and len(spans[0].place.villages) == 1:  # the usual case: one desa, named once
        village = spans[0].place.villages[0]
        return Resolution(village, district_of_code(village), place_text=tokens.text(spans[0].start, spans[0].stop))
    village_spans = [span for span in spans if span.place.villages]
    if not village_spans:
        districts = sorted({district for span in spans for district in span.place.districts})
        text = tokens.text(spans[0].start, spans[0].stop) if spans else None
        return Resolution(district_code=districts[0] if len(districts) == 1 else None, place_text=text)

    def in_named_district(span: Span) -> tuple[str, ...]:
        named = {district for other in spans if other is not span for district in other.place.districts}
        return tuple(code for code in span.place.villages if district_of_code(code) in named)

    consistent = {id(span): in_named_district(span) for span in village_spans}

    def rank(span: Span) -> tuple[bool, bool, bool, bool]:
        return (span.hint == "village", bool(consistent[id(span)]), span.exact, not span.place.districts)

    best = max(rank(span) for span in village_spans)
    chosen = [span for span in village_spans if rank(span) == best]
    villages = sorted({code for span in chosen for code in (consistent[id(span)] or span.place.villages)})
    text = tokens.text(chosen[0].start, chosen[0].stop)
    if len(villages) == 1:
        return Resolution(villages[0], district_of_code(villages[0]), place_text=text)
    shared = {district_of_code(code) for code in villages}
    return Resolution(
        district_code=shared.pop() if len(shared) == 1 else None,
        candidates=tuple(villages),
        place_text=text,
    )
