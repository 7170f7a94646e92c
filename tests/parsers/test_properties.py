"""Any text at all returns a result, without raising, in bounded time."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.parsers import CONTRACT_KEYS, ParseResult, Region, load_region, parse

KENDAL = load_region("33.24")
WORDS = st.sampled_from(
    [
        "lapor",
        "banjir",
        "longsor",
        "desa",
        "kec",
        "sukodono",
        "rejosari",
        "boja",
        "gebang",
        "25",
        "kk",
        "jiwa",
        "rumah",
        "1.500",
        "rt",
        "butuh",
        "air",
        "OK",
        "ambil",
        "daftar",
        "#",
        "*",
        ".",
        "3324015508950001",
        "terima",
        "kasih",
        "?",
    ]
)


def check(result: ParseResult) -> None:
    """Assert the result keeps the contract whatever it says."""
    contract = result.to_contract()
    assert tuple(contract) == CONTRACT_KEYS
    assert list(result.needs) == sorted(result.needs)
    assert result.village_code is None or not result.candidates
    if result.village_code is not None:
        assert result.district_code == KENDAL.district_of(result.village_code)


@settings(deadline=200, max_examples=300)
@given(st.text())
def test_any_unicode_text_returns_a_result(text: str) -> None:
    check(parse(text, KENDAL))


@settings(deadline=200, max_examples=300)
@given(st.lists(WORDS, max_size=40).map(" ".join))
def test_any_jumble_of_report_words_returns_a_result(text: str) -> None:
    check(parse(text, KENDAL))


@settings(deadline=200, max_examples=100)
@given(st.text(min_size=1, max_size=40), st.integers(min_value=100, max_value=5_000))
def test_long_text_returns_a_result_in_bounded_time(piece: str, times: int) -> None:
    check(parse(piece * times, KENDAL))


def test_a_megabyte_of_text_is_parsed_as_fast_as_an_sms() -> None:
    for text in ("lapor banjir sukodono 25 kk " * 40_000, "ﷺ" * 1_000_000, "9" * 1_000_000, "a" * 1_000_000):
        started = time.perf_counter()
        check(parse(text, KENDAL))
        assert time.perf_counter() - started < 0.05


def test_a_non_string_is_unreadable_not_an_error() -> None:
    region: Region = KENDAL
    assert parse(None, region).intent == "unknown"  # type: ignore[arg-type]
