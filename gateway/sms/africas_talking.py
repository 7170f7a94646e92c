"""Africa's Talking, through its official SDK.

Per-recipient status codes (SMSMessageData.Recipients[].statusCode):
100 Processed, 101 Sent, 102 Queued: accepted.
401 RiskHold, 402 InvalidSenderId, 403 InvalidPhoneNumber, 404 UnsupportedNumberType, 405 InsufficientBalance,
406 UserInBlacklist, 407 CouldNotRoute, 409 DoNotDisturbRejection: permanent, retrying cannot help.
500 InternalServerError, 501 GatewayError, 502 RejectedByGateway: transient, retry later.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService

from gateway.sms.base import Accepted
from gateway.sms.errors import ProviderError
from gateway.sms.text import SmsText

ACCEPTED = {100, 101, 102}
PERMANENT = {401, 402, 403, 404, 405, 406, 407, 409}
CONNECT_TIMEOUT = 3.05  # seconds; nothing was sent when it passes, so the message is simply retried


class AfricasTalkingProvider:
    name = "africastalking"

    def __init__(self, username: str, api_key: str, sender_id: str, base_url: str, read_timeout: float = 10.0) -> None:
        if not username or not api_key:
            raise ProviderError(
                "SMS_BACKEND=africastalking needs AT_USERNAME and AT_API_KEY to be set",
                permanent=False,  # an operator can fix it; the messages wait until then
            )
        self.sender_id = sender_id or None
        self.timeout = (CONNECT_TIMEOUT, read_timeout)  # a stuck provider must not hold a worker for long
        self.service = SMSService(username, api_key)
        # The SDK has no option for its endpoint; AT_API_URL points it at a sandbox or a local test server.
        self.service._baseUrl = base_url

    def send(self, phone: str, sms: SmsText, ref: str = "") -> Accepted:
        """Send one SMS and read the recipient's status code."""
        try:
            response = self.service.send(sms.text, [phone], sender_id=self.sender_id, timeout=self.timeout)
        except requests.ReadTimeout as error:  # the request went out: it may have been sent
            raise ProviderError("Africa's Talking did not answer in time", permanent=False, in_doubt=True) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            raise ProviderError(f"Africa's Talking unreachable: {type(error).__name__}", permanent=False) from error
        except AfricasTalkingException as error:
            # The SDK turns any non-2xx answer into this, keeping only the body; an auth failure is ours to fix.
            body = str(error)[:200]
            permanent = "authentication" in body.lower() or "invalid" in body.lower()
            raise ProviderError(f"Africa's Talking refused the request: {body}", permanent=permanent) from error
        except ValueError as error:  # the SDK's own phone check
            raise ProviderError(str(error), permanent=True) from error
        return _read(response)


def _read(response: Any) -> Accepted:
    """Turn the SDK's answer for one recipient into Accepted, or raise ProviderError.

    The SDK parses the body only when the Content-Type is exactly ``application/json``; with a parameter
    (``; charset=utf-8``) it hands back the text, which is read here the same way.
    """
    if isinstance(response, str):
        with contextlib.suppress(ValueError):
            response = json.loads(response)
    try:
        recipient = response["SMSMessageData"]["Recipients"][0]
        code = int(recipient["statusCode"])
    except (TypeError, KeyError, IndexError, ValueError):
        message = response.get("SMSMessageData", {}).get("Message") if isinstance(response, dict) else None
        raise ProviderError(f"unexpected answer from Africa's Talking: {message or response!r:.200}",
                            permanent=False) from None  # fmt: skip
    status = str(recipient.get("status", code))
    if code in ACCEPTED:
        return Accepted(message_id=str(recipient.get("messageId", "")), status=status)
    raise ProviderError(f"Africa's Talking status {code} {status}", permanent=code in PERMANENT)
