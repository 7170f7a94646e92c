"""Typo tolerance: how far a typed word may be from a known one, and the unique nearest known word."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rapidfuzz import process
from rapidfuzz.distance import OSA

T = TypeVar("T")

# Optimal string alignment counts a swapped pair of letters (`bnajir`, `longosr`) as one typo.
MIN_FUZZY_LENGTH = 5  # shorter words are too close to each other (rob, rib, lini, lain) to guess at


def max_typos(length: int) -> int:
    """Return how many typos a word of this length may carry and still be recognised."""
    if length < MIN_FUZZY_LENGTH:
        return 0
    if length < 8:
        return 1
    return 2


def nearest(word: str, choices: Sequence[str]) -> tuple[list[str], int] | None:
    """Return the known words nearest to `word` within its typo budget, and their distance."""
    budget = max_typos(len(word))
    if budget == 0:
        return None
    found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=budget, limit=8)
    if not found:
        return None
    best = min(distance for _, distance, _ in found)
    return [choice for choice, distance, _ in found if distance == best], int(best)


def unique_nearest(word: str, choices: Sequence[str], meaning: Callable[[str], T]) -> tuple[T, int] | None:
    """Return what the nearest known words mean, only when they all mean the same thing."""
    found = nearest(word, choices)
    if found is None:
        return None
    words, distance = found
    meanings = {meaning(choice) for choice in words}
    if len(meanings) != 1:
        return None  # equally close to two different things: never guess
    return meanings.pop(), distance
