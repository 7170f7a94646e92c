"""Incidents and the reports that make them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow

REF_OFFSET = 1000  # references start at 1001: short to type, never confused with counts like "25"


class Incident(Base):
    """Something that happened somewhere, with the counts and needs reported so far.

    Status::

        reported ──OK──▶ acknowledged ──▶ responding ──SELESAI──▶ resolved
            └───────────────TOLAK (a false report)──────────────▶ rejected
    """

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_cluster", "hazard", "village_code", "status", "last_report_at"),
        Index("ix_incidents_board", "status", "last_report_at"),  # the desk's board: open ones, latest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(12), unique=True)
    hazard: Mapped[str | None] = mapped_column(String(20))
    village_code: Mapped[str | None] = mapped_column(String(13))
    district_code: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(15), default="reported")
    households: Mapped[int | None] = mapped_column(Integer)
    people: Mapped[int | None] = mapped_column(Integer)
    houses: Mapped[int | None] = mapped_column(Integer)
    needs: Mapped[str] = mapped_column(Text, default="")  # space-separated canonical needs
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_report_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # reports within the window join


class Report(Base):
    """One resident's report, as parsed, linked to the incident it joined."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_created_at", "created_at"),)  # the desk's reports-per-hour chart

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    hazard: Mapped[str | None] = mapped_column(String(20))
    village_code: Mapped[str | None] = mapped_column(String(13))
    households: Mapped[int | None] = mapped_column(Integer)
    people: Mapped[int | None] = mapped_column(Integer)
    houses: Mapped[int | None] = mapped_column(Integer)
    needs: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dispatch(Base):
    """One agency asked to act on one incident; unacknowledged, it escalates level by level."""

    __tablename__ = "dispatches"
    __table_args__ = (
        UniqueConstraint("incident_id", "agency"),
        Index("ix_dispatches_escalation", "acknowledged_at", "next_escalation_at"),
        Index("ix_dispatches_agency", "agency", "incident_id"),  # what an agency's desk user and token may see
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    agency: Mapped[str] = mapped_column(String(20))
    task: Mapped[str] = mapped_column(Text)  # what the agency is asked to do, in Bahasa
    task_en: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the agency's part is done (SELESAI)
    done_by: Mapped[int | None] = mapped_column(Integer)  # the officer who said so


class IncidentEvent(Base):
    """The audit trail: who changed what on an incident, when, and through which channel."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))  # sms | ussd | cli | web | api | system
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    username: Mapped[str | None] = mapped_column(String(64))  # the desk user who did it (web)
    phone: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
