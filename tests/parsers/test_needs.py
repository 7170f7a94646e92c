"""Needs: the canonical list from everyday words; `air` is water only when asked for."""

from __future__ import annotations

import pytest

from gateway.parsers import Region, parse
from gateway.parsers.needs import NEED_PHRASES


@pytest.mark.parametrize(("phrase", "need"), sorted(NEED_PHRASES.items()))
def test_every_word_in_the_lexicon_names_its_need(kendal: Region, phrase: str, need: str) -> None:
    assert parse(f"lapor banjir sukodono 5 kk {phrase}", kendal).needs == (need,)


@pytest.mark.parametrize(
    ("tail", "needs"),
    [
        ("butuh makanan dan selimut", ("blankets", "food")),
        ("butuh beras, nasi bungkus", ("food",)),
        ("butuh air", ("water",)),
        ("perlu air bersih", ("water",)),
        ("butuh tikar selimut terpal", ("blankets", "mats", "tarpaulin")),
        ("butuh pakaian, obat obatan", ("clothing", "medicine")),
        ("butuh tenda perahu evakuasi", ("evacuation", "shelter")),
        ("butuh susu bayi dan popok", ("baby",)),
        ("butuh makanan bayi", ("baby",)),
        ("butuh family kit", ("hygiene",)),
        ("butuh dapur umum", ("kitchen",)),
        ("need food and clean water", ("food", "water")),
    ],
)
def test_it_reads_needs_sorted(kendal: Region, tail: str, needs: tuple[str, ...]) -> None:
    assert parse(f"lapor banjir sukodono 5 kk {tail}", kendal).needs == needs


@pytest.mark.parametrize("tail", ["air setinggi 1 meter", "rumah kemasukan air", "tinggi air 50 cm"])
def test_water_in_the_description_is_not_a_need(kendal: Region, tail: str) -> None:
    assert parse(f"lapor banjir sukodono 5 kk {tail}", kendal).needs == ()
