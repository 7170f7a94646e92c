"""The SMS providers, one module each, listed in one dict and chosen by SMS_BACKEND."""

from __future__ import annotations

from collections.abc import Callable

from gateway.config import Settings
from gateway.sms.africas_talking import AfricasTalkingProvider
from gateway.sms.base import Provider
from gateway.sms.file import FileProvider

PROVIDERS: dict[str, Callable[[Settings], Provider]] = {
    "file": lambda s: FileProvider(s.sms_file_path),
    "africastalking": lambda s: AfricasTalkingProvider(
        s.at_username, s.at_api_key, s.at_sender_id, s.at_base_url, read_timeout=s.sms_timeout_seconds
    ),
}


def make_provider(settings: Settings) -> Provider:
    """Build the provider SMS_BACKEND names."""
    return PROVIDERS[settings.sms_backend](settings)
