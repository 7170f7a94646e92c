"""What the desk's tests share: users of each role, logging in with the test client, a roster, a report."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from gateway.accounts.users import add_user
from gateway.runtime import Runtime
from tests.conftest import exchange, load_roster
from tests.test_authority import ROSTER  # the same district's officers as the SMS authority tests

PASSWORD = "kata-sandi-rahasia-1"
REPORTER = "081234567890"


def make_user(rt: Runtime, username: str, role: str, agency: str | None = None, password: str = PASSWORD) -> None:
    with rt.db.session() as session:
        add_user(session, username, password, role, agency, rt.rules.agencies)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path``, as a browser would send it back."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def post_form(client: FlaskClient, path: str, data: dict[str, str], page: str = "/") -> str:
    """Post a desk form with its CSRF token, follow the redirect, return the page the user sees."""
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, page)}, follow_redirects=True)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def reported_incident(client: FlaskClient, rt: Runtime, text: str = "LAPOR BANJIR SUKODONO 25 KK") -> str:
    """The roster loaded and one report in by SMS; returns the confirmation the reporter got."""
    load_roster(rt, ROSTER)
    return exchange(client, rt, text, sender=REPORTER)
