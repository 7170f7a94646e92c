"""Every labelled example of the project's corpus (tests/data/) parses to its label."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.parsers import CONTRACT_KEYS, Region, parse

DATA = Path(__file__).resolve().parents[1] / "data"
CONTRACT = DATA / "sms_examples.jsonl"
EXTRA = DATA / "sms_examples_extra.jsonl"


def examples(path: Path) -> list[Any]:
    """Return the examples of a JSON-lines file as pytest params named by their text."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [pytest.param(line["text"], line["expect"], id=line["text"][:60] or "<empty>") for line in lines]


@pytest.mark.parametrize(("text", "expect"), examples(CONTRACT))
def test_it_reads_every_contract_example(kendal: Region, text: str, expect: dict[str, Any]) -> None:
    got = parse(text, kendal).to_contract()
    assert {key: got[key] for key in expect} == expect


@pytest.mark.parametrize(("text", "expect"), examples(EXTRA))
def test_it_reads_every_extra_example(kendal: Region, text: str, expect: dict[str, Any]) -> None:
    result = parse(text, kendal)
    got = {**result.to_contract(), "problem": result.problem, "place_text": result.place_text}
    assert {key: got[key] for key in expect} == expect


def test_the_contract_corpus_is_all_there() -> None:
    assert len(examples(CONTRACT)) >= 71


def test_the_contract_has_exactly_its_keys_in_order(kendal: Region) -> None:
    assert tuple(parse("LAPOR BANJIR SUKODONO 25 KK", kendal).to_contract()) == CONTRACT_KEYS
    assert CONTRACT_KEYS == (
        "intent",
        "hazard",
        "village_code",
        "district_code",
        "candidates",
        "households",
        "people",
        "houses",
        "needs",
        "ref",
        "code",
    )


def test_the_contract_is_json(kendal: Region) -> None:
    contract = parse("lapor banjir rejosari 20 kk butuh selimut", kendal).to_contract()
    assert json.loads(json.dumps(contract)) == contract
    assert contract["candidates"] == ["33.24.09.2008", "33.24.17.2014", "33.24.19.2005"]
    assert contract["needs"] == ["blankets"]
