"""Phone numbers: normalise to E.164, mask for logs."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "ID"


@lru_cache(maxsize=65536)  # the same phones text again and again; parsing one costs ~50 µs
def normalize_phone(raw: str) -> str | None:
    """Return ``raw`` as E.164 (``+6281234567890``), or None when it is not a valid number.

    Indonesian numbers come as ``0812…``, ``62812…`` or ``+62812…``; foreign ones need their ``+``.
    """
    text = raw.strip()
    if not text or len(text) > 32:
        return None
    if text.startswith("62") and text[:1] != "+":
        text = "+" + text
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """Keep the country code and last three digits: ``+62*******890``."""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]


@lru_cache(maxsize=65536)
def country_of(phone: str) -> str | None:
    """The ISO 3166 country of an E.164 number (``ID`` for +62…), or None when it has none."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return None
