"""Database models, one module per aggregate."""

from __future__ import annotations

from gateway.db import Base
from gateway.models.incidents import Dispatch, Incident, IncidentEvent, Report
from gateway.models.messages import InboundMessage, OutboundMessage, OutboundStatus
from gateway.models.outbox import OutboxJob, OutboxStatus
from gateway.models.people import Contact, Officer

__all__ = [
    "Base",
    "Contact",
    "Dispatch",
    "InboundMessage",
    "Incident",
    "IncidentEvent",
    "Officer",
    "OutboundMessage",
    "OutboundStatus",
    "OutboxJob",
    "OutboxStatus",
    "Report",
]
