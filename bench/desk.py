"""The coordinators' desk under a district's full history: page latency with 10,000 incidents and 1,000,000 messages.

Seeds PostgreSQL database ``test_bench`` (the schema through gateway.db.Database.upgrade, then COPY): incidents
over the region's kecamatan and desa (GATEWAY_REGION, default 33.24 Kendal), ~70% closed, each with 1-20 reports
(each its inbound SMS), 1-3 dispatched agencies in mixed states and an audit trail; inbound and outbound SMS up to
the message count, with realistic statuses and phones. A database already holding that seed is reused
(``--reseed`` forces a fresh one). Then it adds a coordinator, a BPBD user and an API token, starts gunicorn
exactly as the Procfile does, logs in over HTTP like a browser (form, CSRF token, session cookie) and measures each
page: warm-up, then requests one at a time and from concurrent clients. Pages still being written (404, or an
empty 200 from a stub) are polled again at the end and measured once they exist.

Traffic stays on loopback. PostgreSQL: only ``test_bench``; Redis: only DB 8.

    .venv/bin/python bench/desk.py                 # 10,000 incidents, 1,000,000 messages (seeded once)
    .venv/bin/python bench/desk.py --quick         # 1,000 incidents, 50,000 messages: a smoke run
    .venv/bin/python bench/desk.py --reseed --record    # a fresh seed; append each page's run to bench/results.jsonl
    .venv/bin/python bench/desk.py --page charts --page "board, agency"   # only these pages
    .venv/bin/python bench/desk.py --explain --page charts   # why a page is slow: its SQL and EXPLAIN ANALYZE

The target is judged on p95 of requests one at a time; the concurrent figures and the CPU each request costs
gunicorn and PostgreSQL are reported beside it, because the machine may be shared: CPU per request does not grow
with other people's load, latency does.

Exit status: 0 when every page measured answered 200 (met or not: the table says), 1 when a page failed,
2 on a setup error.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import ingest
import record

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the gateway package, when run from anywhere

DSN = "postgresql://postgres@127.0.0.1:5432/test_bench"
DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench"
REDIS_URL = "redis://127.0.0.1:6379/8"
HOST = "127.0.0.1"
TARGET_MS = 200.0
PASSWORD = "bench-desk-password"  # a throwaway user in a throwaway database
COORDINATOR, AGENCY_USER, AGENCY = "bench.koordinator", "bench.bpbd", "BPBD"
TARGET = (
    f"p95 < {TARGET_MS:.0f} ms for every page, requests one at a time (4 concurrent clients and CPU per request "
    "reported alongside), 10,000 incidents and 1,000,000 messages in PostgreSQL"
)
SEED_MARK = "bench/desk.py seed"  # the comment on table incidents that says what the database holds
SEED_VERSION = 1  # bump when the seed's shape changes: older seeds are redone

HAZARDS = {  # hazard: weight, households (low, high), text word
    "flood": (34, (3, 150), "BANJIR"),
    "tidal_flood": (10, (5, 200), "BANJIR ROB"),
    "flash_flood": (4, (2, 60), "BANJIR BANDANG"),
    "landslide": (14, (1, 20), "LONGSOR"),
    "extreme_weather": (10, (1, 40), "ANGIN KENCANG"),
    "fire": (10, (1, 6), "KEBAKARAN"),
    "drought": (5, (20, 300), "KEKERINGAN"),
    "abrasion": (3, (2, 30), "ABRASI"),
    "wildfire": (3, (0, 5), "KEBAKARAN HUTAN"),
    "earthquake": (2, (1, 50), "GEMPA"),
    "other": (5, (1, 10), "BENCANA"),
}
STATUSES = {"resolved": 60, "rejected": 10, "reported": 10, "acknowledged": 8, "responding": 12}
AGENCIES = {  # first the agency every hazard gets, then the others by hazard
    "flood": ("BPBD", "DINSOS", "TAGANA"), "tidal_flood": ("BPBD", "DINSOS", "TAGANA"),
    "flash_flood": ("BPBD", "TAGANA", "PMI"), "landslide": ("BPBD", "TAGANA", "RELAWAN"),
    "extreme_weather": ("BPBD", "DINSOS", "RELAWAN"), "fire": ("BPBD", "DINSOS", "BAZNAS"),
    "drought": ("BPBD", "DINSOS", "PMI"), "abrasion": ("BPBD", "DINSOS", "RELAWAN"),
    "wildfire": ("BPBD", "RELAWAN", "TAGANA"), "earthquake": ("BPBD", "PMI", "DINSOS"),
    "other": ("BPBD", "DINSOS", "RELAWAN"),
}  # fmt: skip
TASKS = {"BPBD": ("evakuasi & data korban", "evacuate & list victims"),
         "DINSOS": ("logistik & kebutuhan dasar", "relief & basic needs"),
         "TAGANA": ("bantu evakuasi", "help evacuate"),
         "PMI": ("layanan kesehatan", "health care"), "BAZNAS": ("bantuan dana", "cash aid"),
         "RELAWAN": ("bantu warga", "help residents")}  # fmt: skip
NEEDS = ("food", "water", "blankets", "tarpaulin", "mats", "medicine", "shelter", "evacuation", "baby", "hygiene")
OUTBOUND_STATUSES = {"delivered": 820, "sent": 90, "failed": 35, "expired": 10, "withheld": 25, "in_doubt": 5,
                     "queued": 15}  # fmt: skip
OTHER_INBOUND = (  # what else residents send: text, intent, problem, weight
    ("INFO", "help", None, 20), ("BANTUAN", "help", None, 6), ("DAFTAR {nik}", "register", None, 12),
    ("halo pak ada banjir?", "unknown", "unreadable", 18), ("LAPOR BANJIR", "report", "no_place", 10),
    ("LAPOR {hazard} {desa}", "report", None, 14), ("CEK {nik}", "victim", None, 8),
    ("AMBIL K7Q-22M", "redeem", None, 6), ("TEST", "unknown", "unreadable", 6),
)  # fmt: skip
REPLY_TEMPLATES = {
    "report": "report_received",
    "help": "help",
    "register": "registered",
    "unknown": "not_understood",
    "victim": "victim_status",
    "redeem": "pickup_checked",
    "ack": "ack_received",
    "done": "done_received",
}
COLUMNS = {  # the columns each seeded table gets, in the order the seed's rows hold them
    "officers": "id, name, phone, agency, role, districts, on_duty, created_at, updated_at",
    "inbound_messages": 'id, provider_id, channel, phone, "to", text, link_id, sent_at, received_at, processed_at,'
    " intent, problem",
    "outbound_messages": "id, idempotency_key, phone, text, template, language, encoding, segments, status, attempts,"
    " last_error, provider, provider_message_id, inbound_id, created_at, next_attempt_at, expires_at, sent_at,"
    " delivered_at, delivery_status, lease_until, doubt_resends",
    "incidents": "id, ref, hazard, village_code, district_code, status, households, people, houses, needs, created_at,"
    " updated_at, last_report_at",
    "reports": "id, inbound_id, incident_id, channel, hazard, village_code, households, people, houses, needs,"
    " created_at",
    "dispatches": "id, incident_id, agency, task, task_en, reason, created_at, acknowledged_at, acknowledged_by,"
    " escalation_level, next_escalation_at, done_at, done_by",
    "incident_events": "id, incident_id, at, action, channel, officer_id, username, phone, detail",
}
PAGE_SIZE = 50  # gateway/web/board.py's PAGE: the deep page is counted with it


# --------------------------------------------------------------------------------------------- seeding


def utc(moment: datetime) -> datetime:
    """The naive UTC a UTCDateTime column stores (COPY bypasses the type decorator)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def pick(rng: random.Random, weighted: dict[str, Any], index: int = 0) -> str:
    """A key of ``weighted`` drawn by its weight (``index`` into a tuple value, or the value itself)."""
    keys = list(weighted)
    weights = [v[index] if isinstance(v, tuple) else v for v in weighted.values()]
    return rng.choices(keys, weights)[0]


