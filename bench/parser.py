"""Parser speed: messages per second on one core over a realistic mix of SMS.

    .venv/bin/python bench/parser.py [--messages 20000] [--region 33.24] [--seed 7] [--record]

The mix: the labelled contract corpus (tests/data/sms_examples.jsonl), plus generated traffic shaped like a flood
day in one kabupaten — reports (clean, keypad-abbreviated, misspelt, English, regional words, ambiguous and unknown
places), officer replies, pickups, registrations, help and stray text. Every desa of the region appears, and one
report in eight carries a fresh random typo in the desa name, so the typo-tolerance path runs cold as well as warm.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import record

from gateway.parsers import Region, load_region, parse

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "sms_examples.jsonl"
TARGET_RATE = 20_000.0  # messages/s, steady-state median on one core
TARGET = f"≥ {TARGET_RATE:,.0f} messages/s on one core, steady-state median"

HAZARDS = [
    "banjir",
    "BANJIR",
    "bnjr",
    "longsor",
    "lngsr",
    "kebakaran",
    "kbkrn",
    "gempa",
    "puting beliung",
    "angin kencang",
    "rob",
    "banjir bandang",
    "kekeringan",
    "lindu",
    "caah",
    "flood",
    "landslide",
]
KEYWORDS = ["LAPOR", "lapor", "lpr", "Lapor:", "", "", "tolong", "REPORT"]
COUNTS = ["{n} KK", "{n}kk", "{n} keluarga", "{n} jiwa", "{n} rumah", "{n} rmh", "{n} kk {m} jiwa", "", ""]
NEEDS = [
    "",
    "",
    "",
    "butuh makanan",
    "butuh air bersih",
    "butuh selimut dan tikar",
    "butuh terpal",
    "perlu evakuasi",
    "need food",
    "butuh susu bayi, popok",
]
PREFIXES = ["", "", "desa ", "ds. ", "di ", "Desa "]
SEPARATORS = [" ", " ", " ", "#", "*", "."]
REPLIES = [
    "OK {r}",
    "ok {r}",
    "SIAP {r}",
    "terima #{r}",
    "SELESAI {r}",
    "selesai #{r} sudah ditangani",
    "TOLAK {r} laporan palsu",
    "AMBIL {c}",
    "ambil {c2}",
    "CEK",
    "STATUS",
    "INFO",
    "STOP",
    "MULAI",
    "DAFTAR 3324015508950001",
    "daftar 3324015508950001#3324010101180003",
    "BAHASA EN",
    "terima kasih",
    "Selamat pagi pak",
    "?",
    "asdfgh",
]


def typo(name: str, rng: random.Random) -> str:
    """Return `name` with one random letter dropped, doubled, swapped or replaced."""
    if len(name) < 6:
        return name
    i = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    if kind == 2:
        return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
    return name[:i] + rng.choice(string.ascii_lowercase) + name[i + 1 :]


def generated(region: Region, count: int, rng: random.Random) -> list[str]:
    """Return `count` messages: about 70% reports, 30% replies, commands and stray text."""
    villages = [(code, name) for district, _ in region.districts() for code, name in region.villages(district)]
    messages = []
    for _ in range(count):
        if rng.random() < 0.3:
            template = rng.choice(REPLIES)
            ref = str(rng.randrange(1000, 9999))
            messages.append(template.format(r=ref, c="7KQ4M2", c2="7kq-4m2"))
            continue
        code, name = rng.choice(villages)
        place = typo(name, rng) if rng.random() < 0.125 else name
        if rng.random() < 0.3:
            place += " " + region.district_name(region.district_of(code))
        parts = [
            rng.choice(KEYWORDS),
            rng.choice(HAZARDS),
            rng.choice(PREFIXES) + place,
            rng.choice(COUNTS).format(n=rng.randrange(1, 300), m=rng.randrange(1, 900)),
            rng.choice(NEEDS),
        ]
        text = rng.choice(SEPARATORS).join(part for part in parts if part)
        messages.append(text.upper() if rng.random() < 0.3 else text)
    return messages


def rate(messages: list[str], region: Region, repeats: int) -> list[float]:
    """Return messages per second for each of `repeats` passes over `messages`."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        for text in messages:
            parse(text, region)
        rates.append(len(messages) / (time.perf_counter() - started))
    return rates


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the parser's throughput; record it with --record."""
    options = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    options.add_argument("--messages", type=int, default=20_000)
    options.add_argument("--region", default=os.environ.get("GATEWAY_REGION", "33.24"))
    options.add_argument("--seed", type=int, default=7)
    options.add_argument("--repeats", type=int, default=5)
    record.option(options)
    args = options.parse_args(argv)
    recorder = record.Recorder("parser", TARGET, args.record, argv)

    pin: Callable[[int, set[int]], None] | None = getattr(os, "sched_setaffinity", None)
    if pin is not None:
        pin(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says

    print(f"machine: {record.describe(recorder.start())}")
    started = time.perf_counter()
    region = load_region(args.region)
    load_seconds = time.perf_counter() - started

    corpus = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    traffic = generated(region, args.messages, random.Random(args.seed))
    cold = rate(traffic, region, 1)[0]  # first pass: typo memo empty
    warm = rate(traffic, region, args.repeats)
    corpus_rates = rate(corpus * 100, region, args.repeats)
    median = statistics.median(warm)
    met = median >= TARGET_RATE

    print(f"region {region.code} {region.name}: loaded and indexed in {load_seconds * 1000:.0f} ms")
    print(f"mix of {len(traffic)} generated messages (seed {args.seed}), one core:")
    print(f"  first pass (cold typo memo): {cold:,.0f} msg/s")
    print(
        f"  steady state, best/median of {args.repeats}: {max(warm):,.0f} / {median:,.0f} msg/s"
        f"  ({1e6 / median:.1f} µs per message)"
    )
    print(f"labelled corpus x100 ({len(corpus) * 100} messages): median {statistics.median(corpus_rates):,.0f} msg/s")
    print(f"target {'met' if met else 'NOT met'} ({TARGET})")
    figures = {
        "region": region.code,
        "region load ms": round(load_seconds * 1000),
        "messages": len(traffic),
        "first pass msg/s": round(cold),
        "steady best msg/s": round(max(warm)),
        "steady median msg/s": round(median),
        "µs per message": round(1e6 / median, 1),
        "corpus messages": len(corpus) * 100,
        "corpus median msg/s": round(statistics.median(corpus_rates)),
    }
    recorder.add(record.params(args), figures, met)
    return 0


if __name__ == "__main__":
    sys.exit(main())
