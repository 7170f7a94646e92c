"""Sending SMS: providers behind one interface, chosen by SMS_BACKEND. Nothing outside knows which."""

from __future__ import annotations

from collections.abc import Callable

from gateway.config import Settings
from gateway.sms.africas_talking import AfricasTalkingProvider
from gateway.sms.base import Accepted, Provider
from gateway.sms.errors import ProviderError
from gateway.sms.file import FileProvider

PROVIDERS: dict[str, Callable[[Settings], Provider]] = {
    "file": lambda s: FileProvider(s.sms_file_path),
    "africastalking": lambda s: AfricasTalkingProvider(s.at_username, s.at_api_key, s.at_sender_id, s.at_base_url),
}


def make_provider(settings: Settings) -> Provider:
    """Build the provider SMS_BACKEND names."""
    return PROVIDERS[settings.sms_backend](settings)


__all__ = ["PROVIDERS", "Accepted", "Provider", "ProviderError", "make_provider"]
