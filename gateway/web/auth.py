"""Logging in and out of the desk, and the checks every page makes: logged in, and a role that may.

Passwords are checked against their scrypt hash; the login form is rate-limited per client address; a
disabled user or a changed password ends the sessions opened before (the cookie carries a version).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.accounts.roles import Actor
from gateway.accounts.users import Access, check_login, log_access
from gateway.incidents.board import visible_incident
from gateway.jobs.relay import Relay
from gateway.models import Incident, User
from gateway.web.extensions import limiter, login_manager
from gateway.web.language import local_path, t
from gateway.webhooks import runtime as runtime  # the runtime create_app bound to this app, for every page

bp = Blueprint("auth", __name__)

P = ParamSpec("P")
R = TypeVar("R")


class DeskUser(UserMixin):  # type: ignore[misc]
    """The logged-in user as the request sees it (a copy, not a database row)."""

    def __init__(self, user: User) -> None:
        self.user_id, self.username, self.role, self.agency = user.id, user.username, user.role, user.agency
        self.version = user.session_version

    def get_id(self) -> str:
        return f"{self.user_id}:{self.version}"

    @property
    def actor(self) -> Actor:
        return Actor(name=self.username, role=self.role, agency=self.agency, channel="web")


@contextmanager
def db_session() -> Iterator[Session]:
    """A database session for this request: committed when the block ends without an error."""
    with runtime().db.session() as session:
        yield session


def hand_off(jobs: Sequence[int]) -> None:
    """After the commit: the SMS an action queued go to the app's relay (Redis, or this process without it)."""
    relay: Relay = current_app.extensions["gateway_relay"]
    relay.hand_off(jobs)


def incident_or_404(session: Session, ref: str) -> Incident:
    """The incident ``ref`` if the user may see it; 404 otherwise, as if it did not exist."""
    incident = visible_incident(session, current_actor(), ref)
    if incident is None:
        abort(404)
    return incident


def current_actor() -> Actor:
    actor: Actor = current_user.actor
    return actor


def access() -> Access:
    """Who is asking, for the access audit: the logged-in user (if any) and the client's address."""
    if current_user.is_authenticated:
        return Access(current_user.username, current_user.user_id, request.remote_addr)
    return Access("-", None, request.remote_addr)


def load_user(user_id: str) -> DeskUser | None:
    """The user of a session cookie, unless disabled or their password changed since it was issued."""
    number, _, version = user_id.partition(":")
    if not number.isdigit() or not version.isdigit():
        return None
    with db_session() as session:
        user = session.get(User, int(number))
        if user is None or user.disabled_at is not None or user.session_version != int(version):
            return None
        return DeskUser(user)


login_manager.user_loader(load_user)
login_manager.login_view = "auth.login"
login_manager.login_message = ""  # the login page says what to do


def roles(*allowed: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A page or action only for ``allowed`` roles (403 for the others); always behind the login."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped: Callable[P, R] = login_required(checked)
        return wrapped

    return decorate


def login_limit() -> str:
    return f"{runtime().settings.login_attempts_per_minute} per minute"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login() -> Response | str:
    """The login form (``username``, ``password``); a wrong pair gets the same answer whichever was wrong."""
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    if request.method == "POST":
        username = request.form.get("username", "")[:64]
        with db_session() as session:
            user = check_login(session, username, request.form.get("password", ""))
            if user is None:
                log_access(session, Access(username, None, request.remote_addr), "login_failed")
            else:
                log_access(session, Access(user.username, user.id, request.remote_addr), "login")
                desk_user = DeskUser(user)
        if user is not None:
            login_user(desk_user)
            return redirect(_next_page())
        flash(t("Nama pengguna atau kata sandi salah.", "Wrong username or password."), "error")
        return render_template("login.html", username=username), 401  # type: ignore[return-value]
    return render_template("login.html", username="")


@bp.errorhandler(429)
def too_many_attempts(error: Exception) -> tuple[str, int]:
    """The login limit: the form again, saying to wait a minute (the limit counts per client address)."""
    flash(t("Terlalu banyak percobaan masuk dari alamat ini. Tunggu satu menit lalu coba lagi.",
            "Too many login attempts from this address. Wait a minute and try again."), "error")  # fmt: skip
    return render_template("login.html", username=request.form.get("username", "")[:64]), 429


def _next_page() -> str:
    return local_path(request.args.get("next", "")) or url_for("board.index")


@bp.post("/logout")
@roles("coordinator", "agency", "viewer")
def logout() -> Response:
    with db_session() as session:
        log_access(session, access(), "logout")
        user = session.get(User, current_user.user_id)
        if user is not None:
            user.session_version += 1  # a copy of the cookie (another tab, another device) stops working too
    logout_user()
    flash(t("Anda sudah keluar.", "You are logged out."), "info")
    return redirect(url_for("auth.login"))
