"""Incidents from reports: clustering into one incident per hazard and desa, references, the audit trail."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, text, tuple_
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.models import InboundMessage, Incident, IncidentEvent, Report
from gateway.models.incidents import REF_OFFSET
from gateway.routing import IncidentFacts, Rules, merge_reports

if TYPE_CHECKING:
    from gateway.parsers import ParseResult, Region

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


def facts_of(incident: Incident) -> IncidentFacts:
    """What routing needs to know about an incident."""
    return IncidentFacts(
        hazard=incident.hazard, village_code=incident.village_code, district_code=incident.district_code,
        households=incident.households, people=incident.people, houses=incident.houses,
        needs=tuple(incident.needs.split()),
    )  # fmt: skip


def log_event(
    session: Session,
    incident_id: int,
    action: str,
    channel: str,
    detail: str = "",
    officer_id: int | None = None,
    phone: str | None = None,
) -> None:
    """Add one line to the incident's audit trail."""
    session.add(IncidentEvent(incident_id=incident_id, at=utcnow(), action=action, channel=channel,
                              detail=detail, officer_id=officer_id, phone=phone))  # fmt: skip


@dataclass(frozen=True)
class Recorded:
    incident: Incident
    created: bool
    before: IncidentFacts | None = None  # the joined incident's facts before this report


Cluster = tuple[str | None, str | None]  # (hazard, desa code): the reports of one cluster join one incident


class OpenIncidents:
    """The open incidents that a batch of reports may join, locked and read once for the whole batch.

    Reports of one hazard and desa are serialised, so two workers cannot open two incidents for them: SQLite
    transactions take the write lock up front (BEGIN IMMEDIATE); PostgreSQL takes an advisory lock per cluster,
    held until the transaction ends, for every cluster of the batch at once and in sorted order, so two
    workers' batches cannot deadlock.
    """

    def __init__(self, session: Session, rules: Rules, clusters: Iterable[Cluster]) -> None:
        self._open: dict[Cluster, Incident] = {}
        wanted = sorted({(h, v) for h, v in clusters if h and v})
        if not wanted:
            return
        if session.get_bind().dialect.name == "postgresql":
            keys = sorted({zlib.crc32(f"{h}|{v}".encode()) for h, v in wanted})
            session.execute(LOCK_CLUSTERS, {"keys": keys})
        candidates = session.scalars(
            select(Incident)
            .where(
                tuple_(Incident.hazard, Incident.village_code).in_(wanted),
                Incident.status.not_in(CLOSED),
                Incident.last_report_at >= utcnow() - rules.cluster_window,
            )
            .order_by(Incident.id.desc())
        )
        for incident in candidates:
            self._open.setdefault((incident.hazard, incident.village_code), incident)

    def find(self, cluster: Cluster) -> Incident | None:
        """The cluster's open incident (one an earlier message of the batch may have closed is not)."""
        incident = self._open.get(cluster)
        return incident if incident is not None and incident.status not in CLOSED else None

    def opened(self, incident: Incident) -> None:
        self._open[(incident.hazard, incident.village_code)] = incident


# One statement locks every cluster of a batch; unnest keeps the sorted order of the array.
LOCK_CLUSTERS = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k")


def record_report(
    session: Session, inbound: InboundMessage, result: ParseResult, rules: Rules, channel: str = "sms",
    open_incidents: OpenIncidents | None = None,
) -> Recorded:  # fmt: skip
    """Store a complete report: join the open incident of the same hazard and desa within the window, or open one.

    ``open_incidents`` is the batch's (see OpenIncidents); without it, the report's cluster is locked and read.
    """
    now = utcnow()
    new = IncidentFacts(
        hazard=result.hazard, village_code=result.village_code, district_code=result.district_code,
        households=result.households, people=result.people, houses=result.houses, needs=tuple(result.needs),
    )  # fmt: skip
    cluster = (new.hazard, new.village_code)
    if open_incidents is None:
        open_incidents = OpenIncidents(session, rules, [cluster])
    incident = open_incidents.find(cluster)
    created = incident is None
    before = None if incident is None else facts_of(incident)
    if incident is None:
        incident = Incident(
            hazard=new.hazard, village_code=new.village_code, district_code=new.kecamatan, status="reported",
            households=new.households, people=new.people, houses=new.houses, needs=" ".join(new.needs),
            created_at=now, updated_at=now, last_report_at=now,
        )  # fmt: skip
        session.add(incident)
        session.flush()
        incident.ref = str(REF_OFFSET + incident.id)
        open_incidents.opened(incident)
        log_event(session, incident.id, "created", channel, phone=inbound.phone)
    else:
        assert before is not None
        merged = merge_reports(before, new)
        incident.households, incident.people, incident.houses = merged.households, merged.people, merged.houses
        incident.needs = " ".join(merged.needs)
        incident.updated_at = incident.last_report_at = now
        log_event(session, incident.id, "report_joined", channel, phone=inbound.phone)
    session.add(
        Report(
            inbound_id=inbound.id, incident_id=incident.id, channel=channel, hazard=new.hazard,
            village_code=new.village_code, households=new.households, people=new.people, houses=new.houses,
            needs=" ".join(new.needs), created_at=now,
        )
    )  # fmt: skip
    return Recorded(incident, created, before)


def reporter_phones(session: Session, incident_id: int) -> list[str]:
    """Every distinct phone that reported this incident, in the order they reported."""
    phones = session.scalars(
        select(InboundMessage.phone)
        .join(Report, Report.inbound_id == InboundMessage.id)
        .where(Report.incident_id == incident_id)
        .order_by(Report.id)
    )
    return list(dict.fromkeys(phones))
