"""Early warnings: phones watch a desa by SMS or USSD, BPBD warns areas with `gateway warn`, each phone once, in
its own lane; STOP is honoured; a re-run with the same key sends nothing twice; cancel stops what is not sent."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.cli import cli
from gateway.jobs.kinds import WARNING_QUEUE
from gateway.models import Contact, Household, Officer, OutboundMessage
from gateway.parsers import Region, load_region
from gateway.runtime import Runtime
from gateway.warnings.areas import AreaError, resolve_areas
from gateway.warnings.lane import deliver_warnings
from gateway.warnings.send import LEVELS, MAX_SEGMENTS, WarningError, check_text, render_warning
from tests.conftest import REDIS_URL, SECRET, exchange, run_worker, sent_sms, sms_to
from tests.ussd.conftest import dial

SUKODONO, BANDENGAN = "33.24.15.1002", "33.24.15.1005"  # two desa of Kec. Kendal
WATCHER, OTHER, STOPPED, RESIDENT = "081355550001", "081355550002", "081355550003", "+6281355550004"
TEXT = "Air Kali Bodri naik. Siapkan tas siaga, ikuti arahan petugas desa."


def e164(phone: str) -> str:
    return "+62" + phone.removeprefix("0")


def warn(rt: Runtime, tmp_path: Path, *args: str) -> Result:
    """Run `gateway warn ...` against the test's database and Redis, as an operator would."""
    env = {"DATABASE_URL": rt.settings.database_url, "REDIS_URL": REDIS_URL, "GATEWAY_VAR_DIR": str(tmp_path),
           "SMS_FILE_PATH": str(rt.settings.sms_file_path), "WEBHOOK_SECRET": SECRET}  # fmt: skip
    return CliRunner(env=env).invoke(cli, ["warn", *args])


@pytest.fixture
def area(client: FlaskClient, rt: Runtime) -> None:
    """Sukodono watched by one phone, Bandengan by another, a stopped phone, a resident vouched for, officers."""
    assert exchange(client, rt, "PANTAU sukodno", sender=WATCHER).startswith("Peringatan dini untuk Sukodono")
    exchange(client, rt, "PANTAU KENDAL BANDENGAN", sender=OTHER)
    exchange(client, rt, "PANTAU SUKODONO", sender=STOPPED)
    exchange(client, rt, "STOP", sender=STOPPED)
    exchange(client, rt, "PANTAU SUKODONO KEC KENDAL", sender="081355550004")  # the resident watches it too
    with rt.db.session() as session:
        household = Household(kk="3324150101150001", village_code=SUKODONO, phone=RESIDENT)
        session.add(household)
        session.flush()
        contact = session.scalar(select(Contact).where(Contact.phone == RESIDENT)) or Contact(phone=RESIDENT)
        contact.household_id, contact.link_vouched, contact.language = household.id, True, "en"
        session.add(contact)
        session.add_all([
            Officer(name="Budi", phone="+6281100000001", agency="BPBD", role="officer", districts="33.24.15"),
            Officer(name="Wati", phone="+6281100000003", agency="DINSOS", role="officer", districts=""),
            Officer(name="Sri", phone="+6281100000009", agency="BPBD", role="officer", districts="33.24.07"),
            Officer(name="Off", phone="+6281100000008", agency="BPBD", role="officer", districts="", on_duty=False),
        ])  # fmt: skip


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"warning_max_per_second": 0}  # the lane's pace is not what these tests time


def warned(rt: Runtime) -> dict[str, list[str]]:
    with rt.db.session() as session:
        rows = session.execute(select(OutboundMessage.phone, OutboundMessage.text)
                               .where(OutboundMessage.template == "early_warning")).all()  # fmt: skip
    found: dict[str, list[str]] = {}
    for phone, text in rows:
        found.setdefault(phone, []).append(text)
    return found


