"""Hazards: the words residents use for what happened, and how a message's words settle on one hazard."""

from __future__ import annotations

from functools import lru_cache

from gateway.parsers.result import Hazard
from gateway.parsers.spelling import unique_nearest
from gateway.parsers.tokens import Tokens

# Words and phrases (space-separated, lower case) for each hazard. A phrase wins over its words:
# `banjir bandang` is a flash flood, `kebakaran lahan` a wildfire, `rumah terbakar` a house fire.
INDONESIAN: dict[str, Hazard] = {
    "banjir": "flood",
    "kebanjiran": "flood",
    "tergenang": "flood",
    "terendam": "flood",
    "terendam banjir": "flood",
    "genangan": "flood",
    "banjir bandang": "flash_flood",
    "bandang": "flash_flood",
    "banjir kiriman": "flood",
    "banjir rob": "tidal_flood",
    "rob": "tidal_flood",
    "banjir pasang": "tidal_flood",
    "air pasang": "tidal_flood",
    "pasang laut": "tidal_flood",
    "longsor": "landslide",
    "tanah longsor": "landslide",
    "longsoran": "landslide",
    "tanah gerak": "landslide",
    "tanah bergerak": "landslide",
    "gerakan tanah": "landslide",
    "tanah ambles": "landslide",
    "tanah amblas": "landslide",
    "gempa": "earthquake",
    "gempa bumi": "earthquake",
    "gempabumi": "earthquake",
    "tsunami": "tsunami",
    "erupsi": "eruption",
    "letusan": "eruption",
    "meletus": "eruption",
    "gunung meletus": "eruption",
    "awan panas": "eruption",
    "lahar": "eruption",
    "hujan abu": "eruption",
    "abu vulkanik": "eruption",
    "puting beliung": "extreme_weather",
    "angin puting beliung": "extreme_weather",
    "beliung": "extreme_weather",
    "angin kencang": "extreme_weather",
    "angin ribut": "extreme_weather",
    "angin topan": "extreme_weather",
    "topan": "extreme_weather",
    "badai": "extreme_weather",
    "hujan es": "extreme_weather",
    "hujan deras": "extreme_weather",
    "cuaca ekstrem": "extreme_weather",
    "cuaca ekstrim": "extreme_weather",
    "pohon tumbang": "extreme_weather",
    "kekeringan": "drought",
    "krisis air": "drought",
    "kemarau": "drought",
    "kebakaran hutan": "wildfire",
    "kebakaran lahan": "wildfire",
    "kebakaran hutan dan lahan": "wildfire",
    "hutan terbakar": "wildfire",
    "lahan terbakar": "wildfire",
    "karhutla": "wildfire",
    "kebakaran": "fire",
    "terbakar": "fire",
    "kebakaran rumah": "fire",
    "rumah terbakar": "fire",
    "abrasi": "abrasion",
    "gelombang pasang": "abrasion",
    "gelombang tinggi": "abrasion",
    "erosi pantai": "abrasion",
}

# Javanese (jv) and Sundanese (su) words heard in Central and West Java.
REGIONAL: dict[str, Hazard] = {
    "blabur": "flood",  # jv
    "banjir bah": "flood",  # jv
    "caah": "flood",  # su
    "caah dengdeng": "flash_flood",  # su
    "rob": "tidal_flood",  # jv, coastal
    "urug": "landslide",  # su
    "longsor lemah": "landslide",  # jv
    "lindu": "earthquake",  # jv
    "lini": "earthquake",  # su
    "gempa lini": "earthquake",  # su
    "lesus": "extreme_weather",  # jv
    "angin lesus": "extreme_weather",  # jv
    "angin gede": "extreme_weather",  # jv
    "kobongan": "fire",  # jv
    "kebakaran omah": "fire",  # jv
    "omah kobong": "fire",  # jv
    "kahuruan": "fire",  # su
    "halodo": "drought",  # su
    "ketigo": "drought",  # jv
}

ENGLISH: dict[str, Hazard] = {
    "flood": "flood",
    "floods": "flood",
    "flooding": "flood",
    "flooded": "flood",
    "flash flood": "flash_flood",
    "tidal flood": "tidal_flood",
    "high tide": "tidal_flood",
    "landslide": "landslide",
    "landslides": "landslide",
    "mudslide": "landslide",
    "earthquake": "earthquake",
    "quake": "earthquake",
    "tsunami": "tsunami",
    "eruption": "eruption",
    "volcano": "eruption",
    "storm": "extreme_weather",
    "tornado": "extreme_weather",
    "whirlwind": "extreme_weather",
    "strong wind": "extreme_weather",
    "strong winds": "extreme_weather",
    "drought": "drought",
    "wildfire": "wildfire",
    "forest fire": "wildfire",
    "fire": "fire",
    "house fire": "fire",
    "abrasion": "abrasion",
    "coastal erosion": "abrasion",
}

