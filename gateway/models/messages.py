"""SMS in and SMS out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow


class InboundMessage(Base):
    """One SMS as the aggregator handed it to us; unique on the provider's id, so replays change nothing."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    to: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    link_id: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the provider's `date`
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    intent: Mapped[str | None] = mapped_column(String(20))
    problem: Mapped[str | None] = mapped_column(String(30))


class OutboundStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    IN_DOUBT = "in_doubt"
    WITHHELD = "withheld"  # never sent: over the phone's reply budget, or to a country we do not send to
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"


class OutboundMessage(Base):
    """One SMS we send.

    Lifecycle::

        queued ──claim, just before it is offered──▶ sending ──provider accepted──▶ sent ──report──▶ delivered
          ▲                                            │  │                           └──report: failed/expired
          └──transient error (attempts < max, backoff)─┘  │
                                                          ├──permanent error, or attempts used up──▶ failed
                                                          └──no answer recorded (timeout, worker gone)──▶ in_doubt
        in_doubt ──an alert, once, after the delivery-report window──▶ queued
        queued past expires_at ──▶ expired
        withheld: stored and counted, never sent (a reply over the phone's budget, a number abroad)

    ``idempotency_key`` is unique: whatever asks for the same message twice gets the first row back. A worker
    marks one message ``sending`` at a time, with ``lease_until``: if it dies, at most that one is in doubt.
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (
        Index("ix_outbound_messages_status_next", "status", "next_attempt_at"),
        Index("ix_outbound_messages_phone_created", "phone", "created_at"),  # a phone's reply budget
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    text: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5))
    encoding: Mapped[str] = mapped_column(String(10))
    segments: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=OutboundStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(30))
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"), index=True)  # answered or caused
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_status: Mapped[str | None] = mapped_column(String(30))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    doubt_resends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
