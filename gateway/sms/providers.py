"""The SMS providers, one module each, listed in one dict and chosen by SMS_BACKEND.

SMS_BACKEND may name an ordered list of links (``kannel,africastalking``, or ``kannel`` with
``KANNEL_SMSC=aggregator,modem``): ``Failover`` offers each SMS to the first link, and to the next only when a
link refused it or could not be reached. An answer that never came (in doubt) stops there: the link may have
it, and a second link sending it too would be the double the queue exists to prevent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway.config import Settings
from gateway.sms.africas_talking import AfricasTalkingProvider
from gateway.sms.base import Accepted, Provider
from gateway.sms.errors import ProviderError
from gateway.sms.file import FileProvider
from gateway.sms.kannel import KannelProvider
from gateway.sms.text import SmsText


def _kannel(settings: Settings) -> list[Provider]:
    """One Kannel link per smsc-id in KANNEL_SMSC (or one that lets Kannel route)."""
    s = settings
    return [KannelProvider(s.kannel_sendsms_url, s.kannel_username, s.kannel_password, smsc, s.gateway_public_url,
                           s.webhook_secret, read_timeout=s.sms_timeout_seconds)
            for smsc in s.kannel_smscs or ("",)]  # fmt: skip


PROVIDERS: dict[str, Callable[[Settings], list[Provider]]] = {
    "file": lambda s: [FileProvider(s.sms_file_path)],
    "africastalking": lambda s: [AfricasTalkingProvider(
        s.at_username, s.at_api_key, s.at_sender_id, s.at_base_url, read_timeout=s.sms_timeout_seconds
    )],
    "kannel": _kannel,
}  # fmt: skip


class Failover:
    """Links of the same shape, tried in order; which one took an SMS is in ``Accepted.link``."""

    def __init__(self, links: Sequence[Provider]) -> None:
        self.links = list(links)
        self.name = ",".join(link.name for link in self.links)
        self.last_error: dict[str, str] = {}  # this process's last failure per link, for /healthz
        self.sends_at_once = min(sends_at_once(link) for link in self.links)  # what every link can take

    def send(self, phone: str, sms: SmsText, ref: str = "") -> Accepted:
        """The first link that takes the SMS; a refusal or an unreachable link passes it on, doubt does not."""
        errors: list[ProviderError] = []
        for link in self.links:
            try:
                accepted = link.send(phone, sms, ref=ref)
            except ProviderError as error:
                error.link = error.link or link.name
                self.last_error[link.name] = str(error)[:200]
                if error.in_doubt:
                    raise
                errors.append(error)
                continue
            self.last_error.pop(link.name, None)
            return Accepted(accepted.message_id, accepted.status, accepted.link or link.name)
        if len(errors) == 1:
            raise errors[0]
        raise ProviderError("; ".join(f"{e.link}: {e}" for e in errors)[:480],
                            permanent=all(e.permanent for e in errors), link=errors[-1].link)  # fmt: skip


def sends_at_once(provider: Provider) -> int:
    """How many sends ``provider`` may be offered at the same time: its ``sends_at_once``, else one."""
    return int(getattr(provider, "sends_at_once", 1))


def make_provider(settings: Settings) -> Provider:
    """Build the links SMS_BACKEND names, in its order, behind one provider."""
    links = [link for backend in settings.sms_backends for link in PROVIDERS[backend](settings)]
    return links[0] if len(links) == 1 else Failover(links)


def link_states(provider: Provider) -> dict[str, str]:
    """Each link's state for /healthz: reachable or not (links that can tell), or this process's last failure."""
    links = provider.links if isinstance(provider, Failover) else [provider]
    failures = provider.last_error if isinstance(provider, Failover) else {}
    states = {}
    for link in links:
        probe: Callable[[], str] | None = getattr(link, "state", None)
        state = probe() if probe is not None else "configured"
        if state == "ok" or probe is None:
            state = f"last send failed: {failures[link.name]}" if link.name in failures else state
        states[link.name] = state
    return states
