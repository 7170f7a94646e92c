"""Pickup codes: short, read aloud without look-alikes, with a check character that catches a typo.

Alphabet (19 characters, a prime number of them)::

    A C E F H K M N P R T W X Y 3 4 6 7 9

Left out, each whole look-alike group: 0/O/D/Q, 1/I/L/J, 2/Z, 5/S, 8/B, U/V, and G (looks like 6 and C).

Check character: with the characters' positions in the alphabet as values ``v1 .. vn`` and the check
character's value ``c``, the weighted sum ``1*v1 + 2*v2 + ... + n*vn + (n+1)*c`` is 0 modulo 19.
Because 19 is prime and every weight is one of 1..18 (so codes are at most 17 characters before the check),

- a single substituted character changes the sum by ``w*(a-b)``, a product of two numbers in 1..18: never 0
  modulo 19, so every single substitution is caught;
- two swapped characters (adjacent or not, the check character included) change it by ``(wi-wj)*(a-b)``,
  again never 0 modulo 19: every transposition is caught.

``tests/aid/test_codes.py`` checks both claims exhaustively.

Typos mapped on reading (``LOOK_ALIKES``): only ``G`` -> ``6``, the one character left out whose only
look-alike is in the alphabet. The other left-out characters map to nothing: each group (``O`` could be
0, D or Q) is left out whole, so ``O`` has no single meaning, and the code is reported as mistyped.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from typing import Literal

ALPHABET = "ACEFHKMNPRTWXY34679"
MODULUS = len(ALPHABET)  # 19, a prime: see the module docstring
CODE_LENGTH = 6  # random characters; 19**6 = 47 million codes, before the check character
MAX_LENGTH = MODULUS - 2  # the check character's weight (length + 1) must stay below the modulus
LOOK_ALIKES = {"G": "6"}
VALUES = {char: value for value, char in enumerate(ALPHABET)}
_CODE_IN_TEXT = re.compile(rf"\b[{ALPHABET}]{{3,}}-[{ALPHABET}]{{3,}}\b")  # as format_code writes one
_SEPARATORS = re.compile(r"[\s\-.#*,;:_/]+")

CodeProblem = Literal["ok", "length", "alphabet", "check"]


@dataclass(frozen=True)
class CodeCheck:
    """A code as read (normalised) and whether it is one the gateway could have issued."""

    code: str
    valid: bool
    problem: CodeProblem


def check_character(body: str) -> str:
    """Return the check character that completes ``body`` (characters of ``ALPHABET``)."""
    if not 1 <= len(body) <= MAX_LENGTH:
        raise ValueError(f"a pickup code has 1 to {MAX_LENGTH} characters before the check, got {len(body)}")
    total = sum(weight * VALUES[char] for weight, char in enumerate(body, start=1))
    weight = len(body) + 1
    # Solve total + weight*c = 0 (mod 19); pow(weight, -1, 19) is the inverse of the weight.
    return ALPHABET[(-total * pow(weight, -1, MODULUS)) % MODULUS]


GROUPED_FROM = 5  # codes this long and longer are printed in two groups
DIGITS = "".join(char for char in ALPHABET if char.isdigit())


def new_code(rng: random.Random | None = None, length: int = CODE_LENGTH) -> str:
    """Return ``length`` random characters and their check character, e.g. ``K7PX4W3``.

    Each printed group (see ``format_code``) holds a digit, so a code never reads as a word: an officer may type
    ``ambil k7p x4w3`` in lower case and in groups, and the SMS parser still knows it for a code.
    """
    chooser = rng if rng is not None else secrets.SystemRandom()
    body = [chooser.choice(ALPHABET) for _ in range(length)]
    half = (length + 1) // 2 if length + 1 > GROUPED_FROM else length  # where format_code splits the code
    for group in (range(0, half), range(half, length)):  # the check character is never needed to hold one
        if group and not any(body[i].isdigit() for i in group):
            body[chooser.choice(group)] = chooser.choice(DIGITS)
    text = "".join(body)
    return text + check_character(text)


def format_code(code: str) -> str:
    """Return a code grouped for reading aloud: ``K7P-X4W3``."""
    if len(code) < GROUPED_FROM:
        return code
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def mask_codes(text: str) -> str:
    """``text`` with every pickup code in it hidden (``***-****``): a code in a message log is a household's aid."""
    return _CODE_IN_TEXT.sub(lambda found: re.sub(r"[^-]", "*", found.group()), text)


def normalize_code(text: str) -> str:
    """Return ``text`` upper-cased, separators removed and unambiguous look-alikes mapped (``G`` -> ``6``)."""
    return "".join(LOOK_ALIKES.get(char, char) for char in _SEPARATORS.sub("", text.upper()))


def check_code(text: str, length: int = CODE_LENGTH) -> CodeCheck:
    """Read a code as typed (``k7p-x4w3``, ``K7PX4W3``) and say whether it could be one we issued."""
    code = normalize_code(text)
    if len(code) != length + 1:
        return CodeCheck(code, False, "length")
    if any(char not in VALUES for char in code):
        return CodeCheck(code, False, "alphabet")
    if check_character(code[:-1]) != code[-1]:
        return CodeCheck(code, False, "check")
    return CodeCheck(code, True, "ok")
