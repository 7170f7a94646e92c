"""Storing one inbound SMS with the job that will process it, in one transaction: the webhook's hot path, and
the spool's replay."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

import psycopg
import sqlalchemy.exc

from gateway.db import Database, begin_immediate, naive_utc, sqlite_stamp, utcnow
from gateway.jobs.kinds import PROCESS_INBOUND

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


# What a webhook meets when the database is unreachable, through SQLAlchemy's pool or the raw connection.
UNAVAILABLE = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, psycopg.OperationalError,
               psycopg.InterfaceError, sqlite3.OperationalError)  # fmt: skip


def store_inbound(database: Database, values: dict[str, Any]) -> int | None:
    """Store one inbound SMS and its processing job in one transaction; None when the provider id is known.

    Uses the pool's DBAPI connection directly: SQLAlchemy's Connection, events and reset-on-return cost more
    than the two inserts themselves, on the one path where every report arrives.
    """
    now = naive_utc(values.get("received_at") or utcnow())
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
    except UNAVAILABLE:
        connection.invalidate()  # SQLAlchemy does not see errors on the raw connection: drop it from the pool
        raise
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()  # back to the pool (an invalidated one is closed and replaced)
    return None if job is None else int(job[0])


def store_spooled(database: Database, message: dict[str, Any]) -> int | None:
    """Store a message the webhook spooled while the database was down (its times as ISO text)."""
    times = {key: datetime.fromisoformat(message[key]) if message.get(key) else None
             for key in ("sent_at", "received_at")}  # fmt: skip
    return store_inbound(database, {**message, **times})
