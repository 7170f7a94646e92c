"""The sample extract: realistic enough to import, and the same file for the same seed."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from gateway.aid.kk import group_households, household_eligibility
from gateway.aid.registry import read_registry
from gateway.aid.sample import main, write_sample_registry


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "sample.csv"
    write_sample_registry(path, households=1000)
    return path


def test_a_sample_extract_reads_without_errors(sample: Path) -> None:
    with sample.open(encoding="utf-8", newline="") as extract:
        result = read_registry(extract, "33.24")
    assert result.errors == []
    assert result.warnings == []
    households = group_households(result.people)
    assert len(households) == 1000
    assert 3.3 <= len(result.people) / len(households) <= 4.5
    heads = [person for person in result.people if person.relation == "head"]
    assert len(heads) == 1000
    assert 0.6 <= sum(head.phone is not None for head in heads) / len(heads) <= 0.8
    statuses = Counter(person.status for person in result.people)
    assert statuses["deceased"] > 0 and statuses["moved"] > 0 and statuses["ineligible"] > 0
    assert len({person.village_code[:8] for person in result.people}) == 20  # every kecamatan of Kendal
    refused = [kk for kk, household in households.items() if not household_eligibility(
        person.status for person in result.people if person.kk == kk).eligible]  # fmt: skip
    assert refused  # some households the ledger must refuse


def test_reading_a_thousand_households_takes_well_under_the_import_budget(sample: Path) -> None:
    """100,000 rows must import in under a minute, the database included; reading is a small part of it."""
    start = time.perf_counter()
    with sample.open(encoding="utf-8", newline="") as extract:
        result = read_registry(extract, "33.24")
    elapsed = time.perf_counter() - start
    assert result.rows / elapsed > 5000  # rows per second; about 25,000 on a 2-core machine


def test_bad_rows_are_each_reported_and_the_rest_still_read(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    write_sample_registry(path, households=200, seed=5, bad_rows=30)
    with path.open(encoding="utf-8", newline="") as extract:
        result = read_registry(extract, "33.24")
    assert len(result.errors) == 30
    assert result.rows == len(result.people) + 30
    assert len(group_households(result.people)) == 200


def test_the_same_seed_writes_the_same_file(tmp_path: Path) -> None:
    write_sample_registry(tmp_path / "a.csv", households=50, seed=9)
    write_sample_registry(tmp_path / "b.csv", households=50, seed=9)
    write_sample_registry(tmp_path / "c.csv", households=50, seed=10)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_it_writes_an_extract_for_another_region(tmp_path: Path) -> None:
    path = tmp_path / "semarang.csv"
    write_sample_registry(path, households=30, region_code="3374")
    with path.open(encoding="utf-8", newline="") as extract:
        result = read_registry(extract, "33.74")
    assert result.errors == []
    assert all(person.village_code.startswith("33.74.") for person in result.people)


def test_it_writes_a_sample_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "cli.csv"
    main([str(path), "--households", "20", "--seed", "3", "--bad-rows", "2"])
    with path.open(encoding="utf-8", newline="") as extract:
        result = read_registry(extract, "33.24")
    assert len(group_households(result.people)) == 20
    assert len(result.errors) == 2
