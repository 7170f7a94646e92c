"""Places: exact, spaced or not, prefixed, misspelt; near neighbours kept apart; never a guess."""

from __future__ import annotations

import pytest

from gateway.parsers import Region, parse


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Gebang", "33.24.11.2005"),
        ("Gebangan", "33.24.02.2009"),
        ("Gebanganom", "33.24.16.2014"),
        ("Gebanganomwetan", "33.24.17.2004"),
        ("Gebanganom Wetan", "33.24.17.2004"),
        ("Sendang Dawung", "33.24.17.2008"),
        ("Sendangdawung", "33.24.17.2008"),
        ("Sendangdawuhan", "33.24.16.2011"),
        ("Sendang Dawuhan", "33.24.16.2011"),
        ("Pakis", "33.24.06.2004"),
        ("Pakisan", "33.24.04.2001"),
        ("Kalipakis", "33.24.03.2011"),
        ("Krajankulon", "33.24.08.2012"),
        ("Ngampel Kulon", "33.24.19.2009"),
        ("Ngampel Wetan", "33.24.19.2010"),
    ],
)
def test_it_keeps_near_neighbours_apart(kendal: Region, name: str, code: str) -> None:
    for text in (f"lapor banjir {name} 3 kk", f"LAPOR BANJIR DESA {name.upper()} 3 KK"):
        result = parse(text, kendal)
        assert (result.village_code, result.candidates) == (code, ()), text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("lapor banjir jerukgiling", "33.24.20.2001"),
        ("lapor banjir Jeruk Giling", "33.24.20.2001"),
        ("lapor banjir jeruk-giling", "33.24.20.2001"),
        ("lapor banjir bojong gede", "33.24.19.2007"),
        ("lapor banjir Kartikajaya", "33.24.14.2018"),
        ("lapor banjir ds. sukodono", "33.24.15.1002"),
        ("lapor banjir desa: sukodono", "33.24.15.1002"),
        ("lapor banjir kel.sukodono", "33.24.15.1002"),
        ("lapor banjir kelurahan sukodono", "33.24.15.1002"),
    ],
)
def test_it_reads_names_with_and_without_spaces_and_prefixes(kendal: Region, text: str, code: str) -> None:
    assert parse(text, kendal).village_code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("lapor banjir metesih", "33.24.07.2017"),  # Meteseh
        ("lapor banjir kalibuntu wtn", "33.24.15.1007"),  # Kalibuntu Wetan
        ("lapor banjir sukodonno", "33.24.15.1002"),
        ("lapor banjir tjepiring", "33.24.13.2004"),  # old spelling of Cepiring
        ("lapor banjir krompan", "33.24.11.2006"),  # Krompaan, one `a`
        ("lapor banjir curugsew", "33.24.04.2007"),
    ],
)
def test_it_reads_misspelt_and_old_spellings(kendal: Region, text: str, code: str) -> None:
    result = parse(text, kendal)
    assert (result.village_code, result.problem) == (code, None)


def test_a_typo_as_near_to_two_names_lists_both(kendal: Region) -> None:
    result = parse("lapor banjir Gebangn 3 kk", kendal)  # Gebang or Gebangan?
    assert result.village_code is None
    assert result.candidates == ("33.24.02.2009", "33.24.11.2005")
    assert result.problem == "ambiguous_place"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("lapor banjir rejosari brangsong", "33.24.09.2008"),
        ("lapor banjir rejosari kec kangkung", "33.24.17.2014"),
        ("lapor banjir rejosari, ngampel", "33.24.19.2005"),
        ("lapor banjir karangsari rowosari", "33.24.16.2004"),
        ("lapor banjir karangsari kendal", "33.24.15.1017"),
        ("lapor banjir pucangrejo gemuh", "33.24.11.2012"),
        ("lapor banjir pucangrejo kecamatan pegandon", "33.24.10.2007"),
    ],
)
def test_a_kecamatan_named_in_the_text_picks_between_same_named_desa(kendal: Region, text: str, code: str) -> None:
    result = parse(text, kendal)
    assert (result.village_code, result.candidates, result.problem) == (code, (), None)


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("lapor banjir rejosari", ("33.24.09.2008", "33.24.17.2014", "33.24.19.2005")),
        ("lapor banjir karangsari", ("33.24.15.1017", "33.24.16.2004")),
        ("lapor banjir rejosari kendal", ("33.24.09.2008", "33.24.17.2014", "33.24.19.2005")),
        ("lapor banjir peron", ("33.24.03.2008", "33.24.06.2002")),
    ],
)
def test_it_never_guesses_between_same_named_desa(kendal: Region, text: str, candidates: tuple[str, ...]) -> None:
    result = parse(text, kendal)
    assert (result.village_code, result.candidates, result.problem) == (None, candidates, "ambiguous_place")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("lapor banjir boja", "33.24.07.2015"),
        ("lapor banjir rowosari", "33.24.16.2008"),
        ("lapor banjir desa boja kec boja", "33.24.07.2015"),
        ("lapor banjir medono boja", "33.24.07.2001"),
        ("lapor banjir boja medono", "33.24.07.2001"),
        ("lapor banjir sidomukti weleri kendal", "33.24.12.2001"),
        ("lapor banjir darupono kaliwungu selatan", "33.24.20.2003"),
        ("lapor banjir sumberejo kaliwungu", "33.24.08.2003"),
    ],
)
def test_a_desa_named_like_its_kecamatan_is_the_desa_unless_another_desa_is_named(
    kendal: Region, text: str, code: str
) -> None:
    assert parse(text, kendal).village_code == code


