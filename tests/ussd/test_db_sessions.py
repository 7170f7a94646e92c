"""USSD without Redis: sessions live in the database, expire after three minutes, and reports still flow."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway import create_app
from gateway.db import utcnow
from gateway.models import Contact, InboundMessage, Incident
from gateway.runtime import Runtime
from gateway.ussd.sessions import TTL_SECONDS
from tests.conftest import empty_tables, make_settings, relay_tick, sms_to
from tests.ussd.conftest import PHONE, dial, new_session, post_ussd

REPORT = ["1", "1", "8", "18", "25", "98", "1"]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"redis_url": ""}


def stored_sessions(rt: Runtime) -> dict[str, Any]:
    from gateway.models.ussd import UssdSession

    with rt.db.session() as session:
        return {row.session_id: row.expires_at for row in session.scalars(select(UssdSession))}


def test_without_redis_sessions_are_rows_and_reports_still_flow(client: FlaskClient, rt: Runtime) -> None:
    assert rt.redis is None
    session_id = new_session()
    screens = dial(client, REPORT, session_id=session_id)
    assert screens[-1].startswith("END Terima kasih. Laporan banjir di Sukodono, Kec. Kendal diterima. No. laporan: 1")
    expires = stored_sessions(rt)[session_id]
    assert timedelta(seconds=TTL_SECONDS - 5) < expires - utcnow() <= timedelta(seconds=TTL_SECONDS)
    assert post_ussd(client, session_id, "*".join(REPORT)) == screens[-1]  # a retry: same screen, nothing new
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
    relay_tick(rt)  # no Redis: the relay runs the send job itself
    assert sms_to(rt, PHONE) == [
        "Laporan banjir di Sukodono, Kec. Kendal diterima. No. laporan: 1001. Petugas akan menindaklanjuti."
    ]


def test_a_database_session_expires_after_three_minutes(client: FlaskClient, rt: Runtime) -> None:
    session_id = new_session()
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert post_ussd(client, session_id, "").startswith("CON Lapor & Bantuan")
        with rt.db.session() as session:
            session.add(Contact(phone=PHONE, language="en"))
        clock.shift(TTL_SECONDS - 10)
        assert post_ussd(client, session_id, "1").startswith("CON Jenis bencana:")  # still the session's language
        clock.shift(TTL_SECONDS + 1)
        assert post_ussd(client, session_id, "1").startswith("CON What happened?")  # a new session's state
        other = new_session()
        clock.shift(TTL_SECONDS + 1)
        post_ussd(client, other, "")
        assert list(stored_sessions(rt)) == [other]  # a new session clears out the expired rows


def test_when_redis_is_down_sessions_fall_back_to_the_database(tmp_path: Path, database_url: str, redis: Any) -> None:
    app = create_app(make_settings(tmp_path, database_url, redis_url="redis://127.0.0.1:1/15"))
    rt: Runtime = app.extensions["gateway"]
    empty_tables(rt.db)
    try:
        client = app.test_client()
        session_id = new_session()
        screens = dial(client, REPORT, session_id=session_id)
        assert screens[-1].startswith("END Terima kasih. Laporan banjir di Sukodono")
        assert session_id in stored_sessions(rt)
        assert post_ussd(client, session_id, "*".join(REPORT[:3])) == screens[3]
    finally:
        rt.close()