def resident_phone(n: int) -> str:
    """Resident ``n``'s E.164 mobile number (Telkomsel, Indosat, XL, Tri prefixes)."""
    prefix = ("812", "813", "821", "852", "857", "858", "817", "878", "895", "896")[n % 10]
    return f"+62{prefix}{(n * 7_919 + 3_141_592) % 100_000_000:08d}"


@dataclass
class Seed:
    """The rows one seed writes, kept only as long as COPY needs them."""

    incidents: list[tuple[Any, ...]] = field(default_factory=list)
    reports: list[tuple[Any, ...]] = field(default_factory=list)
    dispatches: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    officers: list[tuple[Any, ...]] = field(default_factory=list)
    # Messages first as (when, kind, fields) with kind "report:<report index>" or "-"; ids follow time order.
    inbound: list[tuple[datetime, int, tuple[Any, ...]]] = field(default_factory=list)
    outbound: list[tuple[datetime, int, tuple[Any, ...]]] = field(default_factory=list)  # int: inbound key or -1


def build_seed(incidents: int, messages: int, region_code: str, now: datetime, seed: int) -> Seed:
    """Generate the whole district history in memory, deterministic for ``seed``."""
    from gateway.parsers import load_region

    rng = random.Random(seed)
    region = load_region(region_code)
    districts = region.districts()
    villages = {code: region.villages(code) for code, _ in districts}
    districts = [d for d in districts if villages[d[0]]]
    out = Seed()
    officers: dict[str, list[tuple[int, str]]] = {}
    for number, agency in enumerate(a for a in TASKS for _ in range(8)):
        officer_id, phone = number + 1, resident_phone(900_000 + number)
        officers.setdefault(agency, []).append((officer_id, phone))
        out.officers.append(
            (
                officer_id,
                f"Petugas {agency} {len(officers[agency])}",
                phone,
                agency,
                "supervisor" if len(officers[agency]) == 1 else "officer",
                "",
                True,
                utc(now),
                utc(now),
            )
        )
    residents = max(1000, messages // 5)
    big = incidents - incidents // 50  # one recent open incident with 20 reports and a long trail
    inbound_key = 0

    def inbound(at: datetime, phone: str, text: str, intent: str | None, problem: str | None) -> int:
        nonlocal inbound_key
        inbound_key += 1
        out.inbound.append((at, inbound_key, (phone, text, intent, problem)))
        return inbound_key

    def outbound(at: datetime, phone: str, text: str, template: str, answers: int) -> None:
        out.outbound.append((at, answers, (phone, text, template)))

    for number in range(1, incidents + 1):
        status = pick(rng, STATUSES) if number != big else "responding"
        closed = status in ("resolved", "rejected")
        age = timedelta(days=rng.uniform(2, 180)) if closed else timedelta(hours=rng.expovariate(1 / 30))
        created = now - min(age, timedelta(days=200))
        hazard = pick(rng, HAZARDS)
        district, _ = rng.choice(districts)
        village, village_name = rng.choice(villages[district])
        low, high = HAZARDS[hazard][1]
        reports = 20 if number == big else min(20, 1 + int(rng.expovariate(1 / 2.2)))
        stamps = sorted(created + timedelta(minutes=rng.uniform(0, 300)) for _ in range(reports - 1))
        households = people = houses = None
        needs = " ".join(sorted(rng.sample(NEEDS, rng.randint(0, 3))))
        events: list[tuple[datetime, str, str, int | None, str | None, str | None, str]] = []
        for index, at in enumerate([created, *stamps]):
            phone = resident_phone(rng.randrange(residents))
            kk = rng.randint(low, high) if rng.random() < 0.8 else None
            jiwa = kk * rng.randint(3, 5) if kk and rng.random() < 0.4 else None
            rumah = rng.randint(1, 5) if hazard in ("fire", "landslide", "extreme_weather") else None
            households, people = max(households or 0, kk or 0) or None, max(people or 0, jiwa or 0) or None
            houses = max(houses or 0, rumah or 0) or None
            text = f"LAPOR {HAZARDS[hazard][2]} {village_name.upper()}" + (f" {kk} KK" if kk else "")
            key = inbound(at, phone, text, "report", None)
            out.reports.append((len(out.reports) + 1, key, number, "sms", hazard, village, kk, jiwa, rumah, needs,
                                utc(at)))  # fmt: skip
            reply = f"Laporan {hazard} di {village_name} diterima, nomor {1000 + number}. Petugas diberi tahu."
            outbound(at + timedelta(seconds=rng.uniform(1, 20)), phone, reply, "report_received", key)
            events.append((at, "created" if index == 0 else "report_joined", "sms", None, None, phone, ""))
        last = stamps[-1] if stamps else created
        agencies = AGENCIES[hazard][: 3 if number == big else rng.choice((1, 2, 2, 3))]
        end = last + timedelta(hours=rng.uniform(1, 72)) if closed else None
        for place, agency in enumerate(agencies):
            sent = created + timedelta(seconds=rng.uniform(2, 30))
            crew = officers[agency]
            ack = done = by = None
            level = 0
            acked = (
                closed or status == "responding" or (status == "acknowledged" and (place == 0 or rng.random() < 0.4))
            )
            if status == "rejected":
                acked = place == 0
            if acked:
                ack = sent + timedelta(minutes=rng.uniform(2, 40))
                by = rng.choice(crew)
                if ack > sent + timedelta(minutes=15):
                    level = 1
                if status == "resolved" or (status == "responding" and rng.random() < 0.4):
                    done = min(end or now, ack + timedelta(hours=rng.uniform(1, 48)))
            elif status in ("reported", "acknowledged"):
                level = 0 if now - sent < timedelta(minutes=15) else rng.choice((1, 1, 2))
            nxt = None if acked else sent + timedelta(minutes=15 * (level + 1))
            out.dispatches.append((len(out.dispatches) + 1, number, agency, TASKS[agency][0], TASKS[agency][1],
                                   f"aturan {hazard}", utc(sent), ack and utc(ack), by and by[0], level,
                                   nxt and utc(nxt), done and utc(done), done and by and by[0]))  # fmt: skip
            names = ", ".join(f"Petugas {agency} {i + 1}" for i in range(min(3, len(crew))))
            alerted = f"{agency}: aturan {hazard}; alerted {names}"
            events.append((sent, "dispatched", "system", None, None, None, alerted))
            for _, officer_phone in crew[:3]:
                outbound(sent, officer_phone, f"KEJADIAN {1000 + number}: {hazard} di {village_name}. "
                         f"Tugas: {TASKS[agency][0]}. Balas OK {1000 + number}", "officer_alert", -1)  # fmt: skip
            if level:
                events.append((sent + timedelta(minutes=15), "escalated", "system", None, None, None,
                               f"{agency}: level {level}"))  # fmt: skip
            if ack and by:
                key = inbound(ack, by[1], f"OK {1000 + number}", "ack", None)
                events.append((ack, "acknowledged", "sms", by[0], None, by[1], agency))
                outbound(ack + timedelta(seconds=3), by[1], f"Diterima: {agency} pada {1000 + number}.", "ack_received",
                         key)  # fmt: skip
            if done and by:
                key = inbound(done, by[1], f"SELESAI {1000 + number}", "done", None)
                events.append((done, "agency_done", "sms", by[0], None, by[1], agency))
        notes = 40 if number == big else (rng.random() < 0.3) + (rng.random() < 0.1)
        for _ in range(notes):
            at = last + timedelta(minutes=rng.uniform(5, 600))
            events.append((at if at < now else now, "note", "web", None, COORDINATOR, None,
                           "Tim sudah di lokasi; warga dievakuasi ke balai desa."))  # fmt: skip
        if closed and end:
            events.append((end, status, "sms" if status == "resolved" else "web", None,
                           None if status == "resolved" else COORDINATOR, None, ""))  # fmt: skip
        events.sort(key=lambda e: e[0])
        for at, *who_what in events:
            out.events.append((len(out.events) + 1, number, utc(at), *who_what))
        updated = max(e[0] for e in events)
        out.incidents.append((number, str(1000 + number), hazard, village, district, status, households, people,
                              houses, needs, utc(created), utc(updated), utc(last)))  # fmt: skip

    # The rest of the district's SMS: questions, registrations, unreadable texts and their replies, up to the count.
    start = now - timedelta(days=180)
    span = (now - start).total_seconds()
    other = {text: (intent, problem, weight) for text, intent, problem, weight in OTHER_INBOUND}
    while len(out.inbound) + len(out.outbound) < messages:
        # Most traffic around now: a fifth of it in the last two weeks.
        at = start + timedelta(seconds=span * (1 - rng.random() ** 1.6 if rng.random() < 0.8 else rng.random()))
        template = pick(rng, other, 2)
        intent, problem, _ = other[template]
        phone = resident_phone(rng.randrange(residents))
        hazard = pick(rng, HAZARDS)
        district, _ = rng.choice(districts)
        text = template.format(nik=f"3324{rng.randrange(10**12):012d}", hazard=HAZARDS[hazard][2],
                               desa=rng.choice(villages[district])[1].upper())  # fmt: skip
        key = inbound(at, phone, text, intent, problem)
        if len(out.inbound) + len(out.outbound) < messages and rng.random() < 0.92:
            reply = REPLY_TEMPLATES.get(intent, "not_understood")
            outbound(at + timedelta(seconds=rng.uniform(1, 30)), phone, f"[{reply}] Terima kasih.", reply, key)
    del out.outbound[max(0, messages - len(out.inbound)) :]
    return out


def copy_rows(cur: Any, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into a table; return how many."""
    count = 0
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def write_seed(seed: Seed, now: datetime) -> dict[str, int]:
    """COPY the seed into test_bench, messages in time order (ids follow arrival), then ANALYZE."""
    import psycopg

    seed.inbound.sort(key=lambda m: m[0])
    inbound_id = {key: number for number, (_, key, _) in enumerate(seed.inbound, start=1)}
    seed.outbound.sort(key=lambda m: m[0])
    rng = random.Random(5)

    def inbound_rows() -> Iterator[tuple[Any, ...]]:
        for number, (at, _, (phone, text, intent, problem)) in enumerate(seed.inbound, start=1):
            yield (number, f"ATXid_seed{number:09d}", "sms", phone, "98123", text, None, utc(at),
                   utc(at + timedelta(seconds=1)), utc(at + timedelta(seconds=2)), intent, problem)  # fmt: skip

    def outbound_rows() -> Iterator[tuple[Any, ...]]:
        for number, (at, answers, (phone, text, template)) in enumerate(seed.outbound, start=1):
            status = "queued" if now - at < timedelta(minutes=5) else pick(rng, OUTBOUND_STATUSES)
            status = "delivered" if status == "queued" and now - at > timedelta(hours=1) else status
            sent = None if status in ("queued", "withheld", "expired") else at + timedelta(seconds=2)
            delivered = sent + timedelta(seconds=rng.uniform(3, 90)) if sent and status == "delivered" else None
            provider_id = f"ATXid_out{number:09d}" if sent else None
            error = {"failed": "InvalidPhoneNumber", "in_doubt": "timeout after 10 s"}.get(status)
            segments = 1 if len(text) <= 160 else 2
            yield (
                number,
                f"seed:{number}",
                phone,
                text,
                template,
                "id",
                "GSM-7",
                segments,
                status,
                0 if status == "withheld" else 1 + (status == "failed") * 5,
                error,
                None if status == "withheld" else "africastalking",
                provider_id,
                inbound_id.get(answers),
                utc(at),
                utc(at),
                utc(at + timedelta(days=1)),
                sent and utc(sent),
                delivered and utc(delivered),
                {"delivered": "Success", "failed": "Rejected"}.get(status),
                None,
                0,
            )

    counts: dict[str, int] = {}
    with psycopg.connect(DSN) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE incident_events, dispatches, reports, incidents, outbound_messages, inbound_messages,"
                    " officers RESTART IDENTITY CASCADE")  # fmt: skip
        for table, rows in (("officers", seed.officers), ("inbound_messages", inbound_rows()),
                            ("outbound_messages", outbound_rows()), ("incidents", seed.incidents),
                            ("reports", ((r[0], inbound_id[r[1]], *r[2:]) for r in seed.reports)),
                            ("dispatches", seed.dispatches), ("incident_events", seed.events)):  # fmt: skip
            counts[table] = copy_rows(cur, table, COLUMNS[table], rows)
        for table in ("officers", "inbound_messages", "outbound_messages", "incidents", "reports", "dispatches",
                      "incident_events"):  # fmt: skip
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        cur.execute("ANALYZE")  # as autovacuum would have long since on a district's database
    return counts


def missing_from_schema() -> list[str]:
    """The tables and indexes the models declare that test_bench lacks (after upgrading: an edited migration)."""
    from sqlalchemy import create_engine, inspect

    import gateway.models  # noqa: F401  every table on the metadata
    from gateway.db import Base, Database

    database = Database(DATABASE_URL)
    database.upgrade()
    database.engine.dispose()
    engine = create_engine(DATABASE_URL)
    try:
        found = inspect(engine)
        tables = set(found.get_table_names())
        missing = [name for name in Base.metadata.tables if name not in tables]
        for name, table in Base.metadata.tables.items():
            if name in tables:
                have = {index["name"] for index in found.get_indexes(name)}
                missing += [str(index.name) for index in table.indexes if index.name not in have]
        return missing
    finally:
        engine.dispose()


def seed_mark(incidents: int, messages: int, region: str, seed: int) -> str:
    return f"{SEED_MARK} v{SEED_VERSION}: incidents={incidents} messages={messages} region={region} seed={seed}"


def prepare(args: argparse.Namespace) -> tuple[float | None, dict[str, int]]:
    """Bring test_bench's schema to the newest migration and seed it unless it already holds this seed.

    Return the seconds seeding took (None: reused) and the row counts.
    """
    import psycopg

    from gateway.db import Database

    try:
        stale = [] if args.reseed else missing_from_schema()
        if stale:
            print(f"test_bench lacks {', '.join(stale[:5])} (a migration changed after it ran): seeding again")
        with psycopg.connect(DSN, autocommit=True, connect_timeout=5) as conn:
            if args.reseed or stale:
                conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
                conn.execute("CREATE SCHEMA public")
    except psycopg.Error as error:
        raise ingest.SetupError(f"PostgreSQL database test_bench not usable: {error}") from error
    database = Database(DATABASE_URL)
    database.upgrade()  # what `gateway init` does first; an index a newer migration adds reaches the seed too
    database.engine.dispose()
    mark = seed_mark(args.incidents, args.messages, args.region, args.seed)
    with psycopg.connect(DSN, autocommit=True) as conn:
        found = conn.execute("SELECT obj_description('incidents'::regclass, 'pg_class')").fetchone()
        if found and found[0] == mark:
            return None, counts(conn)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"seeding {args.incidents:,} incidents and {args.messages:,} messages (region {args.region})", flush=True)
    seed = build_seed(args.incidents, args.messages, args.region, now, args.seed)
    built = time.perf_counter() - started
    write_seed(seed, now)
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"COMMENT ON TABLE incidents IS '{mark}'")
        found_counts = counts(conn)
    took = time.perf_counter() - started
    print(f"seeded in {took:.1f} s (generating {built:.1f} s, COPY and ANALYZE {took - built:.1f} s)", flush=True)
    return took, found_counts


def counts(conn: Any) -> dict[str, int]:
    """Rows per seeded table."""
    tables = ("incidents", "reports", "dispatches", "incident_events", "inbound_messages", "outbound_messages")
    return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}


def add_desk_users(region: str) -> str:
    """A coordinator and a BPBD user (kept across runs), and a new API token; return the token."""
    from gateway.accounts.tokens import create_token
    from gateway.accounts.users import add_user, find_user
    from gateway.db import Database
    from gateway.routing import load_rules

    agencies = list(load_rules(None, None).agencies)
    database = Database(DATABASE_URL)
    try:
        with database.session() as session:
            for username, role, agency in ((COORDINATOR, "coordinator", None), (AGENCY_USER, "agency", AGENCY)):
                if find_user(session, username) is None:
                    add_user(session, username, PASSWORD, role, agency, agencies)
            return create_token(session, f"bench-desk-{secrets.token_hex(4)}", "viewer", None, agencies)
    finally:
        database.engine.dispose()


# --------------------------------------------------------------------------------------------- HTTP


class Browser:
    """One keep-alive HTTP/1.1 connection with a cookie jar of one site, as a browser tab holds it."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies: SimpleCookie = SimpleCookie()
        self.headers = headers or {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Send one request; keep the cookies it sets; reconnect once if the server closed the connection."""
        headers = {**self.headers, "Accept-Language": "id"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        return response.status, data

    def log_in(self, username: str, password: str) -> None:
        """GET /login, take the form's CSRF token, POST the name and password; keep the session cookie."""
        status, page = self.request("GET", "/login")
        found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or found is None:
            raise ingest.SetupError(f"/login answered {status} without a CSRF token")
        form = urlencode({"csrf_token": found.group(1).decode(), "username": username, "password": password})
        status, _ = self.request("POST", "/login", form.encode())
        if status != 302:
            raise ingest.SetupError(f"logging in as {username} answered {status}, not a redirect")
        status, _ = self.request("GET", "/")
        if status != 200:
            raise ingest.SetupError(f"the board answered {status} to {username} right after logging in")

    def clone(self) -> Browser:
        """Another tab of the same session: its own connection, the same cookies."""
        other = Browser(self.port, dict(self.headers))
        other.cookies.load("; ".join(f"{k}={m.value}" for k, m in self.cookies.items()))
        return other

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class Page:
    """One page to measure: a name, who asks, and the paths (cycled) it asks for."""

    name: str
    who: str  # coordinator | agency | token
    paths: Sequence[str]
    optional: bool = False  # still being written: measured only once it answers


@dataclass
class Measured:
    page: Page
    sequential: list[float] = field(default_factory=list)  # seconds, of the requests answered 200
    failed_sequential: int = 0
    concurrent: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    size: int = 0  # bytes of the first measured answer
    cpu: tuple[float, float] = (0.0, 0.0)  # CPU seconds of gunicorn and of test_bench's backends, one at a time
    pending: str = ""  # why a page still being written was not measured

    def ms(self, values: list[float], q: float) -> float:
        return ingest.percentile(sorted(values), q) * 1000

    def quartet(self, values: list[float]) -> list[float]:
        return [round(self.ms(values, q), 1) for q in (50, 95, 99, 100)]

    def cpu_ms(self) -> list[float]:
        """CPU ms per request one at a time: gunicorn, PostgreSQL."""
        count = max(1, len(self.sequential) + self.failed_sequential)
        return [round(self.cpu[0] * 1000 / count, 1), round(self.cpu[1] * 1000 / count, 1)]

    @property
    def met(self) -> bool | None:
        """The target: p95 of requests one at a time (a desk user's view); concurrent figures are reported."""
        if self.pending:
            return None
        return not self.failures and self.ms(self.sequential, 95) < TARGET_MS


def timed(browser: Browser, path: str, result: Measured, into: list[float]) -> None:
    start = time.perf_counter()
    status, body = browser.request("GET", path)
    elapsed = time.perf_counter() - start
    if status != 200:
        result.failures.append(f"{path}: HTTP {status}")
    else:
        into.append(elapsed)
        result.size = result.size or len(body)


def absent(browser: Browser, page: Page) -> str:
    """Why a page still being written cannot be measured yet ('' when it answers with a body)."""
    status, body = browser.request("GET", page.paths[0])
    if status == 404:
        return "404: not there yet"
    if status == 200 and not body.strip():
        return "200 with an empty body: a stub"
    return "" if status == 200 else f"HTTP {status}"


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds so far of gunicorn (master and workers) and of the PostgreSQL backends serving test_bench.

    Other engineers share the machine and the PostgreSQL cluster: CPU per request is what the page costs whatever
    they run, where the latency also counts waiting for a core.
    """
    server = database = 0.0
    for pid, ppid, comm, cpu in ingest._proc_stats():
        if server_pid in (pid, ppid):
            server += cpu
        elif comm == "postgres":
            with contextlib.suppress(OSError):
                if b" test_bench " in Path(f"/proc/{pid}/cmdline").read_bytes():
                    database += cpu
    return server, database


def measure(page: Page, browser: Browser, args: argparse.Namespace, server_pid: int) -> Measured:
    """Warm up, then ``args.requests`` one at a time, then as many from ``args.clients`` concurrent tabs."""
    result = Measured(page)
    if page.optional and (why := absent(browser, page)):
        result.pending = why
        return result
    paths = page.paths
    for n in range(args.warmup):
        browser.request("GET", paths[n % len(paths)])
    before = cpu_seconds(server_pid)
    for n in range(args.requests):
        timed(browser, paths[n % len(paths)], result, result.sequential)
    after = cpu_seconds(server_pid)
    result.cpu = (after[0] - before[0], after[1] - before[1])
    result.failed_sequential = len(result.failures)
    if args.clients > 1:
        tabs = [browser.clone() for _ in range(args.clients)]
        lock = threading.Lock()
        issued = iter(range(args.requests))

        def tab(own: Browser) -> None:
            times: list[float] = []
            while True:
                with lock:
                    n = next(issued, None)
                if n is None:
                    break
                timed(own, paths[(n * 7) % len(paths)], result, times)
            with lock:
                result.concurrent.extend(times)

        threads = [threading.Thread(target=tab, args=(own,)) for own in tabs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for own in tabs:
            own.close()
    return result


# --------------------------------------------------------------------------------------------- the run


def pages(args: argparse.Namespace, refs: dict[str, Any]) -> list[Page]:
    """What a coordinator, an agency user and a district system ask for, with the seeded data's refs."""
    rng = random.Random(11)
    sample = rng.sample(refs["all"], min(len(refs["all"]), 200))
    mine = rng.sample(refs["bpbd"], min(len(refs["bpbd"]), 200))
    district = refs["busiest_district"]
    deep = max(1, refs["incidents"] // PAGE_SIZE - 10)
    return [
        Page("board", "coordinator", ["/"]),
        Page("board, agency user (BPBD)", "agency", ["/"]),
        Page("board rows refresh", "coordinator", ["/board/rows"]),
        Page(f"board kecamatan {district}", "coordinator", [f"/?kecamatan={district}"]),
        Page("board sort=urgent", "coordinator", ["/?sort=urgent"]),
        Page(f"board all, deep page {deep}", "coordinator", [f"/?status=all&page={deep}"]),
        Page(f"board all, deep page {deep}, agency", "agency", [f"/?status=all&page={max(1, deep // 3)}"]),
        Page("incident, random refs", "coordinator", [f"/incidents/{ref}" for ref in sample]),
        Page(f"incident {refs['big']} (20 reports, long trail)", "coordinator", [f"/incidents/{refs['big']}"]),
        Page("incident, agency user", "agency", [f"/incidents/{ref}" for ref in mine]),
        Page("API /api/v1/incidents", "token", ["/api/v1/incidents"], optional=True),
        Page(
            f"API /api/v1/incidents all, offset {deep * PAGE_SIZE}",
            "token",
            [f"/api/v1/incidents?status=all&offset={deep * PAGE_SIZE}"],
            optional=True,
        ),
        Page("API /api/v1/incidents/<ref>", "token", [f"/api/v1/incidents/{ref}" for ref in sample], optional=True),
        Page("messages", "coordinator", ["/messages"], optional=True),
        Page("charts", "coordinator", ["/charts"], optional=True),
        Page("charts, agency user", "agency", ["/charts"], optional=True),
    ]


def chosen(every: Sequence[Page], names: Sequence[str]) -> list[Page]:
    """The pages whose name holds one of ``names`` (all of them without names)."""
    return [page for page in every if not names or any(name in page.name for name in names)]


def seeded_refs() -> dict[str, Any]:
    """Refs to ask for: every incident's, BPBD's, the one with most reports and events, the busiest kecamatan."""
    import psycopg

    with psycopg.connect(DSN, autocommit=True) as conn:
        every = [row[0] for row in conn.execute("SELECT ref FROM incidents ORDER BY id")]
        bpbd = [
            row[0]
            for row in conn.execute(
                "SELECT i.ref FROM incidents i JOIN dispatches d ON d.incident_id = i.id AND d.agency = %s", (AGENCY,)
            )
        ]
        big = conn.execute(
            "SELECT i.ref FROM incidents i ORDER BY (SELECT count(*) FROM reports r WHERE r.incident_id = i.id)"
            " + (SELECT count(*) FROM incident_events e WHERE e.incident_id = i.id) DESC LIMIT 1"
        ).fetchone()
        busiest = conn.execute("SELECT district_code FROM incidents WHERE status NOT IN ('resolved', 'rejected')"
                               " GROUP BY district_code ORDER BY count(*) DESC LIMIT 1").fetchone()  # fmt: skip
    return {"all": every, "bpbd": bpbd, "big": big[0] if big else every[0], "incidents": len(every),
            "busiest_district": busiest[0] if busiest else ""}  # fmt: skip


def run(args: argparse.Namespace, recorder: record.Recorder) -> int:
    """Seed (or reuse), start gunicorn, log in, measure every page; print the table, record each page."""
    import redis

    seconds, rows = prepare(args)
    print(f"database: {', '.join(f'{t} {n:,}' for t, n in rows.items())}"
          + (" (reused: --reseed to seed again)" if seconds is None else ""), flush=True)  # fmt: skip
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    token = add_desk_users(args.region)
    refs = seeded_refs()
    tmp = Path(tempfile.mkdtemp(prefix="gateway-bench-desk-"))
    server = None
    try:
        port = ingest.free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WEB_CONCURRENCY", "WEB_THREADS",
                                                                 "ACCESS_LOG")}  # fmt: skip
        env.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, GATEWAY_VAR_DIR=str(tmp / "var"), HOST=HOST,
                   PORT=str(port), SMS_BACKEND="file", SMS_FILE_PATH=str(tmp / "var" / "sent_sms.jsonl"),
                   WEBHOOK_SECRET="bench-" + secrets.token_urlsafe(12), SECRET_KEY=secrets.token_urlsafe(32),
                   GATEWAY_REGION=args.region)  # fmt: skip
        workers, threads = ingest.gunicorn_settings(env)
        log_path = tmp / "gunicorn.log"
        server = ingest.start_server(env, log_path, ingest.DEFAULT_GUNICORN_CONFIG)
        ingest.wait_healthy(port, server, log_path)
        print(
            f"gunicorn {workers} worker(s) x {threads} thread(s) on :{port}; {args.requests} requests per page "
            f"after {args.warmup} warm-up, then {args.requests} from {args.clients} concurrent clients",
            flush=True,
        )
        browsers = {"coordinator": Browser(port), "agency": Browser(port),
                    "token": Browser(port, {"Authorization": f"Bearer {token}"})}  # fmt: skip
        browsers["coordinator"].log_in(COORDINATOR, PASSWORD)
        browsers["agency"].log_in(AGENCY_USER, PASSWORD)
        results: list[Measured] = []
        for page in chosen(pages(args, refs), args.page):
            recorder.start()
            results.append(measure(page, browsers[page.who], args, server.pid))
            show_line(results[-1])
        for _ in range(args.poll):  # pages still being written: look again before finishing
            waiting = [r for r in results if r.pending]
            if not waiting:
                break
            print(f"{len(waiting)} page(s) not there yet; looking again in {args.poll_wait:.0f} s", flush=True)
            time.sleep(args.poll_wait)
            for stale in waiting:
                recorder.start()
                again = measure(stale.page, browsers[stale.page.who], args, server.pid)
                results[results.index(stale)] = again
                if not again.pending:
                    show_line(again)
        if server.poll() is not None:
            raise ingest.SetupError(f"gunicorn died during the run:\n{ingest.tail(log_path)}")
        print_table(results, rows, seconds, args.clients)
        for result in results:
            recorder.add(record.params(args, page=result.page.name, seed_seconds=seconds and round(seconds, 1)),
                         figures(result, rows, f"{workers}x{threads}"), result.met)  # fmt: skip
        return 1 if any(r.failures for r in results) else 0
    finally:
        if server is not None:
            ingest.stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)


