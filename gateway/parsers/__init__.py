"""SMS text to a structured command or report for one kabupaten: pure functions over plain data.

region = load_region("33.24")
parse("LAPOR BANJIR SUKODONO 25 KK", region).to_contract()
"""

from __future__ import annotations

from gateway.parsers.region import Place, Region, load_region
from gateway.parsers.result import (
    CONTRACT_KEYS,
    ContractValue,
    Hazard,
    Intent,
    Language,
    Need,
    ParseResult,
    Problem,
)
from gateway.parsers.sms import parse

__all__ = [
    "CONTRACT_KEYS",
    "ContractValue",
    "Hazard",
    "Intent",
    "Language",
    "Need",
    "ParseResult",
    "Place",
    "Problem",
    "Region",
    "load_region",
    "parse",
]
