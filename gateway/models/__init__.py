"""Database models, one module per aggregate."""

from __future__ import annotations

from gateway.db import Base
from gateway.models.accounts import AccessEvent, ApiToken, User
from gateway.models.aid import AffectedHousehold, Allocation, AllocationRefusal, RegistryImport
from gateway.models.incidents import Dispatch, Incident, IncidentEvent, Report
from gateway.models.messages import InboundMessage, OutboundMessage, OutboundStatus
from gateway.models.outbox import OutboxJob, OutboxStatus
from gateway.models.people import Contact, Household, Officer, Person
from gateway.models.ussd import UssdSession
from gateway.models.warnings import EarlyWarning, Subscription, WarningRecipient

__all__ = [
    "AccessEvent",
    "AffectedHousehold",
    "Allocation",
    "AllocationRefusal",
    "ApiToken",
    "Base",
    "Contact",
    "Dispatch",
    "EarlyWarning",
    "Household",
    "InboundMessage",
    "Incident",
    "IncidentEvent",
    "Officer",
    "OutboundMessage",
    "OutboundStatus",
    "OutboxJob",
    "OutboxStatus",
    "Person",
    "RegistryImport",
    "Report",
    "Subscription",
    "User",
    "UssdSession",
    "WarningRecipient",
]