def test_a_kecamatan_alone_gives_the_kecamatan_and_asks_for_the_desa(kendal: Region) -> None:
    result = parse("lapor banjir kecamatan cepiring 10 kk", kendal)
    assert (result.village_code, result.district_code, result.problem) == (None, "33.24.13", "no_place")
    assert result.place_text == "cepiring"


@pytest.mark.parametrize(
    ("text", "place_text"),
    [
        ("lapor banjir desa Sukamundur 10 kk", "Sukamundur"),
        ("lapor banjir krajan 10 kk", "krajan"),
        ("LAPOR BANJIR DS XYZABC", "XYZABC"),
    ],
)
def test_it_quotes_a_place_it_cannot_find(kendal: Region, text: str, place_text: str) -> None:
    result = parse(text, kendal)
    assert (result.village_code, result.candidates, result.problem) == (None, (), "unknown_place")
    assert result.place_text == place_text


@pytest.mark.parametrize("text", ["LAPOR BANJIR 10 KK", "lapor banjir parah sekali, 10 kk mengungsi", "banjir!!!"])
def test_it_says_when_no_place_is_named(kendal: Region, text: str) -> None:
    result = parse(text, kendal)
    assert (result.village_code, result.problem, result.place_text) == (None, "no_place", None)


def test_a_hamlet_is_not_taken_for_a_desa(kendal: Region) -> None:
    result = parse("longsor di dusun krajan desa Kaliputih", kendal)
    assert result.village_code == "33.24.05.2003"


def test_the_kabupaten_name_is_not_a_kecamatan(kendal: Region) -> None:
    result = parse("lapor banjir kab kendal", kendal)
    assert (result.village_code, result.district_code, result.problem) == (None, None, "no_place")


class TestOtherRegions:
    """The parser serves any kabupaten or kota, with its own names and clashes."""

    def test_bogor_reads_its_desa_named_like_its_kecamatan(self, bogor: Region) -> None:
        result = parse("lapor banjir bojonggede 5 kk", bogor)
        assert (result.village_code, result.district_code) == ("32.01.13.2009", "32.01.13")

    def test_bogor_reads_its_kecamatan_after_kec(self, bogor: Region) -> None:
        result = parse("lapor banjir kec bojong gede 5 kk", bogor)
        assert (result.village_code, result.district_code) == (None, "32.01.13")

    def test_bogor_keeps_sukaraja_and_sukarasa_apart(self, bogor: Region) -> None:
        assert parse("lapor banjir sukaraja", bogor).village_code == "32.01.04.2007"
        assert parse("lapor banjir sukarasa", bogor).village_code == "32.01.36.2007"
        between = parse("lapor banjir sukaraka", bogor)
        assert between.village_code is None
        assert {"32.01.04.2007", "32.01.36.2007"} <= set(between.candidates)

    def test_a_desa_named_like_a_hazard_word_is_read_as_the_hazard_unless_it_is_a_place(self, bogor: Region) -> None:
        hazard_only = parse("urug 3 imah", bogor)
        assert (hazard_only.hazard, hazard_only.village_code) == ("landslide", None)
        after_desa = parse("lapor longsor desa urug 3 rumah", bogor)
        assert (after_desa.hazard, after_desa.village_code) == ("landslide", "32.01.35.2010")
        after_hazard = parse("lapor longsor urug 3 rumah", bogor)
        assert (after_hazard.hazard, after_hazard.village_code) == ("landslide", "32.01.35.2010")

    def test_a_desa_named_like_an_everyday_word_needs_desa_before_it(self, bogor: Region) -> None:
        assert parse("lapor banjir desa tengah 3 kk", bogor).village_code == "32.01.01.1008"
        assert parse("banjir di tengah sawah 3 kk", bogor).village_code is None

    def test_batu_bara_tells_drinking_water_from_its_kecamatan_air_putih(self, batu_bara: Region) -> None:
        needs_water = parse("lapor banjir kec lima puluh butuh air putih", batu_bara)
        assert (needs_water.district_code, needs_water.needs) == ("12.19.04", ("water",))
        the_kecamatan = parse("lapor banjir kec air putih", batu_bara)
        assert (the_kecamatan.district_code, the_kecamatan.needs) == ("12.19.03", ())

    def test_a_kota_of_kelurahan_works_the_same(self, semarang: Region) -> None:
        twins = parse("lapor banjir mangunharjo 10 kk", semarang)
        assert twins.village_code is None
        assert len(twins.candidates) == 2
        picked = parse("lapor banjir mangunharjo tugu 10 kk", semarang)
        assert picked.village_code == "33.74.16.1007"
        assert parse("lapor banjir kota semarang", semarang).district_code is None
