"""Settings: defaults, then the environment, then a mapping passed to ``create_app``."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

SMS_BACKENDS = ("file", "africastalking")
LANGUAGES = ("id", "en")
AT_PRODUCTION_URL = "https://api.africastalking.com/version1"
AT_SANDBOX_URL = "https://api.sandbox.africastalking.com/version1"
_REGION_CODE = re.compile(r"^\d{2}\.\d{2}$")


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the gateway reads from its environment, typed and checked."""

    var_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = ""
    sms_backend: str = "file"
    sms_file_path: Path = Path()
    at_username: str = ""
    at_api_key: str = ""
    at_sender_id: str = ""
    at_api_url: str = ""
    webhook_secret: str = ""
    gateway_region: str = "33.24"
    default_language: str = "id"
    sms_max_attempts: int = 6
    sms_ttl_seconds: int = 24 * 3600
    sms_timeout_seconds: float = 10.0  # how long a provider may take to answer one send before it is in doubt
    relay_interval_seconds: float = 1.0
    routing_agencies_file: Path | None = None
    routing_rules_file: Path | None = None
    aid_programs_file: Path | None = None

    @property
    def redis_configured(self) -> bool:
        return bool(self.redis_url)

    @property
    def at_base_url(self) -> str:
        if self.at_api_url:
            return self.at_api_url.rstrip("/")
        return AT_SANDBOX_URL if self.at_username == "sandbox" else AT_PRODUCTION_URL


def env_str(env: Mapping[str, str], name: str, default: str = "") -> str:
    """Read a string, stripped; empty means the default."""
    value = env.get(name, "").strip()
    return value or default


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    """Read a whole number no smaller than ``minimum``."""
    raw = env_str(env, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_float(env: Mapping[str, str], name: str, default: float) -> float:
    """Read a positive number."""
    raw = env_str(env, name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def env_path(env: Mapping[str, str], name: str) -> Path | None:
    """Read the path of a file that must exist; unset means None."""
    raw = env_str(env, name)
    if not raw:
        return None
    path = Path(raw)
    if not path.is_file():
        raise ConfigError(f"{name} names {raw!r}, which is not a file")
    return path


def env_choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    """Read one of ``choices``, case-insensitive."""
    value = env_str(env, name, default).lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def load_settings(env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build settings from ``env`` (default: the process environment), then apply ``overrides``."""
    env = os.environ if env is None else env
    var_dir = Path(env_str(env, "GATEWAY_VAR_DIR", "var"))
    settings = Settings(
        var_dir=var_dir,
        database_url=env_str(env, "DATABASE_URL"),
        redis_url=env_str(env, "REDIS_URL"),
        sms_backend=env_choice(env, "SMS_BACKEND", SMS_BACKENDS, "file"),
        sms_file_path=Path(env_str(env, "SMS_FILE_PATH")) if env_str(env, "SMS_FILE_PATH") else Path(),
        at_username=env_str(env, "AT_USERNAME"),
        at_api_key=env_str(env, "AT_API_KEY"),
        at_sender_id=env_str(env, "AT_SENDER_ID"),
        at_api_url=env_str(env, "AT_API_URL"),
        webhook_secret=env_str(env, "WEBHOOK_SECRET"),
        gateway_region=env_str(env, "GATEWAY_REGION", "33.24"),
        default_language=env_choice(env, "DEFAULT_LANGUAGE", LANGUAGES, "id"),
        sms_max_attempts=env_int(env, "SMS_MAX_ATTEMPTS", 6, minimum=1),
        sms_ttl_seconds=env_int(env, "SMS_TTL_SECONDS", 24 * 3600, minimum=60),
        sms_timeout_seconds=env_float(env, "SMS_TIMEOUT_SECONDS", 10.0),
        relay_interval_seconds=env_float(env, "RELAY_INTERVAL_SECONDS", 1.0),
        routing_agencies_file=env_path(env, "ROUTING_AGENCIES_FILE"),
        routing_rules_file=env_path(env, "ROUTING_RULES_FILE"),
        aid_programs_file=env_path(env, "AID_PROGRAMS_FILE"),
    )
    if overrides:
        known = {f.name for f in fields(Settings)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        settings = replace(settings, **overrides)
    return _complete(settings)


def _complete(settings: Settings) -> Settings:
    """Fill derived defaults (paths under var/, the webhook secret) and check the whole."""
    var_dir = Path(settings.var_dir)
    changes: dict[str, Any] = {"var_dir": var_dir, "sms_file_path": Path(settings.sms_file_path)}
    if not settings.database_url:
        changes["database_url"] = f"sqlite:///{(var_dir / 'gateway.db').resolve()}"
    if changes["sms_file_path"] == Path():
        changes["sms_file_path"] = var_dir / "sent_sms.jsonl"
    if not settings.webhook_secret:
        changes["webhook_secret"] = _stored_secret(var_dir)
    settings = replace(settings, **changes)
    if not _REGION_CODE.match(settings.gateway_region):
        raise ConfigError(f"GATEWAY_REGION must be a kabupaten code like 33.24, got {settings.gateway_region!r}")
    if settings.sms_backend not in SMS_BACKENDS:
        raise ConfigError(f"SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)}; got {settings.sms_backend!r}")
    if settings.default_language not in LANGUAGES:
        raise ConfigError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
    if not settings.database_url.startswith(("sqlite", "postgresql")):
        raise ConfigError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
    if settings.redis_url and not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
    if len(settings.webhook_secret) < 16:
        raise ConfigError("WEBHOOK_SECRET must be at least 16 characters")
    return settings


def _stored_secret(var_dir: Path) -> str:
    """Return the secret kept in var/webhook_secret, creating it on first use."""
    path = var_dir / "webhook_secret"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its secret
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret
