"""SMS text: keep it in GSM-7 where we can, and count what it costs in segments."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # each costs two septets (escape + char)

# Characters phones and word processors slip in that would force the whole SMS into UCS-2 (70 per segment).
REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "*", "\u00b7": ".", "\t": " ",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
}  # fmt: skip

SINGLE = {"GSM-7": 160, "UCS-2": 70}
MULTI = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SmsText:
    """A text ready to send, with its encoding and how many segments it bills."""

    text: str
    encoding: Encoding
    segments: int


def to_gsm7(text: str) -> str:
    """Replace look-alike characters and strip accents so that ``text`` fits GSM-7 where it can."""
    out: list[str] = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
            continue
        if char in REPLACEMENTS:
            out.append(REPLACEMENTS[char])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and all(c in GSM7_BASIC for c in base) else char)
    return "".join(out)


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character has a GSM-7 code, else UCS-2."""
    return "GSM-7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else "UCS-2"


def _units(text: str, encoding: Encoding) -> list[int]:
    """Cost of each character: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding == "GSM-7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count_segments(text: str, encoding: Encoding | None = None) -> int:
    """Count billed segments; a two-unit character is never split across segments."""
    encoding = encoding or encoding_of(text)
    units = _units(text, encoding)
    if sum(units) <= SINGLE[encoding]:
        return 1
    size, segments, used = MULTI[encoding], 1, 0
    for cost in units:
        if used + cost > size:
            segments += 1
            used = 0
        used += cost
    return max(segments, math.ceil(sum(units) / size))


def prepare(text: str) -> SmsText:
    """Clean ``text`` into GSM-7 where possible and count its segments."""
    cleaned = to_gsm7(text)
    encoding = encoding_of(cleaned)
    return SmsText(cleaned, encoding, count_segments(cleaned, encoding))


def fit_list(lines: Sequence[str], room: int, separator: str, more: Callable[[int], str]) -> str:
    """As many ``lines`` as fit ``room`` characters, in order (the first always), then ``more(how many are left)``."""
    shown: list[str] = []
    for n, line in enumerate(lines):
        left = len(lines) - n - 1
        reserve = len(separator) + len(more(left)) if left else 0
        if shown and len(separator.join([*shown, line])) + reserve > room:
            shown.append(more(len(lines) - n))
            break
        shown.append(line)
    return separator.join(shown)
