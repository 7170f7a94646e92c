"""`KORBAN <ref> <NIK or KK> ...`: an officer names the affected households of an incident."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.parsers import CONTRACT_KEYS, Region, parse

NIK = "3324015508950001"
KK = "3324011203150007"


@pytest.mark.parametrize(
    ("text", "ref", "ids"),
    [
        (f"KORBAN 1042 {NIK}", "1042", (NIK,)),
        (f"korban 1042 {NIK} {KK}", "1042", (NIK, KK)),
        (f"KORBAN 1042#{NIK}#{KK}", "1042", (NIK, KK)),
        (f"KORBAN 1042, {NIK}, {KK}", "1042", (NIK, KK)),
        (f"KORBAN 1042.{NIK}.{KK}", "1042", (NIK, KK)),
        ("korban 1042 3324 0155 0895 0001", "1042", (NIK,)),
        ("KORBAN 1042 3324-0155-0895-0001", "1042", (NIK,)),
        ("KORBAN 1042 3324.0155.0895.0001", "1042", (NIK,)),
        (f"KORBAN 1042 {NIK}{KK}", "1042", (NIK, KK)),
        (f"korban k-77 {NIK}", "K77", (NIK,)),
        (f"KORBAN no 1042 nik {NIK} kk {KK}", "1042", (NIK, KK)),
        (f"KORBAN 1042 {NIK} {NIK}", "1042", (NIK,)),
        (f"VICTIM 1042 {NIK}", "1042", (NIK,)),
        (f"victims 1042 {NIK}", "1042", (NIK,)),
    ],
)
def test_it_reads_the_reference_and_every_number(kendal: Region, text: str, ref: str, ids: tuple[str, ...]) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.ref, result.ids, result.problem) == ("victim", ref, ids, None)


@pytest.mark.parametrize(
    ("text", "language"),
    [(f"KORBAN 1042 {NIK}", "id"), (f"VICTIM 1042 {NIK}", "en")],
)
def test_the_keyword_sets_the_reply_language(kendal: Region, text: str, language: str) -> None:
    assert parse(text, kendal).detected_language == language


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("KORBAN", ()),
        (f"KORBAN {NIK}", (NIK,)),
        ("KORBAN 3324 0155 0895 0001", (NIK,)),  # a NIK typed in groups is not a reference
        (f"KORBAN nik {NIK} {KK}", (NIK, KK)),
    ],
)
def test_it_says_when_the_reference_is_missing(kendal: Region, text: str, ids: tuple[str, ...]) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.ref, result.ids, result.problem) == ("victim", None, ids, "missing_ref")


@pytest.mark.parametrize(
    "text",
    ["KORBAN 1042", "korban 1042 332401550895000", "KORBAN 1042 33240155089500011", "KORBAN 1042 pak kades"],
)
def test_it_says_when_no_sixteen_digit_number_is_given(kendal: Region, text: str) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.ref, result.ids, result.problem) == ("victim", "1042", (), "missing_ids")


@pytest.mark.parametrize(
    ("text", "invalid"),
    [
        (f"KORBAN 1042 {NIK} 3324158888880001", ("3324158888880001",)),  # neither a KK's nor a NIK's date
        ("KORBAN 1042 9924011203150007", ("9924011203150007",)),  # no province 99
        (f"KORBAN 1042 3324010000000000 {KK}", ("3324010000000000",)),
    ],
)
def test_it_lists_the_numbers_that_can_be_neither_a_kk_nor_a_nik(
    kendal: Region, text: str, invalid: tuple[str, ...]
) -> None:
    result = parse(text, kendal)
    assert (result.ref, result.invalid_ids, result.problem) == ("1042", invalid, "invalid_ids")
    assert set(invalid) <= set(result.ids)  # still read, in order: the reply can name them


def test_a_kk_and_a_nik_both_pass(kendal: Region) -> None:
    result = parse(f"KORBAN 1042 {NIK} {KK}", kendal)
    assert (result.invalid_ids, result.problem) == ((), None)


def test_a_resident_reporting_victims_of_a_flood_still_sends_a_report(kendal: Region) -> None:
    result = parse("korban banjir sukodono 5 kk", kendal)
    assert (result.intent, result.hazard, result.village_code, result.households) == (
        "report",
        "flood",
        "33.24.15.1002",
        5,
    )


def test_the_contract_keeps_its_keys_and_carries_the_new_intent(kendal: Region) -> None:
    contract = parse(f"KORBAN 1042 {NIK}", kendal).to_contract()
    assert tuple(contract) == CONTRACT_KEYS
    assert (contract["intent"], contract["ref"], contract["code"]) == ("victim", "1042", None)


def test_other_commands_carry_no_numbers(kendal: Region) -> None:
    assert parse("OK 1042", kendal).ids == ()
    assert parse(f"DAFTAR {NIK}#{KK}", kendal).ids == ()


@given(st.lists(st.text(alphabet="0123456789", min_size=16, max_size=16), min_size=1, max_size=5), st.data())
def test_any_numbers_typed_with_any_separator_come_back_in_order(
    kendal: Region, ids: list[str], data: st.DataObject
) -> None:
    separator = data.draw(st.sampled_from([" ", "#", ", ", ".", " , ", "  "]))
    result = parse(f"KORBAN 1042 {separator.join(ids)}", kendal)
    assert result.ref == "1042"
    assert result.ids == tuple(dict.fromkeys(ids))


@given(st.text(max_size=300))
def test_any_text_after_the_keyword_reads_without_error(kendal: Region, text: str) -> None:
    result = parse(f"KORBAN {text}", kendal)
    assert all(len(number) == 16 and number.isdigit() for number in result.ids)
