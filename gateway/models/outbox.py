"""The outbox: work committed with the data it is about, handed to queues after the commit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class OutboxJob(Base):
    """A job to run, by kind and the id of the row it works on (never personal data).

    Lifecycle::

        pending ──claim──▶ running ──▶ done
           ▲                  │
           ├── retry later ───┤ (available_at moves forward)
           │                  └──▶ failed (after MAX_ATTEMPTS)
           └── lease lapsed: the process running it is gone

    ``enqueued_at`` records the last hand-off to Redis; the relay hands a row again when Redis lost it.
    ``lease_until``: a running job's process renews it while it works; the relay takes back one it let lapse.
    """

    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_status_available", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
