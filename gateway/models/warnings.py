"""Early warnings: phones watching a desa, the warnings BPBD sends to an area, and each warning's recipients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow


class Subscription(Base):
    """A phone that asked (PANTAU, or the USSD menu) to be warned about one desa."""

    __tablename__ = "warning_subscriptions"
    __table_args__ = (UniqueConstraint("phone", "village_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    village_code: Mapped[str] = mapped_column(String(13), index=True)  # who is warned for an area: by desa
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EarlyWarning(Base):
    """One warning to one or more areas: its text, who sent it and when (the audit log), and its progress.

    ``key`` makes a re-run of the same command resume the same warning instead of sending it twice.
    """

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(100), unique=True)
    areas: Mapped[str] = mapped_column(Text)  # kecamatan and desa codes, space-separated, as the operator named them
    level: Mapped[str] = mapped_column(String(10))  # waspada | siaga | awas
    text: Mapped[str] = mapped_column(Text)  # what the operator typed
    sent_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int | None] = mapped_column(Integer)  # set once the recipients are chosen
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # every recipient's SMS queued
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(120))


class WarningRecipient(Base):
    """One phone a warning goes to, once however it qualifies, and the SMS queued for it."""

    __tablename__ = "warning_recipients"
    __table_args__ = (
        UniqueConstraint("warning_id", "phone"),
        Index("ix_warning_recipients_warning_outbound", "warning_id", "outbound_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"))
    phone: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    outbound_id: Mapped[int | None] = mapped_column(Integer)  # the outbound_messages row, once queued
