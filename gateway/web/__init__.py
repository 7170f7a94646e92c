"""The coordinators' desk: server-rendered pages for the browser (often a phone), in Bahasa Indonesia and English.

``init_web`` binds the extensions (login, CSRF on every form, a login rate limit shared through Redis), sets
the session cookie's flags, and registers one blueprint per area of the desk.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.runtime import Runtime
from gateway.web.extensions import csrf, limiter, login_manager

__all__ = ["csrf", "init_web"]

SESSION_HOURS = 12  # one shift


def init_web(app: Flask, runtime: Runtime) -> None:
    """Bind the desk to ``app``: cookies, CSRF, login, rate limits, language, and its blueprints."""
    from gateway.accounts.roles import ROLE_LABELS
    from gateway.aid.codes import mask_codes
    from gateway.db import utcnow
    from gateway.incidents.labels import ACTION_LABELS, NEED_LABELS, STATE_LABELS, STATUS_LABELS, hazard_label, label
    from gateway.logs import mask_text
    from gateway.phones import mask_phone
    from gateway.web import aid, auth, board, charts, incident, language, people

    settings = runtime.settings
    app.secret_key = settings.secret_key
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.gateway_public_url.startswith("https://"),  # Secure behind HTTPS
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_SWALLOW_ERRORS=True,  # Redis down: count in this process rather than refuse every login
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_KEY_PREFIX="gateway-desk",
    )
    if settings.trusted_proxies:  # behind HTTPS proxies: the client's own address (login limit) and scheme
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    language.init_language(app, settings.default_language)
    app.jinja_env.globals.update(
        hazard_name=lambda hazard: hazard_label(hazard, language.current_language()), now_utc=utcnow,
        need_names=lambda needs: ", ".join(label(NEED_LABELS, n, language.current_language()) for n in needs.split()),
        status_name=lambda status: label(STATUS_LABELS, status, language.current_language()),
        state_name=lambda state: label(STATE_LABELS, state, language.current_language()),
        role_name=lambda role: label(ROLE_LABELS, role, language.current_language()),
        action_name=lambda action: label(ACTION_LABELS, action, language.current_language()),
        mask_phone=mask_phone, mask_text=lambda text: mask_codes(mask_text(text)),
    )  # fmt: skip
    app.register_error_handler(CSRFError, form_expired)
    for blueprint in (auth.bp, board.bp, incident.bp, aid.bp, people.bp, charts.bp):
        app.register_blueprint(blueprint)


def form_expired(error: CSRFError) -> tuple[str, int]:
    """A form posted without its CSRF token (or with an old one): 400, and what to do about it."""
    return render_template("form_expired.html", reason=error.description), 400
