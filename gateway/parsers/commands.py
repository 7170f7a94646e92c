"""Commands: the keyword that opens a message, and the argument each command takes."""

from __future__ import annotations

import re
from typing import NamedTuple

from gateway.id_numbers import Part, check_nik, kk_faults, kk_or_nik_problem
from gateway.parsers.result import Intent, Language, ParseResult, Problem
from gateway.parsers.tokens import Tokens

# First word of a message → what it asks for and the language the keyword is in (None: both use it).
KEYWORDS: dict[str, tuple[Intent, Language | None]] = {
    "lapor": ("report", "id"),
    "lpr": ("report", "id"),
    "laporan": ("report", "id"),
    "lapur": ("report", "id"),
    "report": ("report", "en"),
    "ok": ("ack", None),
    "oke": ("ack", None),
    "okay": ("ack", "en"),
    "terima": ("ack", "id"),
    "siap": ("ack", "id"),
    "ack": ("ack", "en"),
    "selesai": ("resolve", "id"),
    "done": ("resolve", "en"),
    "tolak": ("reject", "id"),
    "reject": ("reject", "en"),
    "ambil": ("redeem", "id"),
    "tebus": ("redeem", "id"),
    "redeem": ("redeem", "en"),
    "korban": ("victim", "id"),
    "victim": ("victim", "en"),
    "victims": ("victim", "en"),
    "cek": ("status", "id"),
    "check": ("status", "en"),
    "status": ("status", None),
    "daftar": ("register", "id"),
    "register": ("register", "en"),
    "stop": ("stop", None),
    "berhenti": ("stop", "id"),
    "unreg": ("stop", None),
    "mulai": ("start", "id"),
    "start": ("start", "en"),
    "info": ("help", None),
    "help": ("help", "en"),
    "bantuan": ("help", "id"),
    "menu": ("help", None),
    "ya": ("confirm_link", "id"),
    "yes": ("confirm_link", "en"),
    "batal": ("cancel_link", "id"),
    "cancel": ("cancel_link", "en"),
    "bahasa": ("language", "id"),
    "language": ("language", "en"),
    "lang": ("language", "en"),
    "pantau": ("watch", "id"),
    "watch": ("watch", "en"),
    "unwatch": ("unwatch", "en"),
}
# `BERHENTI PANTAU <desa>` / `STOP WATCH <desa>`: a stop keyword before a watch keyword stops one desa's warnings.
WATCH_WORDS = frozenset(word for word, (intent, _) in KEYWORDS.items() if intent == "watch")

# `terima kasih` thanks someone; it acknowledges no alert.
COURTESIES: dict[str, frozenset[str]] = {"terima": frozenset({"kasih", "kasi", "ksh", "kasihh"})}

# A report keyword may come after a word or two: `tolong lapor banjir ...`.
REPORT_KEYWORD_REACH = 3

LANGUAGE_NAMES: dict[str, Language] = {
    "id": "id",
    "ind": "id",
    "indo": "id",
    "indonesia": "id",
    "indonesian": "id",
    "bahasa": "id",
    "en": "en",
    "eng": "en",
    "english": "en",
    "inggris": "en",
}

NIK_DIGITS = 16
MAX_REF_LENGTH = 12
MAX_CODE_LENGTH = 12
_REF_SEPARATORS = re.compile(r"[\s#*,.;:]+")
_CODE_SEPARATORS = re.compile(r"[\s#*,;:]+")
_DIGIT_RUN = re.compile(r"\d(?:[\d .\-]*\d)?")  # `3324 0155 0895 0001` is one number typed in groups
MIN_KK_DIGITS = 10  # a shorter number after the NIK is something else (`rt 3`), not a mistyped KK
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_NOT_DIGIT = re.compile(r"\D")
_DIGITS = re.compile(r"\d+")
_REF_LOOKAHEAD = 3  # `selesai no. 88`: the reference may follow a word or two
# The problem a NIK or KK with a wrong part gives, so that the reply can say which part to check.
NIK_PROBLEMS: dict[Part, Problem] = {"length": "invalid_nik", "region": "invalid_nik_region",
                                     "date": "invalid_nik_date", "serial": "invalid_nik_serial"}  # fmt: skip
KK_PROBLEMS: dict[Part, Problem] = {"length": "invalid_kk", "region": "invalid_kk_region",
                                    "date": "invalid_kk_date", "serial": "invalid_kk_serial"}  # fmt: skip
LINK_ANSWERS = ("confirm_link", "cancel_link")
_LINK_CODE = re.compile(r"\d{4}")


