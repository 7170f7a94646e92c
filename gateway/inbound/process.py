"""Process a batch of inbound messages: read each, act on it, queue the replies, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway import parsers
from gateway.db import utcnow
from gateway.inbound.act import Batch, act, tell_the_desk
from gateway.jobs.kinds import Outcome
from gateway.models import InboundMessage
from gateway.parsers import ParseResult
from gateway.runtime import Runtime
from gateway.sms.budget import ReplyBudget
from gateway.sms.queue import SmsRequest, queue_sms_keyed


def process_inbound(rt: Runtime, inbound_ids: Sequence[int]) -> list[Outcome]:
    """Parse and answer inbound SMS, each once, in one transaction; one Outcome per id, in order.

    A second run finds them processed and does nothing. What the reports of the batch need from the database
    (open incidents, contacts, registered households) is read once for all of them, and the replies are queued
    together: a batch costs a few statements more than one message. gateway.jobs.runner runs a failed batch again
    one message at a time, so a message that cannot be processed fails alone.
    """
    follow_up: dict[int, list[int]] = {}
    with rt.db.session() as session:
        messages = sorted(session.scalars(
            update(InboundMessage)
            .where(InboundMessage.id.in_(inbound_ids), InboundMessage.processed_at.is_(None))
            .values(processed_at=utcnow())
            .returning(InboundMessage)
        ).all(), key=lambda m: m.id)  # fmt: skip
        if not messages:  # processed already
            return [Outcome() for _ in inbound_ids]
        setup = rt.setup
        parsed = [(inbound, parsers.parse(inbound.text, setup.region)) for inbound in messages]
        _record_intents(session, parsed)
        batch = Batch(session, setup.rules, parsed)
        replies: list[SmsRequest] = []
        for inbound, result in parsed:
            contact = batch.contacts.get(inbound.phone)
            chosen = contact.language if contact else None
            language = chosen or result.detected_language or rt.settings.default_language
            reply = act(setup, session, inbound, result, language, batch)
            if result.intent != "report":  # a command may have changed what we know of the phone
                batch.reread(inbound.phone)
            if result.intent == "language" and result.language:
                language = result.language  # confirm the switch in the language just chosen
            replies.append(SmsRequest(inbound.phone, reply.template, language, f"reply:{inbound.id}", reply.values,
                                      inbound.id))  # fmt: skip
            follow_up[inbound.id] = reply.follow_up
        budget = ReplyBudget(session, rt.settings, (r.phone for r in replies))
        replies = [r if budget.take(r.phone) else replace(r, withheld="budget") for r in replies]
        jobs = queue_sms_keyed(session, rt.settings, replies)
        desk_jobs = tell_the_desk(session, setup, budget.exceeded)
        if desk_jobs and messages:
            follow_up.setdefault(messages[0].id, []).extend(desk_jobs)
    outcomes = []
    for inbound_id in inbound_ids:
        reply_job = jobs.get(f"reply:{inbound_id}")
        outcomes.append(Outcome(follow_up=tuple(([reply_job] if reply_job else []) + follow_up.get(inbound_id, []))))
    return outcomes


def _record_intents(session: Session, parsed: Sequence[tuple[InboundMessage, ParseResult]]) -> None:
    """Store what each message was read as: one UPDATE per kind of message, not one per message."""
    groups: dict[tuple[str, str | None], list[InboundMessage]] = {}
    for inbound, result in parsed:
        groups.setdefault((result.intent, result.problem), []).append(inbound)
    for (intent, problem), messages in groups.items():
        session.execute(RECORD_INTENT, {"ids": [m.id for m in messages], "intent": intent, "problem": problem})
        for inbound in messages:  # the session's copies say the same, with nothing left to flush
            set_committed_value(inbound, "intent", intent)
            set_committed_value(inbound, "problem", problem)


_INBOUND = cast(Table, InboundMessage.__table__)
RECORD_INTENT = (
    update(_INBOUND)
    .where(_INBOUND.c.id.in_(bindparam("ids", expanding=True)))
    .values(intent=bindparam("intent"), problem=bindparam("problem"))
)
