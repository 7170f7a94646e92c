"""Kannel, through its sendsms HTTP interface (smsbox): an operator's SMPP link or a GSM modem behind it.

sendsms answers (Kannel 1.4):
202 ``0: Accepted for delivery``, 202 ``3: Queued for later delivery``: accepted (Kannel's store keeps it).
4xx (403 ``Authorization failed for sendsms``, 400 ``Missing receiver number``, a number on a black list):
    refused; the same request can never pass: permanent.
5xx (``Sending failed``), no connection: transient, retry later (or the next link, see providers.Failover).
A read timeout: the request went out, Kannel may have taken it: in doubt, never resent blindly. The delivery
report Kannel calls back (``dlr-url``) carries our own outbound id, so a message in doubt is settled by it.
"""

from __future__ import annotations

import socket
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter

from gateway.sms.base import Accepted
from gateway.sms.errors import ProviderError
from gateway.sms.text import SmsText

CONNECT_TIMEOUT = 3.05  # seconds; nothing was sent when it passes
DLR_MASK = 31  # delivered, failed, buffered (queued on the SMSC), taken by the SMSC, rejected by the SMSC
CODING = {"GSM-7": "0", "UCS-2": "2"}
SENDS_AT_ONCE = 8  # sendsms with a dlr-mask answers in ~20 ms, once bearerbox has stored the SMS: little CPU


class KannelProvider:
    """One Kannel link: the sendsms URL, its user, and optionally the smsc-id it routes by."""

    def __init__(self, sendsms_url: str, username: str, password: str, smsc: str, callback_url: str,
                 secret: str, read_timeout: float = 10.0) -> None:  # fmt: skip
        self.name = f"kannel:{smsc}" if smsc else "kannel"
        self.sendsms_url = sendsms_url
        self.smsc = smsc
        self.credentials = {"username": username, "password": password}
        self.callback_url = callback_url.rstrip("/") + "/webhooks/kannel/dlr"
        self.secret = secret
        self.timeout = (CONNECT_TIMEOUT, read_timeout)
        self.sends_at_once = SENDS_AT_ONCE
        self.session = requests.Session()  # keep-alive connections, one per send at once (urllib3's pool is shared)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=SENDS_AT_ONCE)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def dlr_url(self, ref: str) -> str:
        """Where Kannel reports on the message: our own id and the link, with Kannel's %d (status) and %A."""
        query = urlencode({"secret": self.secret, "id": ref, "link": self.name})
        return f"{self.callback_url}?{query}&status=%d&answer=%A"

    def send(self, phone: str, sms: SmsText, ref: str = "") -> Accepted:
        """Offer one SMS to sendsms; GSM-7 as coding 0, anything else as UCS-2 (Kannel converts from UTF-8)."""
        params = {**self.credentials, "to": phone, "text": sms.text, "coding": CODING[sms.encoding],
                  "charset": "UTF-8"}  # fmt: skip
        if self.smsc:
            params["smsc"] = self.smsc
        if ref:
            params.update({"dlr-mask": str(DLR_MASK), "dlr-url": self.dlr_url(ref)})
        try:
            response = self.session.get(self.sendsms_url, params=params, timeout=self.timeout)
        except requests.ReadTimeout as error:  # the request went out: Kannel may have taken it
            raise ProviderError(
                f"{self.name} did not answer in time", permanent=False, in_doubt=True, link=self.name
            ) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            raise ProviderError(
                f"{self.name} unreachable: {type(error).__name__}", permanent=False, link=self.name
            ) from error
        answer = response.text.strip()[:200]
        if response.status_code in (200, 202) and answer[:2] in ("0:", "3:"):
            return Accepted(message_id=f"{self.name}:{ref}" if ref else self.name, status=answer[:30], link=self.name)
        if 400 <= response.status_code < 500:
            raise ProviderError(
                f"{self.name} refused the SMS ({response.status_code}): {answer}", permanent=True, link=self.name
            )
        raise ProviderError(f"{self.name} answered {response.status_code}: {answer}", permanent=False, link=self.name)

    def state(self) -> str:
        """``ok`` when sendsms takes connections, else why not (for /healthz); sends nothing."""
        parts = urlsplit(self.sendsms_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=0.5):
                return "ok"
        except OSError as error:
            return f"unreachable: {error.strerror or type(error).__name__}"
