"""The disaster SMS & USSD gateway: ``create_app`` builds the web app that receives callbacks.

``create_app`` imports what it builds when it is called, so that importing a pure package (``gateway.parsers``,
``gateway.routing``, the USSD menus) loads neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from gateway.config import Settings

MAX_BODY = 64 * 1024  # a callback is a few hundred bytes; refuse anything far larger before reading it


def create_app(config: Settings | Mapping[str, Any] | None = None, *, runs_jobs: bool = False) -> Flask:
    """Build the app: settings, runtime (database, Redis, queue), relay and hand-off, one blueprint per surface,
    the desk and the API.

    ``runs_jobs``: without Redis, run jobs in this process (``gateway serve`` and the simulators); a web process
    under gunicorn leaves them to ``gateway relay``.
    """
    from flask import Flask

    from gateway import api, health, web
    from gateway.config import Settings, load_settings
    from gateway.jobs.relay import Batcher, Relay
    from gateway.logs import configure_logging
    from gateway.runtime import Runtime
    from gateway.webhooks import BadInput, bad_request, delivery, kannel, sms, ussd

    settings = config if isinstance(config, Settings) else load_settings(overrides=config)
    configure_logging()

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")  # the desk's pages
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    runtime = Runtime(settings)
    relay = Relay(runtime, runs_jobs=runs_jobs)
    app.extensions["gateway"] = runtime
    app.extensions["gateway_relay"] = relay
    app.extensions["gateway_batcher"] = Batcher(relay)

    app.register_blueprint(sms.bp)
    app.register_blueprint(delivery.bp)
    app.register_blueprint(ussd.bp)
    app.register_blueprint(kannel.bp)
    app.register_blueprint(health.bp)
    web.init_web(app, runtime)  # the coordinators' desk: login, board, incidents, aid, people, messages
    app.register_blueprint(api.bp)
    for callback in (sms.bp, delivery.bp, ussd.bp, kannel.bp, api.bp):
        web.csrf.exempt(callback)  # callers prove themselves with the shared secret or a bearer token, not a form
    app.register_error_handler(BadInput, lambda error: bad_request(str(error)))
    app.register_error_handler(404, api.not_found)  # JSON under /api/, the usual page elsewhere
    return app
