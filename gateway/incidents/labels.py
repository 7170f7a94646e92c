"""How incidents are named in SMS, menus and listings, in Bahasa and English (pure: no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from gateway.parsers import Region

CLOSED = ("resolved", "rejected")

HAZARD_LABELS: dict[str, tuple[str, str]] = {
    "flood": ("banjir", "flood"),
    "flash_flood": ("banjir bandang", "flash flood"),
    "tidal_flood": ("banjir rob", "tidal flood"),
    "landslide": ("tanah longsor", "landslide"),
    "earthquake": ("gempa bumi", "earthquake"),
    "tsunami": ("tsunami", "tsunami"),
    "eruption": ("erupsi gunung api", "volcanic eruption"),
    "extreme_weather": ("cuaca ekstrem", "extreme weather"),
    "drought": ("kekeringan", "drought"),
    "wildfire": ("kebakaran hutan/lahan", "forest or land fire"),
    "fire": ("kebakaran", "fire"),
    "abrasion": ("abrasi", "coastal erosion"),
    "other": ("bencana", "disaster"),
}
# What a resident types for each hazard, in the examples our replies show (the parser reads every one).
HAZARD_KEYWORDS: dict[str, tuple[str, str]] = {
    "flood": ("BANJIR", "FLOOD"),
    "flash_flood": ("BANJIR BANDANG", "FLASH FLOOD"),
    "tidal_flood": ("ROB", "TIDAL FLOOD"),
    "landslide": ("LONGSOR", "LANDSLIDE"),
    "earthquake": ("GEMPA", "EARTHQUAKE"),
    "tsunami": ("TSUNAMI", "TSUNAMI"),
    "eruption": ("ERUPSI", "ERUPTION"),
    "extreme_weather": ("ANGIN KENCANG", "STORM"),
    "drought": ("KEKERINGAN", "DROUGHT"),
    "wildfire": ("KEBAKARAN LAHAN", "WILDFIRE"),
    "fire": ("KEBAKARAN", "FIRE"),
    "abrasion": ("ABRASI", "ABRASION"),
    "other": ("BENCANA", "DISASTER"),
}
MAX_NEEDS_LISTED = 4  # an alert lists at most this many needs, then "dll." / "etc.", to stay in two segments

NEED_LABELS: dict[str, tuple[str, str]] = {
    "food": ("makanan", "food"),
    "water": ("air bersih", "water"),
    "blankets": ("selimut", "blankets"),
    "tarpaulin": ("terpal", "tarpaulins"),
    "mats": ("tikar", "mats"),
    "clothing": ("pakaian", "clothing"),
    "medicine": ("obat", "medicine"),
    "shelter": ("tenda", "shelter"),
    "evacuation": ("evakuasi", "evacuation"),
    "baby": ("perlengkapan bayi", "baby supplies"),
    "hygiene": ("kebersihan", "hygiene kits"),
    "kitchen": ("dapur umum", "public kitchen"),
}


# An incident's status and a dispatched agency's state, as the desk shows them (Bahasa, English).
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "open": ("terbuka", "open"), "all": ("semua", "all"), "reported": ("dilaporkan", "reported"),
    "acknowledged": ("diterima", "acknowledged"), "responding": ("ditangani", "responding"),
    "resolved": ("selesai", "resolved"), "rejected": ("ditolak", "rejected"),
}  # fmt: skip
STATE_LABELS: dict[str, tuple[str, str]] = {
    "no_officer": ("tidak ada petugas", "no officer"), "alerted": ("diberi tahu", "alerted"),
    "escalated": ("dieskalasi", "escalated"), "acknowledged": ("diterima", "acknowledged"), "done": ("selesai", "done"),
}  # fmt: skip


# What the audit trail's actions mean, for the desk (the trail itself keeps the short English codes).
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "created": ("laporan pertama", "first report"), "report_joined": ("laporan tambahan", "report joined"),
    "dispatched": ("ditugaskan", "dispatched"), "task_changed": ("tugas berubah", "task changed"),
    "no_officer": ("tidak ada petugas", "no officer"), "alerted_late": ("petugas baru diberi tahu", "late alert"),
    "acknowledged": ("diterima", "acknowledged"), "taken_over": ("diambil alih", "taken over"),
    "agency_done": ("bagian dinas selesai", "agency done"), "escalated": ("dieskalasi", "escalated"),
    "resolved": ("selesai", "resolved"), "rejected": ("ditolak", "rejected"), "note": ("catatan", "note"),
    "redispatched": ("ditugaskan ulang", "re-dispatched"), "affected": ("KK terdampak", "affected households"),
    "allocated": ("alokasi bantuan", "aid allocated"), "redeemed": ("bantuan diambil", "aid collected"),
    "redeem_refused": ("pengambilan ditolak", "pickup refused"),
}  # fmt: skip


def label(labels: dict[str, tuple[str, str]], key: str | None, language: str) -> str:
    """``key``'s label in ``language`` from ``labels``, or the key itself when it has none."""
    found = labels.get(key or "")
    return (key or "-") if found is None else found[1] if language == "en" else found[0]


