"""What can go wrong handing an SMS to a provider.

ProviderError            the provider did not take the message
├── permanent=True       it never will (bad number, blacklisted, no balance): do not retry
└── permanent=False      it may next time (gateway error, network down): retry with backoff
"""

from __future__ import annotations


class ProviderError(Exception):
    """The provider did not accept the message; ``permanent`` says whether a retry can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent
