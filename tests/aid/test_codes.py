"""Pickup codes: no look-alikes, and a check character that catches every single typo and swap."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.aid.codes import (
    ALPHABET,
    CODE_LENGTH,
    LOOK_ALIKES,
    MAX_LENGTH,
    CodeCheck,
    check_character,
    check_code,
    format_code,
    new_code,
    normalize_code,
)
from gateway.parsers import load_region, parse

LOOK_ALIKE_GROUPS = ["0ODQ", "1ILJ", "2Z", "5S", "8B", "UV", "G6"]

codes = st.builds(new_code, st.randoms(use_true_random=False))


def substitutions(code: str) -> list[str]:
    """Every code that differs from ``code`` in exactly one character."""
    return [code[:i] + other + code[i + 1 :] for i in range(len(code)) for other in ALPHABET if other != code[i]]


def adjacent_swaps(code: str) -> list[str]:
    """Every code made by swapping two neighbouring, different characters of ``code``."""
    return [code[:i] + code[i + 1] + code[i] + code[i + 2 :] for i in range(len(code) - 1) if code[i] != code[i + 1]]


def all_swaps(code: str) -> list[str]:
    """Every code made by swapping any two different characters of ``code``."""
    out = []
    for i, j in itertools.combinations(range(len(code)), 2):
        if code[i] != code[j]:
            chars = list(code)
            chars[i], chars[j] = chars[j], chars[i]
            out.append("".join(chars))
    return out


def is_complete(code: str) -> bool:
    """Whether the last character of ``code`` is the check character of the rest."""
    return check_character(code[:-1]) == code[-1]


def test_the_alphabet_has_no_look_alikes() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET) == 19
    for group in LOOK_ALIKE_GROUPS:
        assert len(set(group) & set(ALPHABET)) <= 1, group


def test_only_a_look_alike_with_one_meaning_is_mapped() -> None:
    for typed, meant in LOOK_ALIKES.items():
        assert typed not in ALPHABET
        assert meant in ALPHABET
        group = next(group for group in LOOK_ALIKE_GROUPS if typed in group)
        assert set(group) & set(ALPHABET) == {meant}


def test_every_single_substitution_and_every_swap_of_every_short_code_is_caught() -> None:
    """Exhaustive over all 130,321 codes of three characters and a check character."""
    for body in itertools.product(ALPHABET, repeat=3):
        code = "".join(body)
        code += check_character(code)
        assert not any(is_complete(typo) for typo in substitutions(code)), code
        assert not any(is_complete(swap) for swap in all_swaps(code)), code


@pytest.mark.parametrize("position", range(CODE_LENGTH + 1))
def test_every_substitution_at_every_position_of_a_full_code_is_caught(position: int) -> None:
    """Exhaustive over every pair of characters at this position, on many different codes around them."""
    rng = random.Random(position)
    for right in ALPHABET:
        for _ in range(20):
            code = new_code(rng)
            if position < CODE_LENGTH:
                code = code[:position] + right + code[position + 1 : -1]
                code += check_character(code)
            for wrong in ALPHABET.replace(code[position], ""):
                assert not check_code(code[:position] + wrong + code[position + 1 :]).valid


@pytest.mark.parametrize("position", range(CODE_LENGTH))
def test_every_swap_of_neighbours_at_every_position_of_a_full_code_is_caught(position: int) -> None:
    """Exhaustive over every pair of different characters at this pair of positions."""
    rng = random.Random(position)
    seen: set[tuple[str, str]] = set()
    while len(seen) < 19 * 18:  # the check character is computed, so draw until every pair has appeared
        code = new_code(rng)
        if position < CODE_LENGTH - 1:
            first, second = rng.choice(ALPHABET), rng.choice(ALPHABET)
            code = code[:position] + first + second + code[position + 2 : -1]
            code += check_character(code)
        pair = (code[position], code[position + 1])
        if pair[0] == pair[1]:
            continue
        seen.add(pair)
        swapped = code[:position] + pair[1] + pair[0] + code[position + 2 :]
        assert check_code(swapped).problem == "check"


@given(codes)
def test_every_new_code_passes_its_check(code: str) -> None:
    assert len(code) == CODE_LENGTH + 1
    assert set(code) <= set(ALPHABET)
    assert check_code(code) == CodeCheck(code, True, "ok")


@given(codes, st.data())
def test_a_typo_in_a_new_code_fails_its_check(code: str, data: st.DataObject) -> None:
    typo = data.draw(st.sampled_from(substitutions(code) + adjacent_swaps(code)))
    assert check_code(typo) == CodeCheck(typo, False, "check")


@given(codes)
def test_a_code_reads_back_however_it_is_written(code: str) -> None:
    for written in (format_code(code), format_code(code).lower(), " ".join(code), f"{code[:3]}.{code[3:]}"):
        assert check_code(written).code == code
        assert check_code(written).valid


@given(st.integers(min_value=1, max_value=MAX_LENGTH), st.randoms(use_true_random=False))
def test_codes_of_any_allowed_length_pass_their_check(length: int, rng: random.Random) -> None:
    code = new_code(rng, length=length)
    assert check_code(code, length=length).valid


@pytest.mark.parametrize("length", [0, MAX_LENGTH + 1])
def test_a_code_length_the_check_cannot_protect_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="pickup code"):
        new_code(length=length)


def test_the_system_random_source_is_the_default() -> None:
    assert len({new_code() for _ in range(50)}) == 50


def test_a_seeded_source_gives_repeatable_codes() -> None:
    assert new_code(random.Random(7)) == new_code(random.Random(7))


@pytest.mark.parametrize(
    ("code", "shown"),
    [("K7PX4W3", "K7P-X4W3"), ("ACEF", "ACEF"), ("ACEFH", "AC-EFH"), ("ACEFHKMNPR", "ACEFH-KMNPR")],
)
def test_it_groups_a_code_for_reading_aloud(code: str, shown: str) -> None:
    assert format_code(code) == shown


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("k7p-x4w3", "K7PX4W3"),
        (" K7P X4W3 ", "K7PX4W3"),
        ("K7P.X4W3", "K7PX4W3"),
        ("k7p_x4w3", "K7PX4W3"),
        ("K7PX4W3", "K7PX4W3"),
        ("KGPX4W3", "K6PX4W3"),  # G can only have been the 6
        ("K0PX4W3", "K0PX4W3"),  # 0 could be O, D or Q: nothing to map it to
    ],
)
def test_it_normalizes_a_code_as_typed(text: str, normal: str) -> None:
    assert normalize_code(text) == normal


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "length"),
        ("K7PX4W", "length"),
        ("K7PX4W3A", "length"),
        ("K0PX4W3", "alphabet"),
        ("KSPX4W3", "alphabet"),
    ],
)
def test_it_names_what_is_wrong_with_a_code(text: str, problem: str) -> None:
    checked = check_code(text)
    assert (checked.valid, checked.problem) == (False, problem)


def test_a_look_alike_typed_for_a_six_still_redeems() -> None:
    code = next(c for c in (new_code(random.Random(seed)) for seed in range(1000)) if "6" in c[:-1])
    assert check_code(code.replace("6", "G")).valid


def test_it_accepts_the_code_the_parser_reads_from_an_ambil_message() -> None:
    code = new_code(random.Random(3))
    result = parse(f"ambil {format_code(code).lower()}", load_region("33.24"))
    assert result.code is not None
    assert check_code(result.code) == CodeCheck(code, True, "ok")


def test_every_printed_group_of_a_new_code_holds_a_digit_so_the_parser_reads_it_in_any_case() -> None:
    from gateway.parsers import load_region, parse

    region = load_region("33.24")
    rng = random.Random(5)
    for _ in range(2000):
        code = new_code(rng)
        first, second = format_code(code).split("-")
        assert any(c.isdigit() for c in first) and any(c.isdigit() for c in second), code
        for typed in (code, code.lower(), f"{first.lower()} {second.lower()}", format_code(code)):
            assert parse(f"ambil {typed}", region).code == code, typed
