"""How incidents are named in SMS, menus and listings, in Bahasa and English (pure: no database)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.models import Incident
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


def hazard_label(hazard: str | None, language: str) -> str:
    """The hazard's name in ``language`` (``id`` or ``en``)."""
    labels = HAZARD_LABELS.get(hazard or "other", HAZARD_LABELS["other"])
    return labels[1] if language == "en" else labels[0]


def hazard_keyword(hazard: str | None, language: str) -> str:
    """The word to type for the hazard, for the example command in a reply."""
    keywords = HAZARD_KEYWORDS.get(hazard or "other", HAZARD_KEYWORDS["other"])
    return keywords[1] if language == "en" else keywords[0]


def facts_summary(incident: Incident, language: str) -> str:
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
