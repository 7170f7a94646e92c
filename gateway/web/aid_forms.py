"""What the desk's aid forms send and what the page says back (pure): the pickup point and window start as
typed, the ledger's totals, and an allocation's outcome in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.aid.ledger import MAX_POINT, AllocationResult
from gateway.aid.report import REPORT_COLUMNS

COUNTED = REPORT_COLUMNS[2:]  # the ledger's numeric columns, after agency and desa
MAX_OVERRIDE = 200  # characters of an override reason: a sentence, not a letter
START_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")  # a phone's datetime-local input, and the CLI's --start
# A refusal reason of the ledger, as the desk says it (Bahasa Indonesia, English).
REFUSALS: dict[str, tuple[str, str]] = {
    "already_allocated": ("ganda dicegah (kategori ini sudah diberikan)", "doubles prevented (category already given)"),
    "not_eligible": ("tidak layak (tak ada anggota hidup yang layak)", "not eligible (no living eligible member)"),
    "not_in_registry": ("tidak ada di registri (perlu alasan pengecualian)", "not in the registry (needs an override)"),
}


class FormError(ValueError):
    """A field the desk cannot use; the message (in both languages) says what would do."""

    def __init__(self, indonesian: str, english: str) -> None:
        super().__init__(english)
        self.indonesian, self.english = indonesian, english

    def text(self, english: bool) -> str:
        return self.english if english else self.indonesian


def pickup_point(text: str) -> str:
    """The pickup point as typed, trimmed; 1 to MAX_POINT characters keep the pickup notice in one SMS."""
    point = " ".join(text.split())
    if not point or len(point) > MAX_POINT:
        raise FormError(f"Tempat pengambilan harus 1 sampai {MAX_POINT} huruf (agar SMS tetap satu).",
                        f"The pickup point must be 1 to {MAX_POINT} characters (to keep the pickup SMS in one SMS).")  # fmt: skip
    return point


def window_start(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """The window's start from local time as typed (``2026-11-24T08:00`` or ``2026-11-24 08:00``); empty: now."""
    typed = text.strip()
    if not typed:
        return now
    for pattern in START_FORMATS:
        try:
            return datetime.strptime(typed, pattern).replace(tzinfo=tz)
        except ValueError:
            continue
    raise FormError("Waktu mulai harus seperti 2026-11-24 08:00.", "The start must look like 2026-11-24 08:00.")


def override_reason(text: str) -> str | None:
    """The override reason, trimmed; None when empty (then unregistered households are refused)."""
    reason = " ".join(text.split())
    if len(reason) > MAX_OVERRIDE:
        raise FormError(f"Alasan pengecualian paling panjang {MAX_OVERRIDE} huruf.",
                        f"An override reason is at most {MAX_OVERRIDE} characters.")  # fmt: skip
    return reason or None


def totals(rows: Iterable[Mapping[str, object]]) -> dict[str, int]:
    """The ledger's numeric columns summed over agencies and desa."""
    summed = dict.fromkeys(COUNTED, 0)
    for row in rows:
        for column in COUNTED:
            summed[column] += int(str(row[column]))
    return summed


def refusal_words(reason: str, english: bool) -> str:
    indonesian, in_english = REFUSALS.get(reason, (reason.replace("_", " "),) * 2)
    return in_english if english else indonesian


def allocation_outcome(program_code: str, result: AllocationResult, english: bool) -> str:
    """``SEMBAKO: 2 allocated, 2 pickup SMS queued, 0 without a phone; refused: 2 doubles prevented (...)``."""
    if result.no_households:
        if english:
            return (f"{program_code}: nothing allocated: this incident has no affected households yet. Upload the "
                    "affected households' KK first.")  # fmt: skip
        return (f"{program_code}: tidak ada yang dialokasikan: kejadian ini belum punya KK terdampak. Unggah daftar "
                "KK terdampak dulu.")  # fmt: skip
    refused = ", ".join(f"{n} {refusal_words(reason, english)}" for reason, n in sorted(result.refused.items()))
    if english:
        return (f"{program_code}: {result.allocated} allocated, {result.notified} pickup SMS queued, "
                f"{result.without_phone} without a phone; refused: {refused or 'none'}")  # fmt: skip
    return (f"{program_code}: {result.allocated} dialokasikan, {result.notified} SMS pengambilan diantrekan, "
            f"{result.without_phone} tanpa telepon; ditolak: {refused or 'tidak ada'}")  # fmt: skip
