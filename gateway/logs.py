"""Logging that never shows personal data or the webhook secret."""

from __future__ import annotations

import logging
import re

from lokal.samaran import mask_pii
from lokal.samaran.logging import SamaranFilter

SECRET = re.compile(r"(secret=)[^&\s\"']+")


class SecretFilter(logging.Filter):
    """Blank the ``secret`` query parameter in request lines (werkzeug and gunicorn log URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "secret=" in message:
            record.msg, record.args = SECRET.sub(r"\1***", message), None
        return True


# Ten or more digits, maybe grouped by dots or dashes (3324.1501.0115.0001), or two numbers run together: what the
# SMS parser reads as a NIK, KK or phone, and lokal-id's detector may miss in those shapes.
DIGIT_RUN = re.compile(r"\d(?:[.\-]?\d){9,}")


def mask_text(text: str) -> str:
    """``text`` with NIK, KK and phone numbers partly masked, as the logs show them (a message's own words)."""
    return DIGIT_RUN.sub(_mask_run, mask_pii(text, mode="partial").text)


def _mask_run(found: re.Match[str]) -> str:
    """Keep a run's first and last four digits (and its separators); hide the digits between."""
    run = found.group()
    digits = [i for i, ch in enumerate(run) if ch.isdigit()]
    hidden = set(digits[4:-4])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(run))


def masking_filters() -> list[logging.Filter]:
    """The filters every handler of ours carries: personal data masked (lokal-id Samaran), secrets blanked."""
    return [SecretFilter(), SamaranFilter()]


def configure_logging(level: int = logging.INFO) -> None:
    """Give the root logger one masked stderr handler, once; mask any handler already there."""
    root = logging.getLogger()
    if not any(getattr(h, "_gateway_masked", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._gateway_masked = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for existing in root.handlers:
        if not any(isinstance(f, SamaranFilter) for f in existing.filters):
            for masking in masking_filters():
                existing.addFilter(masking)