class Keyword(NamedTuple):
    """A command keyword found in a message: what it asks for, its language, and its token position."""

    intent: Intent
    language: Language | None
    position: int


def keyword_of(tokens: Tokens) -> Keyword | None:
    """Return the command a message opens with, a report keyword among its first words, or None."""
    words = tokens.words
    if not words:
        return None
    found = KEYWORDS.get(words[0])
    if found is not None:
        if len(words) > 1 and words[1] in COURTESIES.get(words[0], ()):
            return None
        if found[0] == "stop" and len(words) > 1 and words[1] in WATCH_WORDS:
            return Keyword("unwatch", found[1] or KEYWORDS[words[1]][1], 1)
        if found[0] in LINK_ANSWERS and not (len(words) > 1 and _LINK_CODE.fullmatch(words[1])):
            return None  # `ya ada banjir ...` is no answer to a link notice
        return Keyword(*found, 0)
    for index in range(1, min(REPORT_KEYWORD_REACH, len(words))):
        found = KEYWORDS.get(words[index])
        if found is not None and found[0] == "report":
            return Keyword(*found, index)
    return None


def read_command(intent: Intent, tokens: Tokens, detected: Language | None) -> ParseResult:
    """Read the argument of a command that is not a report."""
    rest = tokens.after(0)
    if intent in ("ack", "resolve", "reject"):
        ref = read_ref(rest)
        return ParseResult(intent, ref=ref, problem=None if ref else "missing_ref", detected_language=detected)
    if intent == "redeem":
        code = read_code(rest)
        return ParseResult(intent, code=code, problem=None if code else "missing_code", detected_language=detected)
    if intent == "register":
        return read_registration(rest, detected)
    if intent in LINK_ANSWERS:  # YA 4821 / BATAL 4821, from a household's phone, about a phone linked to it
        return ParseResult(intent, code=tokens.words[1], detected_language=detected)
    if intent == "victim":
        return read_victims(rest, detected)
    if intent == "language":
        language = LANGUAGE_NAMES.get(tokens.words[1]) if len(tokens.words) > 1 else None
        problem: Problem | None = None if language else "missing_language"
        return ParseResult(intent, language=language, problem=problem, detected_language=detected)
    return ParseResult(intent, detected_language=detected)


def read_ref(rest: str) -> str | None:
    """Return an incident reference (letters and digits, with at least one digit), upper-case."""
    for chunk in _REF_SEPARATORS.split(rest.strip())[:_REF_LOOKAHEAD]:
        ref = _NOT_ALNUM.sub("", chunk).upper()
        if ref and len(ref) <= MAX_REF_LENGTH and any(char.isdigit() for char in ref):
            return ref
    return None


def read_code(rest: str) -> str | None:
    """Return a pickup code with its separators removed (`7kq-4m2` → `7KQ4M2`), upper-case."""
    chunks = [_NOT_ALNUM.sub("", chunk) for chunk in _CODE_SEPARATORS.split(rest.strip())]
    chunks = [chunk for chunk in chunks if chunk]
    if not chunks:
        return None
    first = chunks[0]
    # A code has a digit or is typed in capitals: `AMBIL beras` names no code.
    if not (any(char.isdigit() for char in first) or (first.isupper() and len(first) >= 4)):
        return None
    code = first
    for chunk in chunks[1:]:  # `AMBIL 7KQ 4M2`: a code typed in groups
        if len(chunk) > 4 or not any(char.isdigit() for char in chunk) or len(code + chunk) > MAX_CODE_LENGTH:
            break
        code += chunk
    return code.upper()[:MAX_CODE_LENGTH]


def _split_at_kk_separator(rest: str) -> tuple[str, str | None]:
    """Split `<NIK>#<KK>` into the NIK part and the KK part (None when no `#` or `*` is typed)."""
    for separator in "#*":
        if separator in rest:
            nik_part, kk_part = rest.split(separator, 1)
            return nik_part, kk_part
    return rest, None


