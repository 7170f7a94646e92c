"""USSD fixtures: sessions and the callbacks Africa's Talking posts for each step."""

from __future__ import annotations

import itertools

from flask.testing import FlaskClient

from tests.conftest import SECRET

PHONE = "+6281234567890"


_sessions = itertools.count(1)


def new_session() -> str:
    """A fresh Africa's Talking session id."""
    return f"ATUid_{next(_sessions):08d}"


def ussd_form(session_id: str, text: str, phone: str = PHONE, **fields: str) -> dict[str, str]:
    """What Africa's Talking posts for one step of a USSD session."""
    form = {"sessionId": session_id, "serviceCode": "*123#", "phoneNumber": phone, "networkCode": "51010",
            "text": text}  # fmt: skip
    form.update(fields)
    return form


def post_ussd(client: FlaskClient, session_id: str, text: str, phone: str = PHONE) -> str:
    """Post one callback; assert it was answered as a screen, and return the body (``CON …``/``END …``)."""
    response = client.post("/webhooks/ussd", query_string={"secret": SECRET}, data=ussd_form(session_id, text, phone))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert body.startswith(("CON ", "END ")) and len(body) <= 182, body
    assert client.application.extensions["gateway_batcher"].wait_idle()
    return body


def dial(client: FlaskClient, keys: list[str], phone: str = PHONE, session_id: str | None = None) -> list[str]:
    """Walk a whole session as Africa's Talking does (all inputs so far, joined by ``*``); return every screen."""
    session_id = session_id or new_session()
    screens = [post_ussd(client, session_id, "", phone)]
    for n in range(1, len(keys) + 1):
        screens.append(post_ussd(client, session_id, "*".join(keys[:n]), phone))
    return screens