def test_pantau_subscribes_lists_and_berhenti_pantau_removes(client: FlaskClient, rt: Runtime) -> None:
    assert exchange(client, rt, "pantau puguh", sender=WATCHER) == (
        "PUGUH ada di kec. Boja, Pegandon. Kirim: PANTAU PUGUH <kecamatan>"
    )
    assert exchange(client, rt, "PANTAU KENDAL", sender=WATCHER).startswith("Desa di Kec. KENDAL yang mana?")
    exchange(client, rt, "pantau sukodno", sender=WATCHER)
    exchange(client, rt, "PANTAU SUKODONO", sender=WATCHER)  # twice is once
    exchange(client, rt, "PANTAU PUGUH KEC BOJA", sender=WATCHER)
    assert exchange(client, rt, "PANTAU", sender=WATCHER) == (
        "Peringatan dini untuk: Sukodono, Kec. Kendal; Puguh, Kec. Boja. Tambah: PANTAU <desa>. "
        "Hapus: BERHENTI PANTAU <desa>"
    )
    assert exchange(client, rt, "BERHENTI PANTAU SUKODONO", sender=WATCHER).startswith(
        "Peringatan dini untuk Sukodono, Kec. Kendal tidak dikirim lagi"
    )
    assert exchange(client, rt, "BERHENTI PANTAU SUKODONO", sender=WATCHER).startswith("Nomor ini tidak memantau")
    assert exchange(client, rt, "PANTAU", sender=WATCHER).startswith("Peringatan dini untuk: Puguh, Kec. Boja.")


@pytest.mark.usefixtures("area")
def test_a_warning_reaches_each_phone_of_the_area_once_and_none_other(rt: Runtime, tmp_path: Path) -> None:
    dry = warn(rt, tmp_path, "--area", "Sukodono", "--text", TEXT, "--dry-run")
    assert dry.exit_code == 0, dry.output
    # the watcher, the resident (watching and registered: once), Budi (Kec. Kendal), Wati (whole kabupaten)
    assert dry.output.startswith("4 recipients (Bahasa 3, English 1); 1/1 segment(s) per SMS")
    assert "estimated cost Rp 1,400 (4 segments at Rp 350)" in dry.output
    assert warned(rt) == {}
    sent = warn(rt, tmp_path, "--area", "Sukodono", "--text", TEXT, "--key", "bodri-1", "--by", "Pak Harun")
    assert sent.exit_code == 0, sent.output
    assert "queued 4/4" in sent.output and sent.output.strip().endswith("warning 1")
    assert rt.redis is not None and rt.redis.llen(f"rq:queue:{WARNING_QUEUE}") == 1  # the lane, not the main queue
    again = warn(rt, tmp_path, "--area", "Sukodono", "--text", TEXT, "--key", "bodri-1")
    assert again.exit_code == 0 and again.output.strip().endswith("warning 1")
    assert "0 SMS queued by this run" in again.output
    run_worker(rt)
    got = warned(rt)
    assert sorted(got) == sorted([e164(WATCHER), RESIDENT, "+6281100000001", "+6281100000003"])
    assert all(len(texts) == 1 for texts in got.values())
    assert got[RESIDENT] == [f"EARLY WARNING SIAGA (warning) from BPBD Kabupaten Kendal: {TEXT}"]
    assert sms_to(rt, e164(WATCHER))[-1] == f"PERINGATAN DINI SIAGA dari BPBD Kabupaten Kendal: {TEXT}"
    status = warn(rt, tmp_path, "status", "1")
    assert "by Pak Harun" in status.output and "sent: 4" in status.output
    assert "warning 1 SIAGA to 33.24.15.1002: 4 recipients" in warn(rt, tmp_path, "list").output


@pytest.mark.usefixtures("area")
def test_a_kecamatan_warning_reaches_its_desa_and_the_same_key_with_another_text_is_refused(
    rt: Runtime, tmp_path: Path
) -> None:
    assert warn(rt, tmp_path, "--area", "33.24.15", "--text", TEXT, "--key", "k").exit_code == 0
    assert e164(OTHER) in warned(rt) and e164(STOPPED) not in warned(rt)
    refused = warn(rt, tmp_path, "--area", "33.24.15", "--text", "other text", "--key", "k")
    assert refused.exit_code == 1 and "key 'k' was used for warning 1" in refused.output


@pytest.mark.usefixtures("area")
def test_cancel_stops_what_is_not_sent(rt: Runtime, tmp_path: Path) -> None:
    assert warn(rt, tmp_path, "--area", "Sukodono", "--text", TEXT).exit_code == 0
    cancelled = warn(rt, tmp_path, "cancel", "1", "--by", "Pak Harun")
    assert cancelled.output.strip() == "warning 1 cancelled: 4 SMS not sent"
    run_worker(rt)
    assert all(sms_to(rt, phone) == [] for phone in ("+6281100000001", "+6281100000003"))
    status = warn(rt, tmp_path, "status", "1").output
    assert "withheld: 4" in status and "cancelled" in status and "by Pak Harun" in status