def read_registration(rest: str, detected: Language | None) -> ParseResult:
    """Read `DAFTAR <NIK>[#<KK>]`: two 16-digit numbers, each checked against its own structure.

    The problem names the first part found wrong, NIK before KK: its length, region, date or serial.
    """
    nik_part, kk_part = _split_at_kk_separator(rest.lstrip(" #*.,;:"))
    numbers = [_NOT_DIGIT.sub("", run) for run in _DIGIT_RUN.findall(nik_part)]
    if numbers and len(numbers[0]) == 2 * NIK_DIGITS:  # `DAFTAR <NIK> <KK>` with a space
        numbers[:1] = [numbers[0][:NIK_DIGITS], numbers[0][NIK_DIGITS:]]
    nik = numbers[0] if numbers and len(numbers[0]) == NIK_DIGITS else None
    if kk_part is not None:
        kk_run = _DIGIT_RUN.search(kk_part)
        kk_typed = _NOT_DIGIT.sub("", kk_run.group()) if kk_run else None
    else:
        kk_typed = next((number for number in numbers[1:] if len(number) >= MIN_KK_DIGITS), None)
    kk = kk_typed if kk_typed and len(kk_typed) == NIK_DIGITS else None
    nik_faults = check_nik(nik) if nik is not None else []
    nik_valid = nik is not None and not nik_faults
    problem: Problem | None = None
    if not nik_valid:
        problem = NIK_PROBLEMS[nik_faults[0].part] if nik_faults else "invalid_nik"
    elif kk_typed is not None:
        faults = kk_faults(kk_typed)
        problem = KK_PROBLEMS[faults[0].part] if faults else None
    return ParseResult("register", nik=nik, kk=kk, nik_valid=nik_valid, problem=problem, detected_language=detected)


def read_victims(rest: str, detected: Language | None) -> ParseResult:
    """Read `KORBAN <ref> <NIK or KK> ...`: an incident reference, then one or more 16-digit numbers.

    The reference comes first. When what follows it holds no 16-digit number, the first word was part of
    one (`KORBAN 3324 0155 0895 0001`: a NIK typed in groups, and no reference). A number that can be neither
    a KK nor a NIK (a typo) stays in ``ids`` and is listed in ``invalid_ids``, with the problem ``invalid_ids``.
    """
    text = rest.lstrip(" #*.,;:")
    parts = _REF_SEPARATORS.split(text, maxsplit=1)
    first, after = parts[0], parts[1] if len(parts) > 1 else ""
    ref = _ref_of(first)
    ids = _sixteen_digit_numbers(after) if ref is not None else []
    if not ids:
        ids = _sixteen_digit_numbers(text)
        ref = read_ref(text[: _first_id_at(text)]) if ids else ref
    unique = tuple(dict.fromkeys(ids))
    invalid = tuple(number for number in unique if kk_or_nik_problem(number) is not None)
    problem: Problem | None = None
    if ref is None:
        problem = "missing_ref"
    elif not ids:
        problem = "missing_ids"
    elif invalid:
        problem = "invalid_ids"
    return ParseResult("victim", ref=ref, ids=unique, invalid_ids=invalid, problem=problem, detected_language=detected)


def _ref_of(chunk: str) -> str | None:
    """Return ``chunk`` as an incident reference, or None when it cannot be one."""
    ref = _NOT_ALNUM.sub("", chunk).upper()
    return ref if ref and len(ref) <= MAX_REF_LENGTH and any(char.isdigit() for char in ref) else None


def _sixteen_digit_numbers(text: str) -> list[str]:
    """Return the 16-digit numbers in ``text``, each maybe typed in groups (`3324 0155 0895 0001`)."""
    return [number for number, _ in _numbers_with_starts(text)]


def _first_id_at(text: str) -> int:
    """Return where the first 16-digit number in ``text`` starts."""
    return next(start for _, start in _numbers_with_starts(text))


def _numbers_with_starts(text: str) -> list[tuple[str, int]]:
    """Return each 16-digit number in ``text`` with where it starts.

    Within a run of digit groups, the groups that add up to exactly 16 digits from some group on make one
    number; a group that would overshoot is something else (`1042 3324015508950001`: a reference first).
    A group of 32 or 48 digits is two or three numbers typed without a space.
    """
    found: list[tuple[str, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        groups = [(group.group(), run.start() + group.start()) for group in _DIGITS.finditer(run.group())]
        index = 0
        while index < len(groups):
            digits, start = groups[index]
            if len(digits) % NIK_DIGITS == 0:
                found.extend((digits[at : at + NIK_DIGITS], start + at) for at in range(0, len(digits), NIK_DIGITS))
                index += 1
                continue
            total, end = len(digits), index
            while total < NIK_DIGITS and end + 1 < len(groups):
                end += 1
                total += len(groups[end][0])
            if total == NIK_DIGITS:
                found.append(("".join(group for group, _ in groups[index : end + 1]), start))
                index = end + 1
            else:
                index += 1
    return found
