"""Hazards: Indonesian, regional, English and keypad words, typos, and never the wrong hazard."""

from __future__ import annotations

import string

import pytest

from gateway.parsers import Region, parse
from gateway.parsers.hazards import HAZARD_PHRASES


@pytest.mark.parametrize(("phrase", "hazard"), sorted(HAZARD_PHRASES.items()))
def test_every_word_in_the_lexicon_names_its_hazard(kendal: Region, phrase: str, hazard: str) -> None:
    result = parse(f"lapor {phrase} sukodono 3 kk", kendal)
    assert result.hazard == hazard
    assert result.village_code == "33.24.15.1002"


@pytest.mark.parametrize(
    ("text", "hazard"),
    [
        ("lindu ing Trisobo", "earthquake"),
        ("lesus ing Sijeruk", "extreme_weather"),
        ("kobongan ing Jotang", "fire"),
        ("rob ing Bandengan", "tidal_flood"),
        ("caah di Penjalin", "flood"),
        ("urug di Curugsewu", "landslide"),
        ("lini di Trisobo", "earthquake"),
        ("bnjr sukodono", "flood"),
        ("lngsr curugsewu", "landslide"),
        ("kbkrn jotang", "fire"),
        ("Bnajir sukodono", "flood"),
        ("longosr curugsewu", "landslide"),
        ("kebakarn jotang", "fire"),
        ("kekeringn kalipakis", "drought"),
        ("banjir bandang wonodadi", "flash_flood"),
        ("banjir di bandengan, air rob masuk rumah", "tidal_flood"),
        ("kebakaran di lahan gambut darupono", "wildfire"),
        ("kebakaran rumah dekat hutan darupono", "fire"),
        ("gempa dan tsunami bandengan", "earthquake"),
        ("darurat! banjir sukodono", "flood"),
        ("bencana di sukodono", "other"),
    ],
)
def test_it_reads_regional_keypad_and_misspelt_hazards(kendal: Region, text: str, hazard: str) -> None:
    assert parse(text, kendal).hazard == hazard


def _one_typo_away(word: str) -> set[str]:
    """Return every word one deletion, substitution, insertion or swap away from `word`."""
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletions = {left + right[1:] for left, right in splits if right}
    swaps = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    substitutions = {left + c + right[1:] for left, right in splits if right for c in letters}
    insertions = {left + c + right for left, right in splits for c in letters}
    return (deletions | swaps | substitutions | insertions) - {word}


SINGLE_WORDS = sorted(phrase for phrase in HAZARD_PHRASES if " " not in phrase and len(phrase) >= 5)


@pytest.mark.parametrize("word", SINGLE_WORDS)
def test_a_typo_never_turns_one_hazard_into_another(kendal: Region, word: str) -> None:
    meant = HAZARD_PHRASES[word]
    wrong = {}
    for typo in _one_typo_away(word):
        if typo in HAZARD_PHRASES:
            continue  # another real word, read as itself
        hazard = parse(f"{typo} sukodono 3 kk", kendal).hazard
        if hazard not in (meant, None):
            wrong[typo] = hazard
    assert wrong == {}


def test_short_words_are_never_stretched_into_a_hazard(kendal: Region) -> None:
    for text in ("rib di sukodono", "lain di sukodono", "lahan sukodono 3 kk", "badan jalan sukodono 3 kk"):
        assert parse(text, kendal).hazard is None, text