def show_line(result: Measured) -> None:
    if result.pending:
        print(f"  {result.page.name:<44} pending ({result.pending})", flush=True)
        return
    seq, conc = result.quartet(result.sequential), result.quartet(result.concurrent)
    print(
        f"  {result.page.name:<44} p50/p95/p99/max {seq[0]:>6.1f} {seq[1]:>6.1f} {seq[2]:>6.1f} {seq[3]:>7.1f}"
        f"  concurrent {conc[0]:>6.1f} {conc[1]:>6.1f} {conc[2]:>6.1f} {conc[3]:>7.1f}"
        f"  CPU ms/request {result.cpu_ms()[0]:.1f} + {result.cpu_ms()[1]:.1f}"
        + (f"  FAILED {len(result.failures)}: {result.failures[0]}" if result.failures else ""),
        flush=True,
    )


def print_table(results: Sequence[Measured], rows: dict[str, int], seconds: float | None, clients: int) -> None:
    """The summary: one line per page, p50 / p95 / p99 / max ms, one at a time and concurrent, and the verdict."""
    seeded = "reused" if seconds is None else f"seeded in {seconds:.1f} s"
    print(f"\n== desk pages, {rows['incidents']:,} incidents, "
          f"{rows['inbound_messages'] + rows['outbound_messages']:,} messages ({seeded}) ==")  # fmt: skip
    print(f"| page | bytes | one at a time p50 / p95 / p99 / max ms | {clients} concurrent p50 / p95 / p99 / max ms | "
          f"CPU ms/request gunicorn + PostgreSQL | p95 < {TARGET_MS:.0f} ms |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---|")
    for r in results:
        if r.pending:
            print(f"| {r.page.name} | — | — | — | — | not measured: {r.pending} |")
            continue
        seq, conc = r.quartet(r.sequential), r.quartet(r.concurrent)
        verdict = "met" if r.met else "NOT met" + (f" ({len(r.failures)} failed)" if r.failures else "")
        print(
            f"| {r.page.name} | {r.size:,} | {' / '.join(f'{v:.1f}' for v in seq)} | "
            f"{' / '.join(f'{v:.1f}' for v in conc)} | {' + '.join(f'{v:.1f}' for v in r.cpu_ms())} | {verdict} |"
        )
    print(f"\nMachine: {record.describe(record.machine())}")


