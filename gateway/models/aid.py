"""The aid ledger: affected households, allocations (one per category per household per incident), refusals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow


class AffectedHousehold(Base):
    """A household an incident affected, and who said so (CSV, an officer's KORBAN SMS, a registered reporter)."""

    __tablename__ = "affected_households"
    __table_args__ = (UniqueConstraint("incident_id", "kk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kk: Mapped[str] = mapped_column(String(16))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))  # None: not in the registry
    source: Mapped[str] = mapped_column(String(12))  # csv | sms | registration | ussd
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Allocation(Base):
    """Aid given to one household for one incident.

    The one-door rule lives in the unique constraint on (incident, household, category): two agencies, or two
    workers, allocating the same category to the same household at the same moment cannot both succeed.

    Status::

        allocated ──pickup SMS──▶ notified ──AMBIL <code>──▶ collected
             └──────────────┴── window closed ──▶ expired
    """

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("incident_id", "household_id", "category"),
        Index("ix_allocations_status_window", "status", "window_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    program: Mapped[str] = mapped_column(String(30))
    agency: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[str] = mapped_column(String(40))  # as shown to people: "1 paket", "Rp 5.000.000"
    pickup_point: Mapped[str] = mapped_column(String(60))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="allocated")
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))


class AllocationRefusal(Base):
    """An allocation the ledger refused, and why: kept for the accountability report."""

    __tablename__ = "allocation_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kk: Mapped[str] = mapped_column(String(16))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    program: Mapped[str] = mapped_column(String(30))
    agency: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30))  # already_allocated | not_eligible | not_in_registry
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegistryImport(Base):
    """One import of the welfare registry extract, with what it changed."""

    __tablename__ = "registry_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
