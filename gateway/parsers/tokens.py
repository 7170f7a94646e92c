"""Text to tokens: fold any Unicode to plain ASCII words and numbers, bounded in size."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# An SMS is at most a few concatenated segments; past these bounds nothing more is read, so any input,
# however long, costs the same bounded time.
MAX_CHARS = 500
MAX_TOKENS = 80

# Thousands written with separators (`1.500`, `2,000`) are one number; `1,5` and `1.5` are decimals.
# A `2` right after a word doubles it, as in `rumah2` (houses) and `obat2an` (medicines): one word.
_TOKEN = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+[.,]\d+|\d+|[a-z]{3,}2(?!\d)[a-z]*|[a-z]+")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


@dataclass(slots=True)
class Tokens:
    """Lower-case words and numbers of one message, and which of them the parser has read."""

    display: str  # the folded text, case kept, for quoting the sender's words back
    words: list[str]
    taken: list[bool] = field(default_factory=list)
    _spans: list[tuple[int, int]] | None = None

    def __post_init__(self) -> None:
        if not self.taken:
            self.taken = [False] * len(self.words)

    def take(self, start: int, stop: int) -> None:
        """Mark tokens start..stop-1 as read."""
        for index in range(start, stop):
            self.taken[index] = True

    def free(self, start: int, stop: int) -> bool:
        """Return whether no token in start..stop-1 has been read yet."""
        return stop <= len(self.words) and not any(self.taken[start:stop])

    def text(self, start: int, stop: int) -> str:
        """Return the message text from token start to token stop-1, as typed (folded)."""
        spans = self._spans_to(stop)
        return self.display[spans[start][0] : spans[stop - 1][1]]

    def after(self, index: int) -> str:
        """Return the message text after token `index`, as typed (folded)."""
        return self.display[self._spans_to(index + 1)[index][1] :]

    def _spans_to(self, stop: int) -> list[tuple[int, int]]:
        """Return where the first `stop` tokens sit in `display`; found only when a reply quotes them."""
        spans = self._spans
        if spans is None:
            spans = self._spans = []
        if len(spans) < stop:
            # Between two tokens there is no letter or digit, so each token is the first occurrence of
            # its word after the previous one.
            lowered = self.display.lower()
            end = spans[-1][1] if spans else 0
            for word in self.words[len(spans) : stop]:
                start = lowered.find(word, end)
                end = start + len(word)
                spans.append((start, end))
        return spans


def fold(text: str) -> str:
    """Return `text` as ASCII with case kept: accents dropped, other characters turned into spaces."""
    if text.isascii():
        return text
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if char.isascii():
            out.append(char)
        elif not unicodedata.combining(char):
            out.append(" ")
    return "".join(out)


def tokenize(text: str) -> Tokens:
    """Split the first MAX_CHARS characters of `text` into at most MAX_TOKENS tokens."""
    display = fold(text[:MAX_CHARS])
    lowered = display.lower()
    words = _TOKEN.findall(lowered)[:MAX_TOKENS]
    if "2" in lowered:
        words = [_undoubled(word) for word in words]
    return Tokens(display, words)


def _undoubled(word: str) -> str:
    """Return a word written with the doubling `2` as the word itself (`obat2an` → `obatan`)."""
    return word.replace("2", "") if word[0].isalpha() and "2" in word else word


def number_value(word: str) -> int | None:
    """Return the whole number a token spells (`1.500` is 1500), or None for words and decimals."""
    if word.isdigit():
        return int(word)
    if word[0].isdigit() and _THOUSANDS.fullmatch(word):
        return int(word.replace(".", "").replace(",", ""))
    return None


def is_number(word: str) -> bool:
    """Return whether a token is a number of any kind (whole, thousands or decimal)."""
    return word[0].isdigit()


def word_set(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of a lexicon written as running text."""
    return frozenset(text.split())
