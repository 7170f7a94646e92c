"""POST /webhooks/sms: an SMS from a resident or an officer, as Africa's Talking forwards it."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response

from gateway.db import Database, begin_immediate, naive_utc, sqlite_stamp, utcnow
from gateway.jobs.kinds import PROCESS_INBOUND
from gateway.phones import normalize_phone
from gateway.webhooks import (
    bad_request,
    batcher,
    form_field,
    parse_provider_date,
    require_form,
    require_secret,
    runtime,
)

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__)
bp.before_request(require_secret)

MAX_TEXT = 4000  # a long concatenated SMS is ~1,600 characters; anything far past that is not an SMS
MAX_ID = 100


@bp.post("/webhooks/sms")
def inbound_sms() -> Response:
    """Store the message and its processing job in one transaction, answer 200, then hand the job off."""
    problem = require_form(("from", "to", "text", "id"))
    if problem:
        return problem
    phone = normalize_phone(form_field("from", MAX_ID))
    if phone is None:
        return bad_request("'from' is not a valid phone number")
    provider_id = form_field("id", MAX_TEXT).strip()
    if not provider_id or len(provider_id) > MAX_ID:
        return bad_request(f"'id' must be 1 to {MAX_ID} characters")
    text = form_field("text", MAX_TEXT, strip_nul=True)
    try:
        date = form_field("date", MAX_ID)
        sent_at = parse_provider_date(date) if date else None
    except ValueError:
        return bad_request("'date' is not a date and time")

    job_id = store_inbound(runtime().db, {
        "provider_id": provider_id, "phone": phone, "to": form_field("to", MAX_ID)[:30], "text": text,
        "link_id": form_field("linkId", MAX_ID) or None, "sent_at": sent_at,
    })  # fmt: skip
    if job_id is not None:
        batcher().submit([job_id])
    # else: a replayed callback; we have it already and change nothing
    return Response("", status=200)


# The hot path in plain SQL, one statement per table (one round trip on PostgreSQL): this webhook is where a
# flood of reports arrives, and the ORM's bookkeeping cost more than the inserts. A replayed provider id
# inserts nothing and returns no row.
SQLITE_INBOUND = (
    'INSERT INTO inbound_messages (provider_id, channel, phone, "to", text, link_id, sent_at, received_at) '
    "VALUES (?, 'sms', ?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id) DO NOTHING RETURNING id"
)
SQLITE_OUTBOX = (
    "INSERT INTO outbox_jobs (kind, ref_id, status, attempts, created_at, available_at) "
    f"VALUES ('{PROCESS_INBOUND}', ?, 'pending', 0, ?, ?) RETURNING id"
)
POSTGRES_BOTH = (
    'WITH m AS (INSERT INTO inbound_messages (provider_id, channel, phone, "to", text, link_id, sent_at, '
    "received_at) VALUES (%s, 'sms', %s, %s, %s, %s, %s, %s) ON CONFLICT (provider_id) DO NOTHING RETURNING id) "
    "INSERT INTO outbox_jobs (kind, ref_id, status, attempts, created_at, available_at) "
    f"SELECT '{PROCESS_INBOUND}', m.id, 'pending', 0, %s, %s FROM m RETURNING id"
)


def store_inbound(database: Database, values: dict[str, Any]) -> int | None:
    """Store one inbound SMS and its processing job in one transaction; None when the provider id is known.

    Uses the pool's DBAPI connection directly: SQLAlchemy's Connection, events and reset-on-return cost more
    than the two inserts themselves, on the one path where every report arrives.
    """
    now = naive_utc(utcnow())
    sent_at = naive_utc(values["sent_at"]) if values["sent_at"] else None
    row = (values["provider_id"], values["phone"], values["to"], values["text"], values["link_id"])
    connection = database.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if database.is_sqlite:
            stamp = sqlite_stamp(now)
            assert connection.driver_connection is not None
            begin_immediate(connection.driver_connection)  # autocommit connections; see make_engine
            inserted = cursor.execute(SQLITE_INBOUND, (*row, sqlite_stamp(sent_at), stamp)).fetchone()
            job = cursor.execute(SQLITE_OUTBOX, (inserted[0], stamp, stamp)).fetchone() if inserted else None
            connection.commit()
        else:
            # One statement is a transaction of its own: in autocommit it needs no BEGIN and COMMIT round trips.
            driver = connection.driver_connection
            assert driver is not None
            driver.autocommit = True
            try:
                cursor.execute(POSTGRES_BOTH, (*row, sent_at, now, now, now))
                job = cursor.fetchone()
            finally:
                driver.autocommit = False
        cursor.close()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()  # back to the pool
    return None if job is None else int(job[0])
