"""One inbound message, SMS or USSD: parse it, act on it, reply.

``process`` runs a batch of stored SMS (the PROCESS_INBOUND job); ``act`` is what one message does, and USSD
reports take its ``accept_report`` path too.
"""

from __future__ import annotations

from gateway.inbound.act import accept_report
from gateway.inbound.process import process_inbound

__all__ = ["accept_report", "process_inbound"]
