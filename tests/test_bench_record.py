"""Benchmark records: bench/record.py appends them, bench/render.py renders each under its benchmark, newest first."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parents[1] / "bench"


def script(name: str) -> ModuleType:
    """Import a module of bench/ by its path (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(bench: str, at: str, figures: dict[str, Any], met: bool | None) -> dict[str, Any]:
    """Return a made-up record of one measured run."""
    return {
        "bench": bench,
        "at": at,
        "command": [".venv/bin/python", f"bench/{bench}.py", "--record"],
        "machine": {
            "nproc": 2,
            "cpu": "Test CPU",
            "python": "3.11.7",
            "kernel": "6.18",
            "load_before": [0.5, 0.4, 0.3],
        },
        "git": "abc1234",
        "params": {},
        "figures": figures,
        "target": f"the {bench} target",
        "met": met,
    }


def sections(page: str) -> dict[str, str]:
    """Return the page's sections by the first word of their heading."""
    return {part.split(maxsplit=1)[0].rstrip(":"): part for part in page.split("\n## ")[1:]}


def test_it_renders_each_record_under_its_benchmark_newest_first(tmp_path: Path) -> None:
    results, out = tmp_path / "results.jsonl", tmp_path / "RESULTS.md"
    older = run("parser", "2026-11-30T09:00:00+00:00", {"steady median msg/s": 21256, "region": "33.24"}, True)
    newer = run("parser", "2026-11-30T11:00:00+00:00", {"steady median msg/s": 19170, "region": "33.24"}, False)
    aid = run("aid", "2026-11-30T10:00:00+00:00", {"database": "sqlite", "import (new) s": 13.3}, None)
    results.write_text("".join(json.dumps(r) + "\n" for r in (newer, aid, older)))  # not in time order

    assert script("render").main(["--results", str(results), "--out", str(out)]) == 0

    page = out.read_text(encoding="utf-8")
    assert "do not edit; run bench/render.py" in page
    parser, aid_section = sections(page)["Parser"], sections(page)["Aid"]
    assert "| time (UTC) | steady median msg/s | region | met | commit | command |" in parser
    assert (
        "| 2026-11-30 11:00 | 19,170 | 33.24 | not met | `abc1234` | `.venv/bin/python bench/parser.py --record` |"
        in parser
    )
    assert "| 2026-11-30 09:00 | 21,256 | 33.24 | met |" in parser
    assert parser.index("19,170") < parser.index("21,256")
    assert parser.count("Target: the parser target.") == 1
    assert "| time (UTC) | database | import (new) s | met | commit | command |" in aid_section
    assert "| 2026-11-30 10:00 | sqlite | 13.3 | — |" in aid_section
    assert "13.3" not in parser and "21,256" not in aid_section


def test_a_recorder_appends_one_line_per_run_that_renders(tmp_path: Path) -> None:
    record = script("record")
    results = tmp_path / "results.jsonl"
    recorder = record.Recorder("parser", "the parser target", True, ["--messages", "10"], path=results)
    recorder.start()
    recorder.add({"messages": 10}, {"steady median msg/s": 20500, "p50 / p99 ms": [1.5, float("nan")]}, True)
    recorder.add({"messages": 10}, {"steady median msg/s": 20700, "p50 / p99 ms": [1.4, 2.0]}, True)

    lines = results.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert list(first) == ["bench", "at", "command", "machine", "git", "params", "figures", "target", "met"]
    assert first["command"][-3:] == ["bench/parser.py", "--messages", "10"]
    assert set(first["machine"]) == {"nproc", "cpu", "python", "kernel", "load_before"}
    assert first["figures"]["p50 / p99 ms"] == [1.5, None]  # JSON has no NaN
    page = script("render").render(script("render").load(results))
    assert "20,500" in page and "20,700" in page and "1.5 / —" in page