def figures(r: Measured, rows: dict[str, int], gunicorn: str) -> dict[str, Any]:
    """One page's figures as recorded."""
    return {
        "page": r.page.name,
        "as": r.page.who,
        "incidents / messages": [rows["incidents"], rows["inbound_messages"] + rows["outbound_messages"]],
        "gunicorn": gunicorn,
        "bytes": None if r.pending else r.size,
        "one at a time p50 / p95 / p99 / max ms": None if r.pending else r.quartet(r.sequential),
        "concurrent p50 / p95 / p99 / max ms": None if r.pending else r.quartet(r.concurrent),
        "CPU ms/request gunicorn / PostgreSQL": None if r.pending else r.cpu_ms(),
        "failed": len(r.failures),
        "not measured": r.pending or None,
    }


# --------------------------------------------------------------------------------------------- why a page is slow


def explain(args: argparse.Namespace) -> int:
    """Serve each page in this process (Flask's test client) and show its SQL: count, time, and EXPLAIN ANALYZE of
    the slowest statements, to find the index or query a slow page needs."""
    from flask.testing import FlaskClient
    from sqlalchemy import event

    from gateway import create_app

    prepare(args)
    token = add_desk_users(args.region)
    refs = seeded_refs()
    tmp = Path(tempfile.mkdtemp(prefix="gateway-bench-desk-"))
    os.environ.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, GATEWAY_VAR_DIR=str(tmp / "var"),
                      SMS_BACKEND="file", SMS_FILE_PATH=str(tmp / "var" / "sent_sms.jsonl"),
                      WEBHOOK_SECRET="bench-explain-secret", GATEWAY_REGION=args.region)  # fmt: skip
    app = create_app()
    engine = app.extensions["gateway"].db.engine
    statements: list[tuple[float, str, Any]] = []
    started: dict[int, float] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        started[id(cursor)] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append((time.perf_counter() - started.pop(id(cursor), time.perf_counter()), statement, parameters))

    clients: dict[str, FlaskClient] = {}
    for who, username in (("coordinator", COORDINATOR), ("agency", AGENCY_USER)):
        client = app.test_client()
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
        assert found is not None
        client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": found.group(1)})
        clients[who] = client
    clients["token"] = app.test_client()
    wanted = chosen(pages(args, refs), args.page)
    try:
        for page in wanted:
            client = clients[page.who]
            headers = {"Authorization": f"Bearer {token}"} if page.who == "token" else {}
            for path in page.paths[:3]:  # warm: the plans' caches, the region's indexes
                client.get(path, headers=headers)
            statements.clear()
            start = time.perf_counter()
            status = client.get(page.paths[0], headers=headers).status_code
            total = (time.perf_counter() - start) * 1000
            database = sum(s[0] for s in statements) * 1000
            print(f"\n== {page.name}: GET {page.paths[0]} -> {status} in {total:.1f} ms in process; "
                  f"{len(statements)} statements, {database:.1f} ms in the database ==")  # fmt: skip
            for took, statement, parameters in sorted(statements, key=lambda s: -s[0])[: args.explain_top]:
                print(f"-- {took * 1000:.1f} ms: {' '.join(statement.split())}\n   parameters: {parameters}")
                with engine.connect() as conn:
                    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
                print("\n".join(f"   {row[0]}" for row in plan))
    finally:
        app.extensions["gateway"].close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)  # fmt: skip
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000, help="inbound and outbound SMS in all")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1,000 incidents, 50,000 messages, "
                        "50 requests per page")  # fmt: skip
    parser.add_argument("--reseed", action="store_true", help="seed again even if test_bench holds this seed")
    parser.add_argument("--region", default=os.environ.get("GATEWAY_REGION", "33.24"), help="kabupaten/kota code")
    parser.add_argument("--seed", type=int, default=20261130, help="random seed of the generated history")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page (and again concurrent)")
    parser.add_argument("--warmup", type=int, default=20, help="requests per page before measuring")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (1: none)")
    parser.add_argument("--poll", type=int, default=1, help="times to look again for pages still being written")
    parser.add_argument("--poll-wait", type=float, default=5.0, help="seconds before looking again")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="measure nothing: show each page's SQL and EXPLAIN ANALYZE of its slowest statements",
    )
    parser.add_argument("--page", action="append", default=[],
                        help="only the pages whose name holds this (repeatable); default: every page")  # fmt: skip
    parser.add_argument("--explain-top", type=int, default=3, help="statements explained per page")
    record.option(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.incidents, args.messages, args.requests = 1_000, 50_000, min(args.requests, 50)
    if args.incidents < 10 or args.messages < args.incidents * 5 or args.requests < 1 or args.clients < 1:
        parser.error("--incidents at least 10, --messages at least 5 per incident, --requests and --clients >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = parse_args(argv)
    recorder = record.Recorder("desk", TARGET, args.record, argv)
    print(f"Machine: {record.describe(recorder.start())}", flush=True)
    try:
        return explain(args) if args.explain else run(args, recorder)
    except ingest.SetupError as error:
        print(f"setup failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted; gunicorn stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
