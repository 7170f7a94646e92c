"""What can go wrong handing an SMS to a provider.

ProviderError            the provider did not take the message, or we cannot tell
├── permanent=True       it never will (bad number, blacklisted, no balance): do not retry
├── permanent=False      it may next time (gateway error, network down): retry with backoff
└── in_doubt=True        the request went out and no answer came back (read timeout): it may have been sent,
                         so it is not resent blindly
"""

from __future__ import annotations


class ProviderError(Exception):
    """The provider did not accept the message (``permanent``: a retry cannot help), or may have (``in_doubt``)."""

    def __init__(self, message: str, *, permanent: bool, in_doubt: bool = False, link: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.in_doubt = in_doubt
        self.link = link  # the link that failed, when SMS_BACKEND lists several
