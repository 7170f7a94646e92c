"""The desk speaks Bahasa Indonesia or English: ``t("Kejadian", "Incidents")`` in a template picks one."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, request, session, url_for
from werkzeug.wrappers import Response

LANGUAGES = ("id", "en")

bp = Blueprint("language", __name__)


def current_language() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else str(request.environ.get("gateway.default_language", "id"))


def t(indonesian: str, english: str) -> str:
    """The text in the reader's language."""
    return english if current_language() == "en" else indonesian


@bp.post("/language")
def choose() -> Response:
    """Switch the desk's language (a form with the CSRF token, like every POST)."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(local_path(request.form.get("next", "")) or url_for("board.index"))


def local_path(target: str) -> str:
    """``target`` if it is a path on this site, else "": never a redirect to another host (``//x``, ``/\\x``)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return ""
    return target


def init_language(app: Flask, default: str) -> None:
    @app.before_request
    def _default_language() -> None:
        request.environ["gateway.default_language"] = default

    app.jinja_env.globals.update(t=t, current_language=current_language)
    app.register_blueprint(bp)
