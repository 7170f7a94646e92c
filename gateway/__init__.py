"""The disaster SMS & USSD gateway: ``create_app`` builds the web app that receives callbacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from gateway.config import Settings, load_settings
from gateway.logs import configure_logging
from gateway.outbox import Batcher, Relay
from gateway.runtime import Runtime

MAX_BODY = 64 * 1024  # a callback is a few hundred bytes; refuse anything far larger before reading it


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, Redis and queue, one blueprint per inbound surface."""
    settings = config if isinstance(config, Settings) else load_settings(overrides=config)
    configure_logging()

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    runtime = Runtime(settings)
    app.extensions["gateway"] = runtime
    relay = Relay(runtime)
    app.extensions["gateway_relay"] = relay
    app.extensions["gateway_batcher"] = Batcher(relay)

    from gateway import health
    from gateway.webhooks import delivery, sms, ussd

    app.register_blueprint(sms.bp)
    app.register_blueprint(delivery.bp)
    app.register_blueprint(ussd.bp)
    app.register_blueprint(health.bp)
    return app
