"""Fixtures for routing: the shipped rulebook, and small agencies and rules files a test can spoil."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.routing import Rules, load_rules

AGENCIES = """\
escalation:
  ack_window_minutes: 15
  escalate_after_minutes: 15
coordinator:
  code: PUSDALOPS
  name: Pusdalops BPBD
agencies:
  - code: BPBD
    name: BPBD Kendal
    role: {id: korban dan evakuasi, en: victims and evacuation}
  - code: PMI
    name: PMI Kendal
    role: {id: kesehatan, en: health}
    ack_window_minutes: 20
    escalate_after_minutes: [10, 30]
"""

RULES = """\
severity:
  moderate: {households: 10}
  major: {households: 50}
clustering:
  window_hours: 3
rules:
  - name: everything
    hazard: any
    dispatch:
      - agency: BPBD
        task: {id: cek lokasi, en: check the site}
  - name: fire-care
    hazard: fire
    min_severity: moderate
    districts: [33.24.15]
    needs: [medicine]
    dispatch:
      - agency: PMI
        task: {id: layanan kesehatan, en: health care}
      - agency: BPBD
        task: {id: data korban, en: list victims}
"""


@dataclass(frozen=True)
class Files:
    """A pair of routing files written for one test."""

    agencies: Path
    rules: Path

    def load(self) -> Rules:
        """Load this pair."""
        return load_rules(self.agencies, self.rules)


def write_files(tmp_path: Path, agencies: str = AGENCIES, rules: str = RULES) -> Files:
    """Write an agencies and a rules file under ``tmp_path``."""
    files = Files(tmp_path / "agencies.yaml", tmp_path / "rules.yaml")
    files.agencies.write_text(agencies, encoding="utf-8")
    files.rules.write_text(rules, encoding="utf-8")
    return files


@pytest.fixture(scope="session")
def shipped() -> Rules:
    """The rulebook shipped with the gateway (Kendal)."""
    return load_rules()


@pytest.fixture
def small(tmp_path: Path) -> Rules:
    """The small test rulebook above."""
    return write_files(tmp_path).load()
