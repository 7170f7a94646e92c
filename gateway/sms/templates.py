"""Outbound texts: one file per message and language in ``templates_sms/``, rendered in one place."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

from gateway.sms.text import SmsText, prepare

LANGUAGES = ("id", "en")


class TemplateError(LookupError):
    """A template is missing, or was rendered without one of its fields."""


@cache
def _load(name: str, language: str) -> string.Template:
    path = resources.files("templates_sms") / f"{name}.{language}.txt"
    try:
        return string.Template(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        raise TemplateError(f"no template {name}.{language}.txt in templates_sms/") from None


def render(name: str, language: str, **values: object) -> SmsText:
    """Fill template ``name`` in ``language`` (falling back to Bahasa) and prepare it for sending."""
    if language not in LANGUAGES:
        language = "id"
    try:
        text = _load(name, language).substitute({k: str(v) for k, v in values.items()})
    except KeyError as missing:
        raise TemplateError(f"template {name}.{language} needs the value {missing}") from None
    return prepare(text)


def template_names() -> list[str]:
    """Every template name with at least one language file."""
    files = resources.files("templates_sms").iterdir()
    return sorted({f.name.split(".")[0] for f in files if f.name.endswith(".txt")})
