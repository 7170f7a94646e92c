"""Everyday words of reports, which are never place names, and the language a message is written in."""

from __future__ import annotations

from gateway.parsers.hazards import ENGLISH_WORDS as HAZARD_ENGLISH
from gateway.parsers.hazards import HAZARD_WORDS
from gateway.parsers.needs import ENGLISH_WORDS as NEED_ENGLISH
from gateway.parsers.needs import NEED_WORDS
from gateway.parsers.numbers import ENGLISH_UNITS as UNIT_ENGLISH
from gateway.parsers.numbers import UNITS
from gateway.parsers.result import Language
from gateway.parsers.tokens import word_set

# Common words that carry no hazard, count, need or place. They are never stretched by typo
# tolerance into a place or hazard, and never reported back as an unknown place. A desa that really is
# named like one of them (`Tengah`, `Baru`) is still found when written after `desa`.
INDONESIAN_WORDS = word_set(
    """
    ada adanya akan akibat aku amat aman ambruk ambrol anak atap atas atau bagian banyak bapak baru
    bawah bbrp belakang belum berat beberapa berikut bersama besar bisa blm bu buat bukit bupati
    cepat dalam dampak dan dari dekat dengan depan dgn di dilanda diterjang dong dulu
    gak ga gang gunung habis hampir hangus hanyut hari hilang hingga hujan ibu ini itu iya
    jalan jam jembatan jg jl jln juga kak kali kami kampung kantor karena kasih kecil kejadian keadaan
    kemarin kemasukan kena ketika kita kondisi korban krn kurang lagi lahan laut lbh lebih lewat luka
    malam masih masuk mas mbak melanda meluap menerjang meninggal mengungsi menimpa merendam mohon
    mulai namun ngga nggak ngungsi oleh pada pagi pak pantai parah pd perbukitan pohon pukul putus
    rendam retak ringan roboh rusak saat saja sampai sangat sawah saya sdg sdh sebagian sebelah sedang
    segera sejak sekali sekitar selamat semua sementara setinggi siang skitar sore sudah sungai
    sy tadi tapi telah tempat terancam terdampak terjadi tertimbun tertutup tidak tdk
    tinggi tks tlg tolong total tumbang udah untuk utk warga wib ya yang badan hutan lahan
    halo hallo assalamualaikum terimakasih makasih trims tengah barat timur utara selatan lama jaya
    makmur indah raya hilir hulu putih hitam merah panjang pendek dalam luar sini sana situ
    """
)

REGIONAL_WORDS = word_set(
    """
    ing neng nang wis uwis durung ono onten wonten mpun sampun kabeh akeh sing lan karo keno kenging
    rubuh tulung tulungi mbah dukuh kulo aya tos parantos teu acan seueur pisan punten nyuhunkeun
    baraya lembur abdi
    """
)

ENGLISH_WORDS = word_set(
    """
    in at on the a an of and to for is are was were has have been with near village district please
    urgent many some about around approx more than damaged destroyed affected road blocked trees
    fallen river we our my i hello hi good morning thanks thank you need needs there here now
    """
)

FILLER_WORDS: frozenset[str] = INDONESIAN_WORDS | REGIONAL_WORDS | ENGLISH_WORDS

# Every known word is evidence for the language it belongs to; words both languages use
# (`tsunami`, `info`, `status`, `ok`) are evidence for neither.
_ENGLISH = ENGLISH_WORDS | HAZARD_ENGLISH | NEED_ENGLISH | UNIT_ENGLISH
_ALL_INDONESIAN = INDONESIAN_WORDS | REGIONAL_WORDS | HAZARD_WORDS | NEED_WORDS | frozenset(UNITS)
ENGLISH_EVIDENCE: frozenset[str] = _ENGLISH - _ALL_INDONESIAN
INDONESIAN_EVIDENCE: frozenset[str] = _ALL_INDONESIAN - _ENGLISH


def detect_language(words: list[str], keyword: Language | None = None) -> Language | None:
    """Return the language with more evidence in `words` (a command keyword counts double), else None."""
    indonesian = english = 0
    for word in words:
        if word in INDONESIAN_EVIDENCE:
            indonesian += 1
        elif word in ENGLISH_EVIDENCE:
            english += 1
    if keyword == "id":
        indonesian += 2
    elif keyword == "en":
        english += 2
    if indonesian > english:
        return "id"
    if english > indonesian:
        return "en"
    return None
