"""The USSD menus as plain data: every screen, option and message, in Bahasa Indonesia and English.

``MENUS`` is the tree the machine walks; each screen names the screen its answer leads to (``goto``) or the
action that ends the session (``action``). Lists that come from the region or the hazard and need labels
(``source``) are filled in and paged by the machine. Texts are ``(Bahasa, English)`` pairs.

Keys on every screen but the first: ``0`` back, ``00`` home, ``99`` next page (lists only), ``98`` the extra
option a list offers (type the desa name, finish choosing needs).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.incidents.labels import HAZARD_LABELS, NEED_LABELS

Text = tuple[str, str]  # (Bahasa Indonesia, English)

LIMIT = 182  # characters the network shows on one USSD screen, "CON "/"END " included
BACK, HOME, MORE, EXTRA = "0", "00", "99", "98"
MAX_HOUSEHOLDS = 100_000  # more than any kabupaten has: a larger number is a typo
MAX_MATCHES = 8  # desa shown for typed text
MAX_INPUTS = 60  # a session longer than this is not a person pressing keys within the network's time limit


@dataclass(frozen=True)
class Option:
    """One fixed choice: go to a screen, or end the session with an action (and its value)."""

    label: Text
    goto: str | None = None
    action: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Menu:
    """Fixed, numbered options."""

    title: Text
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Pick:
    """Choose one item of a list (paged); the choice fills ``field`` of the report draft."""

    title: Text
    source: str
    field: str
    goto: str
    search: str | None = None  # the screen option 98 opens: type the name instead of paging


@dataclass(frozen=True)
class Toggle:
    """Choose any number of items of a list, one at a time (again to undo); 98 moves on."""

    title: Text
    source: str
    field: str
    goto: str
    done: Text


@dataclass(frozen=True)
class Ask:
    """Type a value, checked by ``check``; it fills ``field`` and leads to ``goto``, or ends with ``action``."""

    prompt: Text
    check: str
    field: str = ""
    goto: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class Confirm:
    """Show the report draft: 1 sends it (``action``), 2 cancels."""

    title: Text
    send: Text
    cancel: Text
    action: str


@dataclass(frozen=True)
class Finish:
    """End the session with ``action`` as soon as the screen is reached."""

    action: str


Screen = Menu | Pick | Toggle | Ask | Confirm | Finish

MENUS: dict[str, Screen] = {
    "home": Menu(
        ("Lapor & Bantuan Bencana", "Disaster report & aid"),
        (
            Option(("Lapor bencana", "Report a disaster"), goto="hazard"),
            Option(("Cek bantuan", "Check aid"), goto="check_aid"),
            Option(("Daftar (NIK)", "Register (NIK)"), goto="register"),
            Option(("Bahasa/Language", "Bahasa/Language"), goto="language"),
            Option(("Peringatan dini", "Early warnings"), goto="warn"),
        ),
    ),
    "hazard": Pick(("Jenis bencana:", "What happened?"), source="hazards", field="hazard", goto="district"),
    "district": Pick(("Kecamatan:", "Kecamatan (sub-district):"), source="districts", field="district", goto="village"),
    "village": Pick(
        ("Desa/kelurahan:", "Desa (village):"),
        source="villages",
        field="village",
        goto="households",
        search="village_name",
    ),
    "village_name": Ask(
        ("Ketik sebagian nama desa:", "Type part of the village name:"),
        check="village_name",
        field="query",
        goto="village_match",
    ),
    "village_match": Pick(
        ("Desa yang cocok:", "Matching villages:"), source="matches", field="village", goto="households"
    ),
    "households": Ask(
        ("Berapa KK (keluarga) terdampak? Ketik angka:", "How many households (KK) are affected? Type a number:"),
        check="count",
        field="households",
        goto="needs",
    ),
    "needs": Toggle(
        ("Kebutuhan? Pilih satu per satu (*=dipilih):", "Needs? Choose one at a time (*=chosen):"),
        source="needs",
        field="needs",
        goto="confirm",
        done=("Selesai", "Done"),
    ),
    "confirm": Confirm(
        ("Kirim laporan ini?", "Send this report?"),
        send=("Kirim", "Send"),
        cancel=("Batal", "Cancel"),
        action="submit_report",
    ),
    "check_aid": Finish("check_aid"),
    "register": Ask(
        ("Masukkan NIK Anda (16 angka, lihat KTP):", "Enter your NIK (16 digits, on your KTP):"),
        check="nik",
        field="nik",
        goto="register_kk",
    ),
    "register_kk": Ask(
        ("Masukkan No. KK (16 angka, lihat Kartu Keluarga):", "Enter your KK number (16 digits, on the family card):"),
        check="kk",
        action="link_phone",
    ),
    # early warnings: the same kecamatan -> desa picking as a report, ending in a subscription (SMS PANTAU)
    "warn": Menu(
        ("Peringatan dini bencana lewat SMS:", "Disaster early warnings by SMS:"),
        (
            Option(("Pantau desa", "Watch a village"), goto="watch_district"),
            Option(("Desa yang dipantau", "My villages"), action="watch_list"),
        ),
    ),
    "watch_district": Pick(
        ("Kecamatan:", "Kecamatan (sub-district):"), source="districts", field="district", goto="watch_village"
    ),
    "watch_village": Pick(
        ("Desa/kelurahan:", "Desa (village):"),
        source="villages",
        field="village",
        goto="watch_done",
        search="watch_village_name",
    ),
    "watch_village_name": Ask(
        ("Ketik sebagian nama desa:", "Type part of the village name:"),
        check="village_name",
        field="query",
        goto="watch_village_match",
    ),
    "watch_village_match": Pick(
        ("Desa yang cocok:", "Matching villages:"), source="matches", field="village", goto="watch_done"
    ),
    "watch_done": Finish("watch"),
    "language": Menu(
        ("Pilih bahasa / Choose language:", "Choose language / Pilih bahasa:"),
        (
            Option(("Bahasa Indonesia", "Bahasa Indonesia"), action="set_language", value="id"),
            Option(("English", "English"), action="set_language", value="en"),
        ),
    ),
}
START = "home"

# Hazards in the order a resident of Kendal most often needs them.
HAZARD_ORDER = (
    "flood",
    "flash_flood",
    "tidal_flood",
    "landslide",
    "extreme_weather",
    "fire",
    "earthquake",
    "drought",
    "wildfire",
    "abrasion",
    "eruption",
    "tsunami",
    "other",
)
NEED_ORDER = tuple(NEED_LABELS)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


HAZARD_MENU: dict[str, Text] = {
    code: (_capital(HAZARD_LABELS[code][0]), _capital(HAZARD_LABELS[code][1])) for code in HAZARD_ORDER
}
HAZARD_MENU["other"] = ("Lainnya", "Other")
NEED_MENU: dict[str, Text] = {
    code: (_capital(NEED_LABELS[code][0]), _capital(NEED_LABELS[code][1])) for code in NEED_ORDER
}

# Navigation, errors and the screens that end a session.
TEXTS: dict[str, Text] = {
    "nav": ("0 Kembali 00 Menu", "0 Back 00 Home"),
    "nav_more": ("99 Lanjut 0 Kembali 00 Menu", "99 More 0 Back 00 Home"),
    "search": ("Ketik nama desa", "Type village name"),
    # errors: one short line above the screen they redisplay
    "invalid": ("Pilihan salah.", "Invalid choice."),
    "no_more": ("Tidak ada lagi.", "No more pages."),
    "not_found": ("Tidak ditemukan.", "Not found."),
    "count": ("Ketik angka 1-100000.", "Type a number 1-100000."),
    "nik": ("NIK salah, harus 16 angka.", "Wrong NIK: 16 digits."),
    "kk": (
        "No. KK salah: periksa 16 angka di Kartu Keluarga.",
        "Wrong KK number: check the 16 digits on the family card.",
    ),
    # the draft on the confirmation screen
    "at": ("{hazard} di {place}", "{hazard} at {place}"),
    "households": ("{count} KK terdampak", "{count} households"),
    "needs": ("Butuh: {needs}", "Needs: {needs}"),
    "no_needs": ("Kebutuhan: -", "Needs: -"),
    "etc": ("dll", "etc"),
    # END screens
    "report_received": (
        "Terima kasih. Laporan {hazard} di {place} diterima. No. laporan: {ref}. SMS konfirmasi akan dikirim.",
        "Thank you. Your {hazard} report for {place} is received. Report no: {ref}. A confirmation SMS will follow.",
    ),
    "cancelled": ("Laporan dibatalkan. Tidak ada yang dikirim.", "Report cancelled. Nothing was sent."),
    "pickups": ("Bantuan menunggu:", "Aid waiting:"),
    "more_pickups": ("+{more} lagi, ketik SMS CEK", "+{more} more, text CEK"),
    "pickups_none": (
        "Tidak ada bantuan yang menunggu diambil untuk nomor ini.",
        "No aid is waiting for collection for this number.",
    ),
    "pickups_unlinked": (
        "Tidak ada bantuan untuk nomor ini. Belum terdaftar? Pilih 3 Daftar (NIK) di menu.",
        "No aid for this number. Not registered? Choose 3 Register (NIK) in the menu.",
    ),
    "registered": (
        "Nomor ini terhubung ke KK {kk} di {village}. Info bantuan keluarga Anda akan dikirim ke nomor ini.",
        "This number is linked to KK {kk} in {village}. Aid notices for your family will come to this number.",
    ),
    "registered_pending": (
        "Nomor ini ditautkan ke KK {kk} di {village}. Kode bantuan tetap dikirim ke HP terdaftar keluarga sampai HP itu"
        " membalas YA.",
        "This number is linked to KK {kk} in {village}. Pickup codes go to the family's registered phone until it"
        " replies YA.",
    ),
    "register_unknown": (
        "NIK dan No. KK tidak cocok dengan DTKS. Hubungi kantor desa untuk pendataan. Laporan bencana tetap bisa"
        " dikirim.",
        "NIK and KK number do not match the welfare registry. Contact your village office. You can still report.",
    ),
    "register_throttled": (
        "Terlalu banyak percobaan yang salah dari nomor ini. Coba lagi besok atau hubungi kantor desa.",
        "Too many wrong attempts from this number. Try again tomorrow or contact your village office.",
    ),
    "codes_hidden": ("Kode dikirim ke HP terdaftar keluarga.", "Codes go to the family's registered phone."),
    "language_set": (
        "Bahasa: Bahasa Indonesia. Menu dan SMS akan memakai bahasa ini.",
        "Language: English. Menus and SMS will use English.",
    ),
    "watching": (
        "Peringatan dini untuk: {places}. Dikirim lewat SMS. Berhenti: SMS BERHENTI PANTAU <desa>",
        "Early warnings for: {places}. They come by SMS. To stop: SMS STOP WATCH <village>",
    ),
    "watching_none": ("Belum ada desa yang dipantau. Pilih 1 Pantau desa.", "No villages watched yet. Choose 1."),
    "watching_stopped": (
        "Nomor ini berhenti menerima SMS (STOP), juga peringatan dini. SMS MULAI untuk menerimanya lagi.",
        "This number stopped SMS (STOP), early warnings too. SMS START to get them again.",
    ),
    "too_long": ("Sesi terlalu panjang. Silakan tekan kode USSD lagi.", "Session too long. Please dial again."),
    "unavailable": (
        "Maaf, sistem sedang gangguan. Coba lagi nanti atau kirim SMS LAPOR.",
        "Sorry, the system has a problem. Try again later or send an SMS report.",
    ),
}
LIST_ERRORS = ("invalid", "no_more", "not_found")  # the errors a list screen can show, for its page budget


def say(key: str, language: str, **values: object) -> str:
    """The text ``key`` in ``language`` (``id`` or ``en``), with ``values`` filled in."""
    text = TEXTS[key][1 if language == "en" else 0]
    return text.format(**values) if values else text


def label(text: Text, language: str) -> str:
    """A ``(Bahasa, English)`` pair in ``language``."""
    return text[1] if language == "en" else text[0]