def test_a_report_reply_goes_before_a_warning_waiting_in_its_lane(
    client: FlaskClient, rt: Runtime, tmp_path: Path
) -> None:
    with rt.db.session() as session:
        session.add_all([Officer(name=f"O{n}", phone=f"+62811000010{n:02d}", agency="BPBD", role="officer",
                                 districts="") for n in range(30)])  # fmt: skip
    assert warn(rt, tmp_path, "--area", "33.24.15", "--text", TEXT).exit_code == 0
    exchange(client, rt, "LAPOR BANJIR SUKODONO 25 KK", sender=WATCHER)  # runs the workers twice
    texts = [str(line["text"]) for line in sent_sms(rt)]
    reply = next(i for i, text in enumerate(texts) if text.startswith("Laporan banjir di Sukodono"))
    assert all(not text.startswith("PERINGATAN") for text in texts[:reply])  # queued first, sent after the reply
    assert sum(text.startswith("PERINGATAN") for text in texts) == 30  # the 30 officers


def test_a_text_too_long_is_refused_with_how_much_to_cut() -> None:
    region = load_region("33.24")
    with pytest.raises(WarningError, match=r"needs 3 SMS segments; at most 2 are sent: cut (\d+) characters"):
        check_text(region, "awas", "x" * 300)
    with pytest.raises(WarningError, match="outside GSM-7"):
        check_text(region, "awas", "Banjir 🌊")
    for level in LEVELS:
        longest = next(n for n in range(320, 0, -1) if _fits(region, level, "x" * n))
        assert all(sms.segments <= MAX_SEGMENTS for sms in render_warning(region, level, "x" * longest).values())


def _fits(region: Region, level: str, text: str) -> bool:
    try:
        check_text(region, level, text)
    except WarningError:
        return False
    return True


def test_areas_are_codes_or_exact_names_and_unclear_ones_say_what_to_type() -> None:
    region = load_region("33.24")
    areas = resolve_areas(region, "33.24.15, Sukodono")
    assert areas.districts == ("33.24.15",) and SUKODONO in areas.villages
    with pytest.raises(AreaError, match=r"'rejosari' names several places; give one code: 33.24.09.2008"):
        resolve_areas(region, "rejosari")
    with pytest.raises(AreaError, match=r"did you mean Sukodono, Kec\. Kendal"):
        resolve_areas(region, "sukodno")


def test_ussd_early_warnings_subscribe_by_kecamatan_then_desa(client: FlaskClient, rt: Runtime) -> None:
    screens = dial(client, ["5", "1", "8", "98", "sukodono", "1"])
    assert "5 Peringatan dini" in screens[0]
    assert screens[-1].startswith("END Peringatan dini untuk: Sukodono, Kec. Kendal.")
    assert dial(client, ["5", "2"])[-1].startswith("END Peringatan dini untuk: Sukodono, Kec. Kendal.")
    assert exchange(client, rt, "PANTAU", sender="081234567890").startswith("Peringatan dini untuk: Sukodono")


def test_the_lane_hands_its_warnings_back_when_the_main_queue_has_work(rt: Runtime, tmp_path: Path) -> None:
    with rt.db.session() as session:
        session.add_all([Officer(name=f"O{n}", phone=f"+62811000020{n:02d}", agency="BPBD", role="officer",
                                 districts="") for n in range(3)])  # fmt: skip
    assert warn(rt, tmp_path, "--area", "33.24.15", "--text", TEXT).exit_code == 0
    with rt.db.session() as session:
        ids = list(session.scalars(select(OutboundMessage.id).where(OutboundMessage.template == "early_warning")))
    rt.settings = replace(rt.settings, warning_max_per_second=1)
    assert rt.queue is not None
    rt.queue.enqueue("workers.tasks.run_outbox_jobs", [])  # a report waits in the main queue
    outcomes = deliver_warnings(rt, ids)
    assert [outcome.retry_at is None for outcome in outcomes] == [True, False, False]  # one sent, two handed back
    assert sum(text.startswith("PERINGATAN") for text in (str(line["text"]) for line in sent_sms(rt))) == 1
