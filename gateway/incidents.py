"""Incidents from reports: where a parsed report becomes an incident with a reference people can type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.models import InboundMessage, Incident, Report
from gateway.models.incidents import REF_OFFSET

if TYPE_CHECKING:
    from gateway.parsers import ParseResult

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


def hazard_label(hazard: str | None, language: str) -> str:
    """The hazard's name in ``language`` (``id`` or ``en``)."""
    labels = HAZARD_LABELS.get(hazard or "other", HAZARD_LABELS["other"])
    return labels[1] if language == "en" else labels[0]


def record_report(session: Session, inbound: InboundMessage, result: ParseResult, channel: str = "sms") -> Incident:
    """Store a complete report and the incident it opens; return the incident, its ``ref`` set."""
    now = utcnow()
    needs = " ".join(result.needs)
    incident = Incident(
        hazard=result.hazard, village_code=result.village_code, district_code=result.district_code,
        status="reported", households=result.households, people=result.people, houses=result.houses,
        needs=needs, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(incident)
    session.flush()
    incident.ref = str(REF_OFFSET + incident.id)
    session.add(
        Report(
            inbound_id=inbound.id, incident_id=incident.id, channel=channel, hazard=result.hazard,
            village_code=result.village_code, households=result.households, people=result.people,
            houses=result.houses, needs=needs, created_at=now,
        )
    )  # fmt: skip
    return incident
