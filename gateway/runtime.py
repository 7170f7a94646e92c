"""The parts one process of the gateway runs with: settings, database, Redis and its queue, SMS provider.

``Runtime`` holds connections and is built once per process (create_app, a CLI command, ``gateway worker``).
Domain code takes only what it needs: a session and the ``Setup`` (settings, region, rules, programs).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import redis
from rq import Queue

from gateway.config import Settings
from gateway.db import Database
from gateway.sms.base import Provider
from gateway.sms.providers import make_provider

if TYPE_CHECKING:
    from gateway.aid.programs import Program
    from gateway.inbound.spool import Spool
    from gateway.parsers import Region
    from gateway.routing import Rules
    from gateway.sms.pace import Pace

log = logging.getLogger(__name__)

QUEUE_NAME = "gateway"
REDIS_RETRY_SECONDS = 5.0  # after Redis fails, go without it this long before asking again


@dataclass(frozen=True)
class Setup:
    """What the district runs with, for domain code: its settings, region, routing rules and aid programs."""

    settings: Settings
    region: Region
    rules: Rules
    programs: dict[str, Program]


class Runtime:
    """What a web, worker or relay process needs, built once from settings and passed explicitly."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.redis: redis.Redis | None = None
        self.queue: Queue | None = None
        if settings.redis_url:
            self.redis = redis.Redis.from_url(
                settings.redis_url, socket_connect_timeout=0.5, socket_timeout=2.0, health_check_interval=30
            )
            self.queue = Queue(QUEUE_NAME, connection=self.redis)
        self._redis_down_until = 0.0

    @cached_property
    def provider(self) -> Provider:
        return make_provider(self.settings)

    @cached_property
    def pace(self) -> Pace:
        """The provider link's ceiling on sends per second (SMS_MAX_PER_SECOND), shared through Redis."""
        from gateway.sms.pace import Pace

        return Pace(self.settings.sms_max_per_second, self.redis, f"gateway:pace:{self.settings.sms_backend}")

    @property
    def provider_name(self) -> str:
        """The configured backend's name, without building the provider."""
        return self.settings.sms_backend

    @cached_property
    def region(self) -> Region:
        from gateway.parsers import load_region

        return load_region(self.settings.gateway_region)

    @cached_property
    def rules(self) -> Rules:
        """The routing rules: the shipped defaults, or the district's files named in the settings."""
        from gateway.routing import load_rules

        return load_rules(self.settings.routing_agencies_file, self.settings.routing_rules_file)

    @cached_property
    def programs(self) -> dict[str, Program]:
        """The aid programs, by code: the shipped file, or the district's (AID_PROGRAMS_FILE)."""
        from gateway.aid.programs import load_programs

        programs = load_programs(self.settings.aid_programs_file, known_agencies=self.rules.agencies)
        return dict(programs.by_code)

    @cached_property
    def spool(self) -> Spool:
        """Where the webhook keeps inbound SMS while the database is down (see gateway.inbound.spool)."""
        from gateway.inbound.spool import Spool

        return Spool(self.settings.var_dir / "spool")

    @cached_property
    def setup(self) -> Setup:
        return Setup(self.settings, self.region, self.rules, self.programs)

    def usable_queue(self) -> Queue | None:
        """The RQ queue, unless Redis is not configured or failed in the last few seconds."""
        if self.queue is None or time.monotonic() < self._redis_down_until:
            return None
        return self.queue

    def redis_failed(self, error: Exception) -> None:
        """Remember that Redis failed, so callers stop waiting on it for a while."""
        if time.monotonic() >= self._redis_down_until:
            log.warning("Redis unavailable (%s); working without it for %.0fs", type(error).__name__,
                        REDIS_RETRY_SECONDS)  # fmt: skip
        self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS

    def redis_state(self) -> str:
        """``ok``, ``unavailable`` or ``not configured``."""
        if self.redis is None:
            return "not configured"
        try:
            self.redis.ping()
        except redis.RedisError:
            return "unavailable"
        return "ok"

    def close(self) -> None:
        self.db.dispose()
        if self.redis is not None:
            self.redis.close()
