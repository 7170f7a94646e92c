"""USSD session state, keyed by the aggregator's ``sessionId``: in Redis for three minutes, else in the database.

The screens themselves are recomputed from the inputs every time (see ``machine``); a session only pins what
must not change under the caller's feet (the phone and the language it started in) and remembers the last
answer, so a retried callback gets exactly the same screen without doing anything again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import timedelta

import redis
from sqlalchemy import delete, select

from gateway.db import dialect_insert, utcnow
from gateway.runtime import Runtime

TTL_SECONDS = 180  # the longest a network keeps a USSD session open
KEY_PREFIX = "ussd:"


@dataclass
class SessionState:
    """What one session remembers between callbacks."""

    phone: str
    language: str
    last_digest: str = ""  # of the last ``text`` answered: the inputs can hold a NIK, so never the text itself
    last_answer: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes | None) -> SessionState | None:
        """The state stored as JSON, or None when there is none or it cannot be read."""
        if not raw:
            return None
        try:
            values = json.loads(raw)
            return cls(**values) if isinstance(values, dict) else None
        except (ValueError, TypeError):
            return None


def digest(text: str) -> str:
    """A fingerprint of the inputs, to recognise a retried callback."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Sessions:
    """Load and save session state: Redis when it answers, else the ``ussd_sessions`` table."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def load(self, session_id: str) -> SessionState | None:
        """The session's state, or None when it is new or expired."""
        client = self._redis()
        if client is not None:
            try:
                return SessionState.from_json(client.get(KEY_PREFIX + session_id))
            except redis.RedisError as error:
                self.rt.redis_failed(error)
        return self._load_row(session_id)

    def save(self, session_id: str, state: SessionState, new: bool = False) -> None:
        """Store the state for another TTL_SECONDS; ``new`` sessions also clear out expired rows."""
        client = self._redis()
        if client is not None:
            try:
                client.set(KEY_PREFIX + session_id, state.to_json(), ex=TTL_SECONDS)
                return
            except redis.RedisError as error:
                self.rt.redis_failed(error)
        self._save_row(session_id, state, new)

    def _redis(self) -> redis.Redis | None:
        """The Redis client, unless Redis is not configured or failed in the last few seconds."""
        return self.rt.redis if self.rt.usable_queue() is not None else None

    def _load_row(self, session_id: str) -> SessionState | None:
        from gateway.models.ussd import UssdSession  # see gateway/models/ussd.py

        with self.rt.db.session() as session:
            raw = session.scalar(
                select(UssdSession.state).where(UssdSession.session_id == session_id,
                                                UssdSession.expires_at > utcnow())
            )  # fmt: skip
        return SessionState.from_json(raw)

    def _save_row(self, session_id: str, state: SessionState, new: bool) -> None:
        from gateway.models.ussd import UssdSession

        now = utcnow()
        expires_at = now + timedelta(seconds=TTL_SECONDS)
        with self.rt.db.session() as session:
            if new:
                session.execute(delete(UssdSession).where(UssdSession.expires_at <= now))
            insert = dialect_insert(session, UssdSession.__table__)
            session.execute(
                insert.values(session_id=session_id, state=state.to_json(), expires_at=expires_at)
                .on_conflict_do_update(index_elements=["session_id"],
                                       set_={"state": state.to_json(), "expires_at": expires_at})
            )  # fmt: skip
