"""Counts written in words (Indonesian and Javanese), and place names the region data spells two ways."""

from __future__ import annotations

import pytest

from gateway.parsers import Region, load_region, parse
from gateway.parsers.number_words import read_number


@pytest.mark.parametrize(
    ("text", "value", "words"),
    [
        ("satu", 1, 1), ("sembilan", 9, 1), ("sepuluh", 10, 1), ("sebelas", 11, 1), ("lima belas", 15, 2),
        ("dua puluh", 20, 2), ("dua puluh lima", 25, 3), ("seratus", 100, 1), ("seratus dua puluh", 120, 3),
        ("dua ratus lima puluh tiga", 253, 5), ("seribu", 1000, 1), ("dua ribu tiga ratus", 2300, 4),
        ("sepuluh ribu", 10_000, 2), ("2 ratus", 200, 2), ("3 ribu", 3000, 2), ("siji", 1, 1), ("loro", 2, 1),
        ("telu", 3, 1), ("papat", 4, 1), ("limo", 5, 1), ("enem", 6, 1), ("pitu", 7, 1), ("wolu", 8, 1),
        ("songo", 9, 1), ("selawe", 25, 1), ("seket", 50, 1),
        ("dua tiga", 2, 1),  # two numbers: the first ends where the second begins
        ("lima kk", 5, 1),
    ],
)  # fmt: skip
def test_it_reads_a_number_in_words(text: str, value: int, words: int) -> None:
    assert read_number(text.split(), 0) == (value, words)


@pytest.mark.parametrize("text", ["puluh", "belas lima", "ratus", "25", "25 kk", "kk"])
def test_a_multiplier_or_a_plain_number_alone_is_not_a_number_in_words(text: str) -> None:
    assert read_number(text.split(), 0) is None


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("LAPOR BANJIR SUKODONO dua puluh lima KK", "households", 25),
        ("lapor banjir sukodono lima belas kk", "households", 15),
        ("banjir sukodono seratus jiwa", "people", 100),
        ("banjir sukodono 2 ratus jiwa", "people", 200),
        ("longsor curugsewu tiga rumah rusak", "houses", 3),
        ("banjir sukodono loro omah", "houses", 2),
        ("banjir sukodono seket wong", "people", 50),
    ],
)
def test_a_report_reads_its_count_in_words(kendal: Region, text: str, field: str, value: int) -> None:
    result = parse(text, kendal)
    assert (result.village_code, getattr(result, field)) == ("33.24.15.1002" if "sukodono" in text.lower() else
                                                             "33.24.04.2007", value)  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["banjir sukodono rt dua", "banjir sukodono tiga hari", "banjir sukodono dua", "banjir sukodono jam lima"],
)
def test_number_words_without_a_unit_are_not_counts(kendal: Region, text: str) -> None:
    result = parse(text, kendal)
    assert (result.village_code, result.households, result.people, result.houses) == ("33.24.15.1002", None,
                                                                                      None, None)  # fmt: skip


@pytest.fixture(scope="module")
def balangan() -> Region:
    return load_region("63.11")


@pytest.fixture(scope="module")
def natuna() -> Region:
    return load_region("21.03")


@pytest.mark.parametrize("text", ["banjir paringin kota 5 kk", "BANJIR PARINGIN KOTA 5 KK", "banjir paringinkota"])
def test_a_kelurahan_named_kota_is_found_in_any_case(balangan: Region, text: str) -> None:
    assert parse(text, balangan).village_code == "63.11.06.1023"  # Paringin Kota


def test_kota_before_a_name_is_still_a_prefix(kendal: Region) -> None:
    assert parse("banjir kota kendal sukodono", kendal).village_code == "33.24.15.1002"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("banjir ranai kota 3 kk", "21.03.07.1011"),  # Ranai Kota
        ("banjir setengar 5 kk", "21.03.18.2002"),  # Cemaga Selatan (Setengar)
        ("banjir singgang bulan", "21.03.18.2003"),  # Cemaga Utara (Singgang Bulan)
        ("banjir cemaga utara", "21.03.18.2003"),
        ("banjir desa kampung hilir", "21.03.06.2002"),
    ],
)
def test_local_names_in_parentheses_and_names_with_common_words_are_found(natuna: Region, text: str, code: str) -> None:
    assert parse(text, natuna).village_code == code
