"""The incident's audit trail: who did what, when, through which channel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.models import IncidentEvent


def log_event(
    session: Session,
    incident_id: int,
    action: str,
    channel: str,
    detail: str = "",
    officer_id: int | None = None,
    phone: str | None = None,
    username: str | None = None,
) -> None:
    """Add one line to the incident's audit trail: by an officer (phone), a desk user (username) or the system."""
    session.add(IncidentEvent(incident_id=incident_id, at=utcnow(), action=action, channel=channel,
                              detail=detail, officer_id=officer_id, phone=phone, username=username))  # fmt: skip


def trail(session: Session, incident_id: int) -> list[IncidentEvent]:
    """The incident's audit trail, oldest first."""
    events = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id).order_by(IncidentEvent.id)
    return list(session.scalars(events))
