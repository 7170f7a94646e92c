"""Counts: households, people and houses; addresses, measures and identifiers are not counts."""

from __future__ import annotations

import pytest

from gateway.parsers import Region, parse


@pytest.mark.parametrize(
    ("tail", "households", "people", "houses"),
    [
        ("25 KK", 25, None, None),
        ("25kk", 25, None, None),
        ("25 keluarga", 25, None, None),
        ("25 kepala keluarga", 25, None, None),
        ("25 families", 25, None, None),
        ("25 households", 25, None, None),
        ("40 jiwa", None, 40, None),
        ("40 orang", None, 40, None),
        ("40 warga", None, 40, None),
        ("40 people", None, 40, None),
        ("3 rumah", None, None, 3),
        ("3 rmh", None, None, 3),
        ("3 unit", None, None, 3),
        ("3 unit rumah", None, None, 3),
        ("3 buah rumah", None, None, 3),
        ("3 houses", None, None, 3),
        ("3 omah", None, None, 3),
        ("3 imah", None, None, 3),
        ("1.500 jiwa", None, 1500, None),
        ("2,000 people", None, 2000, None),
        ("omah ambruk 2", None, None, 2),
        ("kk 25", 25, None, None),
        ("1 rumah 3 kk 12 jiwa", 3, 12, 1),
    ],
)
def test_it_reads_counts_with_their_units(
    kendal: Region, tail: str, households: int | None, people: int | None, houses: int | None
) -> None:
    result = parse(f"lapor banjir sukodono {tail}", kendal)
    assert (result.households, result.people, result.houses) == (households, people, houses)


@pytest.mark.parametrize(
    "tail",
    [
        "rt 02 rw 05",
        "RT 4 RW 1",
        "rt02/rw05",
        "air setinggi 1 meter",
        "tinggi air 1,5 m",
        "sudah 2 hari",
        "jam 3 pagi",
        "nik 3324015508950001",
        "hp 081234567890",
        "gempa 5 sr",
    ],
)
def test_addresses_measures_and_identifiers_are_not_counts(kendal: Region, tail: str) -> None:
    result = parse(f"lapor banjir sukodono {tail}", kendal)
    assert (result.households, result.people, result.houses) == (None, None, None)


def test_an_rw_number_right_before_a_count_stays_an_address(kendal: Region) -> None:
    result = parse("BANJIR KUTOHARJO RT 4 RW 1 50 JIWA", kendal)
    assert (result.households, result.people, result.houses) == (None, 50, None)


def test_the_first_count_of_a_kind_is_kept(kendal: Region) -> None:
    assert parse("lapor banjir sukodono 20 kk, tadi 25 kk", kendal).households == 20
