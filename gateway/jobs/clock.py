"""The relay's clock: escalation of unanswered alerts, pickup reminders and expiry, on every relay tick."""

from __future__ import annotations

from collections.abc import Callable

from gateway.aid.pickups import remind_and_expire
from gateway.incidents.alerts import escalate_due
from gateway.jobs.relay import Relay
from gateway.sms.send import settle_doubt


def run_escalations(relay: Relay) -> int:
    """Escalate the unanswered alerts that are due, then hand their SMS off; return how many were queued."""
    rt = relay.rt
    with rt.db.session() as session:
        jobs = escalate_due(session, rt.settings, rt.rules, rt.region)
    relay.hand_off(jobs)
    return len(jobs)


def run_aid_clock(relay: Relay) -> int:
    """Expire closed pickup windows and remind households whose window closes within a day."""
    rt = relay.rt
    with rt.db.session() as session:
        jobs = remind_and_expire(session, rt.settings, rt.programs)
    relay.hand_off(jobs)
    return len(jobs)


def clock(relay: Relay) -> list[Callable[[], int]]:
    """The steps a relay loop runs before each tick."""
    return [lambda: run_escalations(relay), lambda: run_aid_clock(relay), lambda: settle_doubt(relay.rt)]
