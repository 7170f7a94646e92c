"""Database models, one module per aggregate."""

from __future__ import annotations

from gateway.db import Base
from gateway.models.incidents import Incident, Report
from gateway.models.messages import InboundMessage, OutboundMessage, OutboundStatus
from gateway.models.outbox import OutboxJob, OutboxStatus
from gateway.models.people import Contact

__all__ = [
    "Base",
    "Contact",
    "InboundMessage",
    "Incident",
    "OutboundMessage",
    "OutboundStatus",
    "OutboxJob",
    "OutboxStatus",
    "Report",
]
