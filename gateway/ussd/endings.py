"""The END screen of an effect's outcome: what the caller reads after the gateway did what the menu asked (pure)."""

from __future__ import annotations

from gateway.aid.pickup_list import HIDDEN, list_pickups
from gateway.incidents.labels import hazard_label
from gateway.ussd.effects import (
    Effect,
    Linked,
    NotInRegistry,
    Outcome,
    Pickups,
    ReportAccepted,
    SubmitReport,
    Watched,
)
from gateway.ussd.machine import BODY, Screen, end
from gateway.ussd.menus import TEXTS, say


def conclude(effect: Effect, outcome: Outcome) -> Screen:
    """The END screen for an effect's outcome, in the session's language (the new one after a switch)."""
    language = effect.language
    if isinstance(outcome, ReportAccepted):
        hazard = hazard_label(effect.hazard if isinstance(effect, SubmitReport) else None, language)
        return end(say("report_received", language, hazard=hazard, place=outcome.place, ref=outcome.ref))
    if isinstance(outcome, Pickups):
        return end(_pickups(outcome, language))
    if isinstance(outcome, Linked):
        text = "registered" if outcome.vouched else "registered_pending"
        return end(say(text, language, kk=outcome.kk, village=outcome.village))
    if isinstance(outcome, NotInRegistry):
        return end(say("register_throttled" if outcome.throttled else "register_unknown", language))
    if isinstance(outcome, Watched):
        return end(_watched(outcome, language))
    return end(say("language_set", outcome.language))


def _watched(outcome: Watched, language: str) -> str:
    """The desa the caller is warned about, as many as fit the screen."""
    if outcome.stopped:
        return say("watching_stopped", language)
    if not outcome.places:
        return say("watching_none", language)
    room = BODY - len(say("watching", language, places=""))
    shown = list(outcome.places)
    while len("; ".join(shown)) > room and len(shown) > 1:
        shown.pop()
    more = len(outcome.places) - len(shown)
    places = "; ".join(shown) + (f" +{more}" if more else "")
    return say("watching", language, places=places)


def _pickups(outcome: Pickups, language: str) -> str:
    """As many pickups as fit the screen, soonest first, then how many more."""
    if not outcome.items:
        return say("pickups_none" if outcome.linked else "pickups_unlinked", language)
    title = say("pickups", language)
    hidden = say("codes_hidden", language) if any(p.code == HIDDEN for p in outcome.items) else ""
    room = BODY - len(title) - 1 - (len(hidden) + 1 if hidden else 0)
    listed = list_pickups(outcome.items, language, room, "\n", more=TEXTS["more_pickups"])
    return "\n".join(part for part in (title, listed, hidden) if part)