# Old-keypad abbreviations and misspellings frequent enough to list rather than leave to typo tolerance.
KEYPAD: dict[str, Hazard] = {
    "bnjr": "flood",
    "bnjir": "flood",
    "banjr": "flood",
    "bjr": "flood",
    "bnjr bdg": "flash_flood",
    "lngsr": "landslide",
    "lgsr": "landslide",
    "longsr": "landslide",
    "lonsor": "landslide",
    "gmp": "earthquake",
    "gmpa": "earthquake",
    "kbkrn": "fire",
    "kbakaran": "fire",
    "kebakran": "fire",
    "ptng blg": "extreme_weather",
    "ptg beliung": "extreme_weather",
    "kkeringan": "drought",
}

# Words that say "a disaster" without saying which: `other`, unless a specific hazard is named too.
GENERIC: dict[str, Hazard] = {
    "bencana": "other",
    "musibah": "other",
    "darurat": "other",
    "disaster": "other",
    "emergency": "other",
}

HAZARD_PHRASES: dict[str, Hazard] = {**GENERIC, **ENGLISH, **REGIONAL, **KEYPAD, **INDONESIAN}

# A broad hazard made precise by a second, narrower one anywhere in the message (`banjir ... rob`).
REFINEMENTS: dict[Hazard, tuple[Hazard, ...]] = {
    "flood": ("flash_flood", "tidal_flood"),
    "fire": ("wildfire",),
}

# A fire on these is a forest and land fire (`kebakaran di lahan gambut`).
WILDFIRE_GROUND = frozenset({"hutan", "lahan", "gambut", "ladang", "forest"})
# ... unless buildings burn too (`kebakaran rumah dekat hutan` is a house fire).
BUILDINGS = frozenset({"rumah", "rmh", "omah", "imah", "house", "houses", "toko", "kios", "pasar", "gudang", "pabrik"})

_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _phrase in sorted(HAZARD_PHRASES, key=lambda phrase: -len(phrase.split())):
    _words = tuple(_phrase.split())
    _BY_FIRST_WORD.setdefault(_words[0], []).append(_words)
_MEANING: dict[tuple[str, ...], Hazard] = {tuple(phrase.split()): h for phrase, h in HAZARD_PHRASES.items()}
_SINGLE_WORDS: tuple[str, ...] = tuple(sorted(phrase for phrase in HAZARD_PHRASES if " " not in phrase))

HAZARD_WORDS: frozenset[str] = frozenset(word for phrase in HAZARD_PHRASES for word in phrase.split())
ENGLISH_WORDS: frozenset[str] = frozenset(word for phrase in ENGLISH for word in phrase.split())


def find_hazards(tokens: Tokens) -> list[Hazard]:
    """Take every hazard phrase among the unread tokens, longest first, and return them in order."""
    found: list[Hazard] = []
    words = tokens.words
    for index, word in enumerate(words):
        if tokens.taken[index] or word not in _BY_FIRST_WORD:
            continue
        for phrase in _BY_FIRST_WORD[word]:
            stop = index + len(phrase)
            if tuple(words[index:stop]) == phrase and tokens.free(index, stop):
                tokens.take(index, stop)
                found.append(_MEANING[phrase])
                break
    return found


@lru_cache(maxsize=4096)
def hazard_for_typo(word: str) -> tuple[Hazard, int] | None:
    """Return the hazard a misspelt word is nearest to, with the typo count, if it is near only one."""
    return unique_nearest(word, _SINGLE_WORDS, HAZARD_PHRASES.__getitem__)


def choose_hazard(found: list[Hazard], words: list[str]) -> Hazard | None:
    """Return the hazard of the message: the first specific one named, made precise where it can be."""
    specific = [hazard for hazard in found if hazard != "other"]
    if not specific:
        return "other" if found else None
    first = specific[0]
    for narrower in REFINEMENTS.get(first, ()):
        if narrower in specific:
            return narrower
    if first == "fire" and WILDFIRE_GROUND.intersection(words) and not BUILDINGS.intersection(words):
        return "wildfire"
    return first
