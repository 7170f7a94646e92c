"""The USSD state machine alone: screens from inputs, pure, for both languages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.aid.pickup_list import HIDDEN, Pickup
from gateway.parsers import Region, load_region
from gateway.sms.text import encoding_of, to_gsm7
from gateway.ussd.effects import (
    CheckAid,
    LanguageSet,
    Linked,
    LinkPhone,
    NotInRegistry,
    Pickups,
    ReportAccepted,
    SetLanguage,
    SubmitReport,
)
from gateway.ussd.endings import conclude
from gateway.ussd.machine import Context, Screen, step

REGION = load_region("33.24")
KENDAL = "33.24.15"
SUKODONO = "33.24.15.1002"
REPORT = ["1", "1", "8", "18", "25", "1", "2", "98"]  # flood, Kec. Kendal, Sukodono, 25 KK, food and water


def screen(keys: list[str] | str, language: str = "id", region: Region = REGION) -> Screen:
    inputs = (keys.split("*") if keys else []) if isinstance(keys, str) else keys
    return step(inputs, Context(language, region))


def assert_fits(shown: Screen) -> None:
    body = shown.body
    assert len(body) <= 182, body
    assert to_gsm7(body) == body and encoding_of(body) == "GSM-7", body


def options(shown: Screen) -> dict[str, str]:
    """The numbered lines of a screen: ``{"1": "Banjir", …}``."""
    found = {}
    for line in shown.text.splitlines():
        number, _, rest = line.partition(" ")
        if number.isdigit() and not rest[:1].isdigit():
            found[number] = rest
    return found


def test_it_opens_on_the_home_menu() -> None:
    assert screen("").body.splitlines() == [
        "CON Lapor & Bantuan Bencana", "1 Lapor bencana", "2 Cek bantuan", "3 Daftar (NIK)", "4 Bahasa/Language",
        "5 Peringatan dini",
    ]  # fmt: skip
    assert screen("", "en").text.startswith("Disaster report & aid\n1 Report a disaster")


@pytest.mark.parametrize("language", ["id", "en"])
def test_it_pages_the_twenty_kecamatan_and_lists_each_once(language: str) -> None:
    keys, seen = ["1", "1"], {}
    while True:
        shown = screen(keys, language)
        assert_fits(shown)
        page = {n: name for n, name in options(shown).items() if n not in ("99", "0", "00")}
        seen.update(page)
        if "99 " not in shown.text:
            break
        keys.append("99")
    assert len(keys) >= 3  # more than one page
    assert sorted(seen.values()) == sorted(name for _, name in REGION.districts())
    assert [int(n) for n in seen] == list(range(1, 21))


def test_back_goes_to_the_previous_page_and_home_to_the_first_screen() -> None:
    assert screen("1*1*99*0").text == screen("1*1").text
    assert screen("1*1*99*0*0").text == screen("1").text
    assert screen("1*1*99*00").text == screen("").text
    assert screen("1*1*8*00*1").text == screen("1").text


def test_a_choice_past_the_last_page_says_so() -> None:
    last = screen("1*99")
    assert screen("1*99*99").text == "Tidak ada lagi.\n" + last.text


@pytest.mark.parametrize("key", ["14", "x", "", " ", "#", "-1", "1.5", "\uff19", "💥", "1" * 400, "0x1"])
def test_an_invalid_choice_redisplays_the_screen_with_a_short_error(key: str) -> None:
    assert screen(["1", key]).text == "Pilihan salah.\n" + screen("1").text
    shown = screen(["1", "1", "8", "18", "25", "1", "98", key])  # on the confirmation screen
    assert shown.kind == "CON"
    assert shown.text == "Pilihan salah.\n" + screen(["1", "1", "8", "18", "25", "1", "98"]).text


def test_a_desa_is_found_by_typing_part_of_its_name() -> None:
    typed = screen("1*1*8*98*suko")
    assert typed.text.startswith("Desa yang cocok:\n1 Sukodono\n")
    assert screen("1*1*8*suko").text == typed.text  # letters on the list search straight away
    assert screen("1*1*8*98*zzzz").text.startswith("Tidak ditemukan.\nKetik sebagian nama desa:")
    assert screen("1*1*8*suko*1").text.startswith("Berapa KK")
    assert screen("1*1*8*suko*1*0").text == typed.text


def test_the_report_flow_ends_with_one_submit_effect() -> None:
    confirm = screen(REPORT)
    assert confirm.kind == "CON"
    assert confirm.text.splitlines()[:4] == [
        "Kirim laporan ini?", "Banjir di Sukodono, Kec. Kendal", "25 KK terdampak", "Butuh: makanan, air bersih",
    ]  # fmt: skip
    sent = screen([*REPORT, "1"])
    assert sent.kind == "END"
    assert sent.effects == (SubmitReport("flood", SUKODONO, KENDAL, 25, ("food", "water"), "id"),)
    cancelled = screen([*REPORT, "2"])
    assert cancelled == Screen("END", "Laporan dibatalkan. Tidak ada yang dikirim.")


def test_choosing_a_need_again_unchooses_it_and_all_twelve_still_fit() -> None:
    assert "1 Makanan *" in screen("1*1*8*18*25*1").text
    assert "1 Makanan *" not in screen("1*1*8*18*25*1*1").text
    every = ["1", "1", "8", "18", "25", *[str(n) for n in range(1, 13)], "98"]
    for language in ("id", "en"):
        shown = screen(every, language)
        assert_fits(shown)
        assert ("dll" if language == "id" else "etc") in shown.text
        assert screen([*every, "1"], language).effects[0] == SubmitReport(
            "flood", SUKODONO, KENDAL, 25, ("food", "water", "blankets", "tarpaulin", "mats", "clothing", "medicine",
                                            "shelter", "evacuation", "baby", "hygiene", "kitchen"), language,
        )  # fmt: skip


@pytest.mark.parametrize("count", ["0", "abc", "100001", "-5", "2.5"])
def test_the_household_count_must_be_a_number(count: str) -> None:
    shown = screen(["1", "1", "8", "18", count])
    if count == "0":  # 0 is "back"
        assert shown.text == screen("1*1*8").text
    else:
        assert shown.text.startswith("Ketik angka 1-100000.\nBerapa KK")


def test_a_wrong_nik_gets_a_retry_screen_and_a_valid_one_links() -> None:
    for wrong in ("123", "3324150101800002x", "1234567890123456"):
        assert screen(["3", wrong]).text.startswith("NIK salah, harus 16 angka.\nMasukkan NIK")
    assert screen(["3", "3324150101800001", "3324150000000001"]).text.startswith("No. KK salah: periksa 16 angka")
    linked = screen(["3", "123", "3324150101800001", "3324150101150001"])
    assert linked.effects == (LinkPhone("3324150101800001", "3324150101150001", "id"),)
    assert "3324150101800001" not in repr(linked) and "3324150101150001" not in repr(linked)  # out of logs


def test_language_and_aid_screens_end_with_their_effect() -> None:
    assert screen("4*2").effects == (SetLanguage("en"),)
    assert screen("2", "en").effects == (CheckAid("en"),)


PICKUPS = [Pickup("sembako", "Balai Desa Sukodono Kendal Utara", "24/11", f"K7Q-2{n}M") for n in range(5)]


def test_concluding_screens_read_well_and_fit() -> None:
    report = SubmitReport("flash_flood", "33.24.20.2001", "33.24.20", 3, (), "id")
    ends = [
        conclude(report, ReportAccepted("1001", "Kalibuntu Wetan, Kec. Kaliwungu Selatan")),
        conclude(CheckAid("id"), Pickups((), linked=True)),
        conclude(CheckAid("en"), Pickups((), linked=False)),
        conclude(CheckAid("id"), Pickups(tuple(PICKUPS), linked=True)),
        conclude(CheckAid("id"), Pickups((Pickup("sembako", "Balai Desa Sukodono", "24/11", HIDDEN),), linked=True)),
        conclude(LinkPhone("3324150101800001", "3324150000000001", "en"), Linked("3324********0001", "Sukodono", True)),
        conclude(
            LinkPhone("3324150101800001", "3324150000000001", "en"), Linked("3324********0001", "Sukodono", False)
        ),
        conclude(LinkPhone("3324150101800001", "3324150000000001", "id"), NotInRegistry()),
        conclude(LinkPhone("3324150101800001", "3324150000000001", "id"), NotInRegistry(throttled=True)),
        conclude(SetLanguage("en"), LanguageSet("en")),
    ]
    for end in ends:
        assert end.kind == "END"
        assert_fits(end)
    assert ends[0].text.startswith("Terima kasih. Laporan banjir bandang di Kalibuntu Wetan")
    assert "No. laporan: 1001" in ends[0].text
    assert ends[3].text.startswith("Bantuan menunggu:\n1) sembako di Balai Desa Sukodono Kend s.d. 24/11, kode K7Q-20M")
    assert ends[3].text.endswith("lagi, ketik SMS CEK")
    assert ends[4].text.endswith("kode ***\nKode dikirim ke HP terdaftar keluarga.")  # not yet vouched for
    assert ends[6].text.startswith("This number is linked to KK 3324********0001 in Sukodono. Pickup codes go to")
    assert ends[8].text.startswith("Terlalu banyak percobaan yang salah")
    assert ends[9].text == "Language: English. Menus and SMS will use English."


KEYS = ["", "0", "00", "98", "99", "1", "2", "3", "4", "8", "12", "18", "25", "suko", "x", "3324150101800001"]


def test_every_screen_of_every_short_walk_fits_one_gsm7_screen() -> None:
    """Breadth-first over every key sequence up to four keys deep (and the report path's prefixes)."""
    frontier: list[list[str]] = [[]]
    for _ in range(4):
        following = []
        for keys in frontier:
            for language in ("id", "en"):
                assert_fits(screen(keys, language))
            if screen(keys).kind == "CON":
                following += [[*keys, key] for key in KEYS]
        frontier = following
    for n in range(len(REPORT) + 2):
        for key in KEYS:
            assert_fits(screen([*REPORT[:n], key]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=12), st.sampled_from(["id", "en"]))
def test_no_input_whatever_raises(keys: list[str], language: str) -> None:
    shown = step(keys, Context(language, REGION))
    assert shown.kind in ("CON", "END")
    assert len(shown.body) <= 182


def test_a_session_too_long_for_a_person_ends() -> None:
    assert screen(["99"] * 100).kind == "END"
