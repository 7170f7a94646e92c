"""Aid programs: the shipped Kendal file, amounts as people read them, and every mistake named by line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gateway.aid.programs import (
    CATEGORIES,
    DEFAULT_PICKUP_DAYS,
    ITEM_MAX_SEPTETS,
    Program,
    ProgramsError,
    format_quantity,
    load_programs,
)
from gateway.sms.text import encoding_of

AGENCIES = ("BPBD", "DINSOS", "BAZNAS", "PMI", "TAGANA", "RELAWAN")
GOOD = """\
- code: SEMBAKO
  agency: DINSOS
  category: food
  name:
    id: Paket sembako
    en: Basic food package
  item:
    id: paket sembako
    en: food package
  unit:
    id: paket
    en: pack
  quantity_per_household: 1
"""


def load_text(tmp_path: Path, text: str) -> list[Program]:
    """Load a programs file with this text, against the Kendal agencies."""
    path = tmp_path / "programs.yaml"
    path.write_text(text, encoding="utf-8")
    return list(load_programs(path, known_agencies=AGENCIES))


def problems_of(tmp_path: Path, text: str) -> list[str]:
    """The problems a programs file with this text has, without the file name."""
    with pytest.raises(ProgramsError) as caught:
        load_text(tmp_path, text)
    return [problem.split(".yaml:", 1)[1] for problem in caught.value.problems]


def test_the_shipped_programs_load_against_the_shipped_agencies() -> None:
    programs = load_programs()
    assert [(p.code, p.agency, p.category, p.amount("id"), p.pickup_days) for p in programs] == [
        ("LOGISTIK", "BPBD", "food", "10 kg", 3),
        ("SEMBAKO", "DINSOS", "food", "1 paket", 3),
        ("TERPAL", "BPBD", "non_food", "2 lembar", 3),
        ("NFI", "DINSOS", "non_food", "1 paket", 3),
        ("HUNTARA", "BPBD", "shelter", "1 unit", 7),
        ("RUMAH", "BAZNAS", "housing", "Rp 5.000.000", 14),
        ("SANTUNAN", "BAZNAS", "cash", "Rp 1.000.000", 7),
        ("HIGIENE", "PMI", "health", "1 paket", 3),
    ]


def test_the_shipped_food_programs_of_two_agencies_exclude_each_other() -> None:
    programs = load_programs()
    assert [program.code for program in programs.in_category("food")] == ["LOGISTIK", "SEMBAKO"]
    assert {program.category for program in programs} == set(CATEGORIES)


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_shipped_item_and_amount_fits_a_pickup_sms(language: str) -> None:
    for program in load_programs():
        assert encoding_of(program.item(language) + program.amount(language)) == "GSM-7"
        assert len(program.item(language)) <= ITEM_MAX_SEPTETS


def test_the_programs_come_by_code_in_file_order() -> None:
    programs = load_programs()
    assert list(programs.by_code) == [program.code for program in programs]
    assert len(programs) == 8
    assert programs.by_code["LOGISTIK"].item("en") == "rice"
    assert programs.by_code["LOGISTIK"].name("id") == "Bantuan logistik beras"
    assert programs.by_code["LOGISTIK"].unit("en") == "kg"


@pytest.mark.parametrize(
    ("quantity", "unit", "language", "amount"),
    [
        ("1", "paket", "id", "1 paket"),
        ("10", "kg", "id", "10 kg"),
        ("2.5", "kg", "id", "2,5 kg"),
        ("2.5", "kg", "en", "2.5 kg"),
        ("2.50", "kg", "en", "2.5 kg"),
        ("1500", "lembar", "id", "1.500 lembar"),
        ("5000000", "Rp", "id", "Rp 5.000.000"),
        ("5000000", "Rp", "en", "Rp 5,000,000"),
        ("5E+6", "Rp", "id", "Rp 5.000.000"),
        ("750000.5", "IDR", "en", "IDR 750,000.5"),
    ],
)
def test_an_amount_reads_as_people_write_it(quantity: str, unit: str, language: str, amount: str) -> None:
    program = Program("X", "BPBD", "food", "x", "x", "beras", "rice", unit, unit, Decimal(quantity))
    assert program.amount(language) == amount


def test_a_quantity_keeps_its_decimals_and_drops_trailing_zeros() -> None:
    assert format_quantity(Decimal("10.000"), "id") == "10"
    assert format_quantity(Decimal("0.25"), "id") == "0,25"


def test_a_program_without_pickup_days_gets_the_default(tmp_path: Path) -> None:
    (program,) = load_text(tmp_path, GOOD)
    assert program.pickup_days == DEFAULT_PICKUP_DAYS == 3
    assert program.quantity == Decimal(1)


def test_a_large_quantity_may_be_written_with_underscores(tmp_path: Path) -> None:
    (program,) = load_text(tmp_path, GOOD.replace("quantity_per_household: 1", "quantity_per_household: 5_000_000"))
    assert program.quantity == Decimal(5000000)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("agency: DINSOS", "agency: DINSOSS",
         "2: unknown agency 'DINSOSS' in program SEMBAKO (did you mean agency 'DINSOS'?); "
         "the agencies file lists: BPBD, DINSOS, BAZNAS, PMI, TAGANA, RELAWAN"),
        ("category: food", "category: pangan",
         "3: unknown category 'pangan' in program SEMBAKO; use one of: food, non_food, shelter, housing, cash, health"),
        ("category: food", "category: non-food",
         "3: unknown category 'non-food' in program SEMBAKO (did you mean category 'non_food'?); "
         "use one of: food, non_food, shelter, housing, cash, health"),
        ("quantity_per_household: 1", "quantity_per_household: 0",
         "13: quantity_per_household of program SEMBAKO must be more than 0, got 0"),
        ("quantity_per_household: 1", "quantity_per_household: -2",
         "13: quantity_per_household of program SEMBAKO must be a number above 0 like 10, 2.5 or 5000000 "
         "(no thousands dots), got '-2'"),
        ("quantity_per_household: 1", "quantity_per_household: 5.000.000",
         "13: quantity_per_household of program SEMBAKO must be a number above 0 like 10, 2.5 or 5000000 "
         "(no thousands dots), got '5.000.000'"),
        ("    en: food package\n", "",
         "8: the item of program SEMBAKO is missing 'en'"),
        ("    id: paket sembako", "    id: paket sembako “spesial”",
         "8: the item of program SEMBAKO (id) 'paket sembako “spesial”' has characters outside the SMS (GSM-7) "
         "alphabet: “ ”"),
        ("    id: paket sembako", "    id: paket sembako lengkap untuk keluarga",
         "8: the item of program SEMBAKO (id) 'paket sembako lengkap untuk keluarga' is 36 characters long; "
         "at most 30 fit in a pickup SMS"),
        ("    id: paket\n", "    id: paket besar sekali\n",
         "11: the unit of program SEMBAKO (id) 'paket besar sekali' is 18 characters long; "
         "at most 12 fit in a pickup SMS"),
        ("quantity_per_household: 1", "quantity_per_household: 1\n  pickup_day: 3",
         "14: unknown key 'pickup_day' in a program (did you mean key 'pickup_days'?)"),
        ("quantity_per_household: 1", "quantity_per_household: 1\n  pickup_days: 0",
         "14: pickup_days of program SEMBAKO must be more than 0, got 0"),
        ("quantity_per_household: 1", "quantity_per_household: 1\n  pickup_days: soon",
         "14: pickup_days of program SEMBAKO must be a whole number, got 'soon'"),
        ("code: SEMBAKO", "code: sembako",
         "1: program code 'sembako' must be capital letters, digits or '_', like SEMBAKO"),
        ("  agency: DINSOS\n", "", "1: a program is missing 'agency'"),
        ("  name:\n    id: Paket sembako\n    en: Basic food package\n", "  name: Paket sembako\n",
         "4: the name of program SEMBAKO must be a set of 'key: value' lines"),
    ],
)  # fmt: skip
def test_each_mistake_is_named_with_its_line(tmp_path: Path, old: str, new: str, problem: str) -> None:
    assert old in GOOD
    assert problems_of(tmp_path, GOOD.replace(old, new)) == [problem]


def test_a_repeated_code_names_the_line_of_the_first(tmp_path: Path) -> None:
    assert problems_of(tmp_path, GOOD + GOOD) == ["14: duplicate program code 'SEMBAKO' (first given at line 1)"]


def test_every_problem_is_collected_into_one_error(tmp_path: Path) -> None:
    text = GOOD.replace("agency: DINSOS", "agency: DINAS") + GOOD.replace("category: food", "category: makanan")
    with pytest.raises(ProgramsError) as caught:
        load_text(tmp_path, text)
    assert len(caught.value.problems) == 3  # the unknown agency, the repeated code, the unknown category
    assert str(caught.value).startswith("3 problems in the aid programs file:\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", ": the file is empty"),
        ("programs:\n  - code: X\n", ":1: the programs file must be a list of programs, each starting with '- code:'"),
        ("- code: [\n", ":2: not valid YAML: "),
    ],
)
def test_a_file_that_is_no_list_of_programs_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ProgramsError) as caught:
        load_text(tmp_path, text)
    assert str(caught.value).startswith(f"{tmp_path / 'programs.yaml'}{problem}")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProgramsError, match="cannot read the file"):
        load_programs(tmp_path / "nowhere.yaml", known_agencies=AGENCIES)


def test_the_agencies_a_district_lists_are_the_ones_accepted(tmp_path: Path) -> None:
    path = tmp_path / "programs.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ProgramsError, match="unknown agency 'DINSOS'"):
        load_programs(path, known_agencies=["BPBD"])
