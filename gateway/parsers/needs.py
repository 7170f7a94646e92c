"""Needs: the aid a report asks for, from the words residents use for it."""

from __future__ import annotations

from gateway.parsers.result import Need
from gateway.parsers.tokens import Tokens, word_set

# Words and phrases that name a need wherever they appear. A phrase wins over its words:
# `makanan bayi` is for babies, not general food.
NEED_PHRASES: dict[str, Need] = {
    # food
    "makanan": "food",
    "bahan makanan": "food",
    "beras": "food",
    "nasi": "food",
    "nasi bungkus": "food",
    "sembako": "food",
    "mie instan": "food",
    "mi instan": "food",
    "lauk": "food",
    "logistik makanan": "food",
    "food": "food",
    "rice": "food",
    "meals": "food",
    "panganan": "food",  # jv
    "sangu": "food",  # su
    # water
    "air bersih": "water",
    "air minum": "water",
    "air mineral": "water",
    "air putih": "water",
    "air galon": "water",
    "clean water": "water",
    "drinking water": "water",
    "water": "water",
    "banyu resik": "water",  # jv
    "cai bersih": "water",  # su
    # blankets
    "selimut": "blankets",
    "blanket": "blankets",
    "blankets": "blankets",
    "kemul": "blankets",  # jv
    # tarpaulin
    "terpal": "tarpaulin",
    "tarpaulin": "tarpaulin",
    "tarpaulins": "tarpaulin",
    "tarp": "tarpaulin",
    # mats
    "tikar": "mats",
    "alas tidur": "mats",
    "kasur": "mats",
    "karpet": "mats",
    "mats": "mats",
    "mat": "mats",
    "klasa": "mats",  # jv
    # clothing
    "pakaian": "clothing",
    "pakaian layak pakai": "clothing",
    "baju": "clothing",
    "sarung": "clothing",
    "clothes": "clothing",
    "clothing": "clothing",
    # medicine
    "obat": "medicine",
    "obatan": "medicine",
    "obat obatan": "medicine",
    "tenaga medis": "medicine",
    "medis": "medicine",
    "obat2an": "medicine",
    "medicine": "medicine",
    "medicines": "medicine",
    "medical": "medicine",
    # shelter
    "tenda": "shelter",
    "tenda darurat": "shelter",
    "huntara": "shelter",
    "tempat pengungsian": "shelter",
    "shelter": "shelter",
    "tent": "shelter",
    "tents": "shelter",
    # evacuation
    "evakuasi": "evacuation",
    "perahu": "evacuation",
    "perahu karet": "evacuation",
    "tim sar": "evacuation",
    "evacuation": "evacuation",
    "evacuate": "evacuation",
    "boat": "evacuation",
    "boats": "evacuation",
    # baby
    "susu bayi": "baby",
    "makanan bayi": "baby",
    "susu formula": "baby",
    "popok": "baby",
    "popok bayi": "baby",
    "pampers": "baby",
    "mpasi": "baby",
    "baby": "baby",
    "diapers": "baby",
    # hygiene
    "family kit": "hygiene",
    "hygiene kit": "hygiene",
    "kebersihan": "hygiene",
    "perlengkapan mandi": "hygiene",
    "sabun": "hygiene",
    "pembalut": "hygiene",
    "hygiene": "hygiene",
    "soap": "hygiene",
    # kitchen
    "dapur umum": "kitchen",
    "public kitchen": "kitchen",
    "kitchen": "kitchen",
}

# Words that name a need only after someone asks for something (`butuh air`), because elsewhere they
# describe the disaster (`air setinggi 1 meter`, `rumah kemasukan air`).
ASKED_WORDS: dict[str, Need] = {
    "air": "water",
    "banyu": "water",  # jv
    "cai": "water",  # su
    "makan": "food",
    "mie": "food",
    "bayi": "baby",
    "susu": "baby",
    "dapur": "kitchen",
    "sar": "evacuation",
    "dokter": "medicine",
}

# Words that start a request: `butuh`, `perlu`, `need` ...
ASKING = frozenset(
    {
        "butuh",
        "butuhkan",
        "membutuhkan",
        "dibutuhkan",
        "bth",
        "btuh",
        "perlu",
        "perlukan",
        "memerlukan",
        "diperlukan",
        "minta",
        "mohon",
        "kekurangan",
        "bantuan",
        "mbutuhke",  # jv
        "nyuwun",  # jv
        "peryogi",  # su
        "need",
        "needs",
        "needed",
        "require",
        "request",
    }
)

_PHRASES: dict[tuple[str, ...], Need] = {tuple(phrase.split()): need for phrase, need in NEED_PHRASES.items()}
_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _phrase in sorted(_PHRASES, key=lambda words: -len(words)):
    _BY_FIRST_WORD.setdefault(_phrase[0], []).append(_phrase)

ENGLISH_WORDS = word_set(
    """
    food rice meals clean drinking water blanket blankets tarpaulin tarpaulins tarp mats mat clothes
    clothing medicine medicines medical shelter tent tents evacuation evacuate boat boats baby diapers
    family kit hygiene soap public kitchen need needs needed require request
    """
)

NEED_WORDS: frozenset[str] = frozenset(word for phrase in _PHRASES for word in phrase) | frozenset(ASKED_WORDS)


def find_needs(tokens: Tokens) -> tuple[Need, ...]:
    """Take the need words among the unread tokens and return the needs, sorted."""
    found: set[Need] = set()
    words = tokens.words
    asked = False
    for index, word in enumerate(words):
        if tokens.taken[index]:
            continue
        if word in ASKING:
            asked = True
            tokens.taken[index] = True
            continue
        for phrase in _BY_FIRST_WORD.get(word, ()):
            stop = index + len(phrase)
            if tuple(words[index:stop]) == phrase and tokens.free(index, stop):
                tokens.take(index, stop)
                found.add(_PHRASES[phrase])
                break
        else:
            if asked and word in ASKED_WORDS:
                tokens.taken[index] = True
                found.add(ASKED_WORDS[word])
    return tuple(sorted(found))
