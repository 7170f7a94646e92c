"""Every SMS template, filled with the longest values it can get, stays in GSM-7 and in its segment budget."""

from __future__ import annotations

from pathlib import Path

import pytest

import templates_sms
from gateway.incidents.alerts import Escalated, digest_values
from gateway.incidents.labels import HAZARD_KEYWORDS, HAZARD_LABELS, NEED_LABELS
from gateway.models import Dispatch, Incident, Officer
from gateway.parsers import load_region
from gateway.sms.templates import LANGUAGES, render, template_names
from gateway.sms.text import count_segments, prepare, to_gsm7
from gateway.warnings.send import WarningError, check_text
from gateway.warnings.subscriptions import LIST_ROOM

REGION = load_region("33.24")
LONGEST_DISTRICT = max((name for _, name in REGION.districts()), key=len)
LONGEST_VILLAGE = max((name for code, _ in REGION.districts() for _, name in REGION.villages(code)), key=len)
LONGEST_HAZARD = max((label for labels in HAZARD_LABELS.values() for label in labels), key=len).upper()
LONGEST_KEYWORD = max((word for words in HAZARD_KEYWORDS.values() for word in words), key=len)
LONGEST_NEEDS = ", ".join(sorted((label for label, _ in NEED_LABELS.values()), key=len)[-4:]) + ", dll"
AGENCIES = ("BAZNAS", "BPBD", "DINSOS", "PMI", "RELAWAN", "TAGANA")


def longest_digest() -> str:
    """The longest list an escalation digest carries: 30 reports of six agencies each at the longest desa."""
    village = next(c for d, _ in REGION.districts() for c, name in REGION.villages(d) if name == LONGEST_VILLAGE)
    desk = Officer(id=1, phone="+6281100000006", agency="PUSDALOPS", role="officer")
    items = [Escalated(desk, Incident(id=n, ref=str(100000 + n), hazard="wildfire", village_code=village),
                       Dispatch(id=10 * n + k, agency=agency), 2)
             for n in range(30) for k, agency in enumerate(AGENCIES)]  # fmt: skip
    return min((str(digest_values(REGION, items, language)["escalated"]) for language in LANGUAGES), key=len)


def longest_warning() -> str:
    """The longest warning text `gateway warn` accepts (it refuses what would need a third segment)."""
    for length in range(320, 0, -1):
        try:
            check_text(REGION, "waspada", "x" * length)
        except WarningError:
            continue
        return "x" * length
    raise AssertionError("no warning text fits")


# Alerts, escalations and early warnings carry facts, a task or the operator's text: two segments. The rest: one.
BUDGET = {"alert": 2, "escalation": 2, "early_warning": 2}
WORST = {
    "hazard": LONGEST_HAZARD,
    "place": f"{LONGEST_VILLAGE}, Kec. {LONGEST_DISTRICT}",
    "district": LONGEST_DISTRICT.upper(),
    "districts": ", ".join([LONGEST_DISTRICT] * 3),
    "examples": ", ".join([LONGEST_VILLAGE] * 2),
    "region": "Kabupaten Kendal",
    "ref": "100000",
    "agency": "RELAWAN",
    "status": "acknowledged",
    "minutes": "1440",
    "task": "x" * 40,
    "facts": f"9999 KK, 99999 jiwa, 9999 rumah. Butuh: {LONGEST_NEEDS}.",
    # aid: the longest program texts the shipped file allows, a 40-character pickup point
    "amount": "Rp 5.000.000",
    "item": "x" * 30,
    "point": "p" * 30,
    "from": "24/11",
    "until": "31/12",
    "code": "K7P-X4W3",
    "kk": "3324********0001",
    "village": LONGEST_VILLAGE,
    "time": "24/11 08:00 WIB",
    "officer_agency": "RELAWAN",
    "list": "1) " + "x" * 30 + " di " + "p" * 24 + " s.d. 31/12, kode K7PX4W3; +3 lagi",
    "added": "999",
    "agencies": "BPBD+DINSOS+PMI+TAGANA+RELAWAN",
    "phone": "+62*********890",
    "budget": "1000",
    "waiting": "BPBD+DINSOS+PMI+TAGANA",
    "already": "999",
    "unregistered": "999",
    "count": "99",  # reports an escalation digest lists
    "escalated": longest_digest(),
    # early warnings: the longest level and text the CLI accepts, a watch list cut to its room
    "level": "WASPADA",
    "text": longest_warning(),
    "villages": "v" * LIST_ROOM,
}
# Replies that show the command to send again carry the typed keyword and the typed place (cut to 24).
AS_TYPED = {"hazard": LONGEST_KEYWORD, "place": LONGEST_VILLAGE.upper()[:24]}
TYPED_IN = {"report_no_place", "report_unknown_place", "report_ambiguous_place", "report_no_village",
            "report_no_hazard", "watch_ambiguous", "watch_unknown"}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", template_names())
def test_every_template_fits_its_budget_in_gsm7(name: str, language: str) -> None:
    sms = render(name, language, **(WORST | AS_TYPED if name in TYPED_IN else WORST))
    assert sms.encoding == "GSM-7", sms.text
    assert sms.segments <= BUDGET.get(name, 1), f"{len(sms.text)} characters: {sms.text}"


@pytest.mark.parametrize("name", template_names())
def test_every_template_has_both_languages(name: str) -> None:
    folder = Path(templates_sms.__file__).parent
    assert [(folder / f"{name}.{language}.txt").exists() for language in LANGUAGES] == [True, True]


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("\u201cBanjir\u201d \u2013 desa\u00a0Sukodono\u2026", '"Banjir" - desa Sukodono...'),
        ("Kali\u2019s", "Kali's"),
        ("Cianjur caf\u00e9 \u00e0", "Cianjur café à"),  # é and à are GSM-7 already
        ("na\u00efve \u0101", "naive a"),  # accents GSM-7 lacks are stripped
    ],
)
def test_look_alike_characters_are_replaced_to_stay_in_gsm7(text: str, cleaned: str) -> None:
    assert to_gsm7(text) == cleaned
    assert prepare(text).encoding == "GSM-7"


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("€" * 80, 1), ("€" * 81, 2),
        ("a" * 159 + "€", 2),
        ("a" * 152 + "€" + "a" * 152, 3),  # the escape pair may not straddle two segments
        ("界" * 70, 1), ("界" * 71, 2), ("界" * 134, 2), ("界" * 135, 3),
    ],
)  # fmt: skip
def test_segments_are_counted_as_operators_bill_them(text: str, segments: int) -> None:
    assert count_segments(text) == segments


def test_a_template_missing_a_value_names_it() -> None:
    with pytest.raises(LookupError, match=r"report_received\.id needs the value 'ref'"):
        render("report_received", "id", hazard="banjir", place="X")
