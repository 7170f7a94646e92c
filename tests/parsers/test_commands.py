"""Commands: keywords in both languages, any case and separator, and their arguments."""

from __future__ import annotations

import pytest

from gateway.parsers import ParseResult, Region, parse


@pytest.mark.parametrize(
    ("text", "intent", "ref"),
    [
        ("OK 1042", "ack", "1042"),
        ("ok#1042", "ack", "1042"),
        ("Terima *1042", "ack", "1042"),
        ("siap k-77", "ack", "K77"),
        ("SELESAI.1042", "resolve", "1042"),
        ("done 1042", "resolve", "1042"),
        ("selesai no. 88 sudah ditangani", "resolve", "88"),
        ("TOLAK,1042,laporan palsu", "reject", "1042"),
        ("reject k 77", "reject", "77"),
    ],
)
def test_it_reads_officer_replies_with_their_reference(kendal: Region, text: str, intent: str, ref: str) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.ref, result.problem) == (intent, ref, None)


@pytest.mark.parametrize("text", ["OK", "siap pak", "SELESAI", "tolak laporan"])
def test_it_says_when_an_officer_reply_has_no_reference(kendal: Region, text: str) -> None:
    result = parse(text, kendal)
    assert result.ref is None
    assert result.problem == "missing_ref"


@pytest.mark.parametrize("text", ["terima kasih", "Terima kasih 1042", "TERIMA KSH pak"])
def test_thanks_is_not_an_acknowledgement(kendal: Region, text: str) -> None:
    assert parse(text, kendal).intent == "unknown"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("AMBIL 7KQ4M2", "7KQ4M2"),
        ("ambil 7kq-4m2", "7KQ4M2"),
        ("TEBUS 7KQ 4M2", "7KQ4M2"),
        ("tebus#7kq.4m2", "7KQ4M2"),
        ("redeem 7KQ4M2 beras 10kg", "7KQ4M2"),
    ],
)
def test_it_reads_pickup_codes_without_their_separators(kendal: Region, text: str, code: str) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.code, result.problem) == ("redeem", code, None)


@pytest.mark.parametrize("text", ["AMBIL", "ambil beras"])
def test_it_says_when_a_redemption_has_no_code(kendal: Region, text: str) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.code, result.problem) == ("redeem", None, "missing_code")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("CEK", "status"),
        ("cek bantuan", "status"),
        ("Status", "status"),
        ("STOP", "stop"),
        ("berhenti", "stop"),
        ("unreg", "stop"),
        ("MULAI", "start"),
        ("start", "start"),
        ("INFO", "help"),
        ("Help", "help"),
        ("?", "help"),
        ("info?", "help"),
    ],
)
def test_it_reads_single_word_commands_in_any_case(kendal: Region, text: str, intent: str) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.problem) == (intent, None)


@pytest.mark.parametrize(
    ("text", "nik", "kk"),
    [
        ("DAFTAR 3324015508950001", "3324015508950001", None),
        ("daftar 3324015508950001#3324010101180003", "3324015508950001", "3324010101180003"),
        ("daftar 3324015508950001 3324010101180003", "3324015508950001", "3324010101180003"),
        ("DAFTAR*3324015508950001*3324010101180003", "3324015508950001", "3324010101180003"),
        ("daftar 3324 0155 0895 0001", "3324015508950001", None),
    ],
)
def test_it_reads_registrations(kendal: Region, text: str, nik: str, kk: str | None) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.nik, result.kk, result.nik_valid, result.problem) == (
        "register",
        nik,
        kk,
        True,
        None,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("DAFTAR", "invalid_nik"),
        ("daftar 1234", "invalid_nik"),
        ("daftar 332401550895000", "invalid_nik"),  # 15 digits
        ("daftar 9999999999999999", "invalid_nik_region"),  # no such province (nor birth date): the region first
        ("daftar 9924015508950001", "invalid_nik_region"),
        ("daftar 3300015508950001", "invalid_nik_region"),  # kabupaten 00
        ("daftar 3324013208950001", "invalid_nik_date"),  # born on 32 August
        ("daftar 3324017308950001", "invalid_nik_date"),  # 73 - 40: a woman born on 33 August
        ("daftar 3324015508950000", "invalid_nik_serial"),
        ("daftar 3324015508950001#123", "invalid_kk"),
        ("daftar 3324015508950001#9924010101180003", "invalid_kk_region"),
        ("daftar 3324015508950001#3399010101180003", "invalid_kk_region"),  # no kabupaten 33.99
        ("daftar 3324015508950001#3324010000000001", "invalid_kk_date"),
        ("daftar 3324015508950001#3324014101180003", "invalid_kk_date"),  # a KK adds no 40 to the day
        ("daftar 3324015508950001 3324010101180000", "invalid_kk_serial"),
        ("daftar 3324013208950001#3324010000000001", "invalid_nik_date"),  # the NIK first
    ],
)
def test_it_says_what_is_wrong_with_a_registration(kendal: Region, text: str, problem: str) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.problem) == ("register", problem)


@pytest.mark.parametrize(
    ("text", "language"),
    [("BAHASA EN", "en"), ("bahasa inggris", "en"), ("LANGUAGE id", "id"), ("language indonesia", "id")],
)
def test_it_reads_the_language_asked_for(kendal: Region, text: str, language: str) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.language, result.problem) == ("language", language, None)


@pytest.mark.parametrize("text", ["BAHASA", "language klingon"])
def test_it_says_when_no_known_language_is_asked_for(kendal: Region, text: str) -> None:
    result = parse(text, kendal)
    assert (result.intent, result.language, result.problem) == ("language", None, "missing_language")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("REPORT FLOOD SUKODONO 25 FAMILIES", "en"),
        ("HELP", "en"),
        ("LANGUAGE id", "en"),
        ("DONE 1042", "en"),
        ("LAPOR BANJIR SUKODONO 25 KK", "id"),
        ("selesai 1042", "id"),
        ("BAHASA EN", "id"),
        ("lindu, omah ambruk 2 ing Trisobo", "id"),
        ("OK 1042", None),
        ("STOP", None),
        ("INFO", None),
    ],
)
def test_it_tells_which_language_the_sender_wrote_in(kendal: Region, text: str, language: str | None) -> None:
    assert parse(text, kendal).detected_language == language


@pytest.mark.parametrize("text", ["", "   ", "asdfgh", "Selamat pagi pak", "!!!", "12345"])
def test_it_calls_anything_else_unreadable(kendal: Region, text: str) -> None:
    result = parse(text, kendal)
    assert result == ParseResult("unknown", problem="unreadable", detected_language=result.detected_language)
