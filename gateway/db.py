"""The database: engine, sessions, and the migrations that build the schema."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC (moved by time_machine in tests)."""
    return datetime.now(UTC)


T = TypeVar("T")
MIGRATION_LOCK = 0x6761_7465  # PostgreSQL advisory lock key held while migrating ("gate")
IN_BATCH = 500  # values in one IN (...) list: far below every dialect's limit on bound parameters


def chunks(items: Sequence[T], size: int = IN_BATCH) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size``, for IN lists and multi-row inserts."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, in the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def naive_utc(moment: datetime) -> datetime:
    """The naive UTC form every UTCDateTime column stores."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def sqlite_stamp(moment: datetime | None) -> str | None:
    """A naive UTC datetime as SQLAlchemy's SQLite dialect writes it, for the few raw-SQL statements."""
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, hand back aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and writers that take the lock up front."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # No pre-ping: it costs a round trip on every checkout of the hot path; recycle instead, and a request
        # that meets a dead connection fails with 500, which the aggregator retries.
        return create_engine(parsed, pool_recycle=1800, pool_size=5, max_overflow=10)
    factory: type[sqlite3.Connection] = sqlite3.Connection
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        factory = writer_queue(Path(f"{parsed.database}.lock"))
    engine = create_engine(parsed, connect_args={"timeout": 30, "factory": factory})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below open transactions, so we can say BEGIN IMMEDIATE:
        # a reader that later writes would otherwise fail with SQLITE_BUSY instead of waiting.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        begin_immediate(connection.connection.driver_connection)

    return engine


def begin_immediate(dbapi_connection: sqlite3.Connection) -> None:
    """Start a SQLite write transaction, queueing on the writer lock first when the connection has one."""
    if isinstance(dbapi_connection, QueuedWriter):
        dbapi_connection.queue()
    dbapi_connection.execute("BEGIN IMMEDIATE")


class QueuedWriter(sqlite3.Connection):
    """A SQLite connection whose write transactions first queue on a file lock beside the database.

    SQLite's own busy handler polls: a writer that finds the database locked sleeps 1, 2, 5 … up to 100 ms
    before it looks again, so under a steady stream of short transactions (webhooks, workers, relay) waiters
    sleep through the gaps and throughput collapses. ``flock`` queues them in the kernel instead, which wakes
    the next one the moment a transaction ends. SQLite's lock stays the authority; this only orders the queue.
    """

    lock_path: Path
    _lock_fd = -1
    _lock_pid: int | None = None  # the process that opened _lock_fd: a forked child opens its own
    _locked = False

    def queue(self) -> None:
        """Wait for the writer lock (idempotent within one transaction)."""
        if self._lock_pid != os.getpid():  # first use, or in a forked child: its own file
            self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o640)
            self._lock_pid, self._locked = os.getpid(), False
        if not self._locked:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._locked = True

    def _dequeue(self) -> None:
        if self._locked and self._lock_pid == os.getpid():
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self._locked = False

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._dequeue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._dequeue()

    def close(self) -> None:
        self._dequeue()
        if self._lock_pid == os.getpid():
            os.close(self._lock_fd)
            self._lock_pid = None
        super().close()


def writer_queue(lock_path: Path) -> type[QueuedWriter]:
    """A QueuedWriter class bound to one database's lock file (sqlite3.connect takes a class, not an object)."""
    return type("QueuedWriter", (QueuedWriter,), {"lock_path": lock_path})


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session in a transaction: commit on success, roll back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def upgrade(self) -> None:
        """Bring the schema up to the newest migration, one process at a time.

        Every command upgrades first, so a worker and a relay started together would race on the same
        CREATE TABLE; the second waits here for the first and then finds nothing to do.
        """
        from alembic import command

        with self._migration_lock():
            command.upgrade(alembic_config(self), "head")

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """PostgreSQL: a session advisory lock; SQLite: a file lock beside the database file."""
        if self.is_sqlite:
            database = make_url(self.url).database
            if not database or database == ":memory:":
                yield
                return
            fd = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o640)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the lock
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(database: Database) -> Any:
    """Alembic's configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("gateway") / "migrations"))
    config.attributes["engine"] = database.engine
    return config
