"""Render bench/RESULTS.md from bench/results.jsonl: one section per benchmark, newest run first.

    .venv/bin/python bench/render.py                      # bench/results.jsonl -> bench/RESULTS.md
    .venv/bin/python bench/render.py --results R --out O  # another file (tests)

Each section states its benchmark's target once, then one table row per recorded run; the columns are the keys of
the runs' ``figures`` (in the order the script wrote them), plus when the run started, whether it met the target,
the commit it ran and the exact command.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results.jsonl"
OUT = BENCH / "RESULTS.md"
TITLES = {  # known benchmarks, in the order of the page; any other follows under its own name
    "ingest": "Ingest: `bench/ingest.py` — POST /webhooks/sms through gunicorn",
    "desk": "Desk: `bench/desk.py` — pages with 10,000 incidents and 1,000,000 messages in PostgreSQL",
    "pipeline": "Pipeline: `bench/pipeline.py` — from the webhook to the confirmation and the alerts handed over",
    "ussd": "USSD: `bench/ussd.py` — concurrent sessions walking the report flow",
    "parser": "Parser: `bench/parser.py` — messages/s on one core",
    "aid": "Aid ledger: `bench/aid.py` — registry import and allocation",
    "faults": "Faults: `bench/faults.py` — the real processes under faults: replies lost, doubled, in doubt",
}
HEADER = """\
# Benchmark results

Generated from `bench/results.jsonl` by `bench/render.py`: do not edit; run bench/render.py.

A benchmark run with `--record` (for example `.venv/bin/python bench/parser.py --record`) appends one record per
measured run (per database where it runs on both) to `bench/results.jsonl`; `.venv/bin/python bench/render.py`
then rewrites this page. Newest run first. The columns are the figures each script prints in its summary, then
whether the run met the target, the commit it ran (`-dirty`: with uncommitted changes) and the exact command; the
machines of the runs are listed under each table.

Figures from before the benchmarks recorded themselves (2026-11-30) were assembled by hand: [HISTORY.md](HISTORY.md).
"""


def load(path: Path) -> list[dict[str, Any]]:
    """Return the records of a results file, in file order (none when there is no file)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def started(record: Mapping[str, Any]) -> datetime:
    """Return when a run started."""
    return datetime.fromisoformat(record["at"])


def cell(value: Any) -> str:
    """Return a figure as a table cell."""
    return plain(value).replace("\n", " ").replace("|", "\\|")


def plain(value: Any) -> str:
    """Return a figure as text: numbers with thousands separators, groups of numbers joined by slashes."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        numbers = all(isinstance(item, int | float | None) for item in value)
        return (" / " if numbers else "; ").join(plain(item) for item in value) or "—"
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {plain(item)}" for key, item in value.items()) or "—"
    return str(value) or "—"


def numeric(values: Iterable[Any]) -> bool:
    """Whether a column holds numbers (or groups of numbers) only: such columns align right."""
    present = [v for v in values if v is not None]

    def number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    return bool(present) and all(
        number(v) or (isinstance(v, list) and all(number(x) or x is None for x in v)) for v in present
    )


def machines(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Return one line per distinct machine of these runs: how many ran there, and the load they started at."""
    seen: dict[str, list[float | None]] = {}
    for record in records:
        facts = record.get("machine") or {}
        name = (f"nproc {facts.get('nproc')}, {facts.get('cpu')}, Python {facts.get('python')}, "
                f"Linux {facts.get('kernel')}")  # fmt: skip
        seen.setdefault(name, []).append((facts.get("load_before") or [None])[0])
    lines = []
    for name, loads in seen.items():
        known = [load for load in loads if load is not None]
        spread = "—" if not known else f"{min(known):.2f}" + (f"-{max(known):.2f}" if max(known) > min(known) else "")
        runs = f"{len(loads)} run{'s' if len(loads) != 1 else ''}"
        lines.append(f"- {name}: {runs}, 1-minute load average before {spread}")
    return lines


def section(bench: str, records: Sequence[Mapping[str, Any]]) -> str:
    """Return one benchmark's section: heading, target, table of runs newest first, machines."""
    runs = [r for _, r in sorted(enumerate(records), key=lambda ir: (started(ir[1]), ir[0]), reverse=True)]
    columns: list[str] = []
    for run in runs:
        columns += [key for key in run.get("figures", {}) if key not in columns]
    lines = [f"## {TITLES.get(bench, f'`{bench}`')}", "", f"Target: {runs[0].get('target') or '—'}.", ""]
    earlier = [t for t in dict.fromkeys(r.get("target") for r in runs[1:]) if t and t != runs[0].get("target")]
    if earlier:
        lines += ["Earlier runs were judged against: " + "; ".join(f"{t}." for t in earlier), ""]
    header = ["time (UTC)", *columns, "met", "commit", "command"]
    align = ["---", *("---:" if numeric(r.get("figures", {}).get(c) for r in runs) else "---" for c in columns)]
    lines += ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join([*align, "---", "---", "---"]) + "|"]
    for run in runs:
        met = run.get("met")
        row = [
            f"{started(run):%Y-%m-%d %H:%M}",
            *(cell(run.get("figures", {}).get(column)) for column in columns),
            "—" if met is None else ("met" if met else "not met"),
            f"`{cell(run.get('git') or '?')}`",
            f"`{cell(shlex.join(run.get('command') or []))}`",
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join([*lines, "", "Machines:", "", *machines(runs)])


def render(records: Sequence[Mapping[str, Any]]) -> str:
    """Return the whole RESULTS.md for these records."""
    by_bench: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_bench.setdefault(record["bench"], []).append(record)
    order = [b for b in TITLES if b in by_bench] + sorted(b for b in by_bench if b not in TITLES)
    body = [section(bench, by_bench[bench]) for bench in order]
    return HEADER + "\n" + ("\n\n".join(body) or "No run recorded yet: run a benchmark with `--record`.") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Render the results file into the Markdown page."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="records to read (JSON lines)")
    parser.add_argument("--out", type=Path, default=OUT, help="Markdown page to write")
    args = parser.parse_args(argv)
    records = load(args.results)
    args.out.write_text(render(records), encoding="utf-8")
    print(f"wrote {args.out}: {len(records)} recorded run(s) of {len({r['bench'] for r in records})} benchmark(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