def hazard_label(hazard: str | None, language: str) -> str:
    """The hazard's name in ``language`` (``id`` or ``en``)."""
    labels = HAZARD_LABELS.get(hazard or "other", HAZARD_LABELS["other"])
    return labels[1] if language == "en" else labels[0]


def hazard_keyword(hazard: str | None, language: str) -> str:
    """The word to type for the hazard, for the example command in a reply."""
    keywords = HAZARD_KEYWORDS.get(hazard or "other", HAZARD_KEYWORDS["other"])
    return keywords[1] if language == "en" else keywords[0]


class Counts(Protocol):
    """What an incident, or one report of it, says: counts and space-separated needs."""

    @property
    def households(self) -> int | None: ...
    @property
    def people(self) -> int | None: ...
    @property
    def houses(self) -> int | None: ...
    @property
    def needs(self) -> str: ...


def facts_summary(incident: Counts, language: str) -> str:
    """``25 KK, 80 jiwa, 10 rumah. Butuh: makanan, selimut.`` — only what is known."""
    en = language == "en"
    counts = [
        f"{value} {unit}"
        for value, unit in (
            (incident.households, "KK"),
            (incident.people, "people" if en else "jiwa"),
            (incident.houses, "houses" if en else "rumah"),
        )
        if value is not None
    ]
    parts = [", ".join(counts) + "."] if counts else []
    needs = [NEED_LABELS[n][1 if en else 0] for n in incident.needs.split() if n in NEED_LABELS]
    if len(needs) > MAX_NEEDS_LISTED:
        needs = [*needs[:MAX_NEEDS_LISTED], "etc" if en else "dll"]
    if needs:
        parts.append(("Needs: " if en else "Butuh: ") + ", ".join(needs) + ".")
    return " ".join(parts)


def place_name(region: Region, village_code: str | None) -> str:
    """``Sukodono, Kec. Kendal``, or the bare code when the region does not know it."""
    if not village_code:
        return ""
    try:
        return f"{region.village_name(village_code)}, Kec. {region.district_name(region.district_of(village_code))}"
    except KeyError:  # an incident recorded under another GATEWAY_REGION
        return village_code


def village_label(region: Region, village_code: str | None) -> str:
    """``Sukodono``: the desa alone, for lists that must stay short; the bare code when the region does not know it."""
    if not village_code:
        return "-"
    try:
        return region.village_name(village_code)
    except KeyError:
        return village_code


# ---- local time ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalZone:
    """Indonesian local time as people say it (``WIB``) and the zone that computes it."""

    name: str
    tz: ZoneInfo

    def at(self, moment: datetime) -> datetime:
        """``moment`` on this zone's clock."""
        return moment.astimezone(self.tz)

    def iso(self, moment: datetime) -> str:
        """``2026-11-23T17:21:00+07:00``: ISO 8601 with the offset, as machines read it (JSON, the API)."""
        return self.at(moment).isoformat(timespec="seconds")

    def show(self, moment: datetime, seconds: bool = False) -> str:
        """``2026-11-23 17:21 WIB`` (with seconds if asked)."""
        return self.at(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + f" {self.name}"

    @property
    def offset(self) -> str:
        """``+07:00``: the zone's offset from UTC (Indonesia keeps no summer time)."""
        return datetime(2026, 1, 1, tzinfo=self.tz).isoformat()[-6:]


ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
# Province (the first two digits of a Kemendagri code) to its time zone.
PROVINCE_ZONES = {
    # WIB: Sumatra and its islands, Java, West and Central Kalimantan
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"), "WIB"),
    **dict.fromkeys(("31", "32", "33", "34", "35", "36", "61", "62"), "WIB"),
    # WITA: Bali, West and East Nusa Tenggara, South, East and North Kalimantan, Sulawesi
    **dict.fromkeys(("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"), "WITA"),
    # WIT: Maluku, North Maluku and the Papua provinces
    **dict.fromkeys(("81", "82", "91", "92", "93", "94", "95", "96"), "WIT"),
}


def region_zone(region_code: str) -> LocalZone:
    """The local time of a kabupaten/kota from its province code: ``33.24`` (Kendal) is WIB, ``51.71`` WITA."""
    province = region_code.strip()[:2]
    name = PROVINCE_ZONES.get(province)
    if name is None:
        raise ValueError(f"no Indonesian province has the code {province!r} (from region {region_code!r})")
    return LocalZone(name, ZoneInfo(ZONES[name]))
