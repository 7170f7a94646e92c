"""The house rules of the layout: pure packages stay pure, no import cycles, workers stay thin, modules stay short."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = [p for p in sorted((ROOT / "gateway").rglob("*.py")) if "migrations" not in p.parts]
MAX_LINES = 400
PURE = ["gateway.parsers", "gateway.routing", "gateway.ussd.menus", "gateway.ussd.machine", "gateway.ussd.effects",
        "gateway.incidents.labels", "gateway.aid.pickup_list", "gateway.aid.kk", "gateway.aid.codes",
        "gateway.ussd.endings", "gateway.id_numbers", "gateway.bar_charts", "gateway.accounts.roles"]  # fmt: skip


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imported(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, anywhere in it (a function's import counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                      for a in node.names}  # fmt: skip
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_pure_packages_load_neither_flask_nor_sqlalchemy_nor_redis() -> None:
    code = f"import sys, {', '.join(PURE)}; print(sorted(m for m in ('flask', 'sqlalchemy', 'redis', 'rq') " \
           "if m in sys.modules))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_gateway_never_imports_the_workers() -> None:
    known = {module_name(p) for p in PRODUCT}
    offenders = [module_name(p) for p in PRODUCT if any(m.split(".")[0] == "workers" for m in imported(p, known))]
    assert offenders == []


def test_no_two_modules_import_each_other_even_through_others() -> None:
    known = {module_name(p) for p in PRODUCT}
    graph = {module_name(p): imported(p, known) & (known - {"gateway"}) for p in PRODUCT}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module] - {module}):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_workers_hold_only_rq_entry_points() -> None:
    for path in sorted((ROOT / "workers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kinds = {type(node).__name__ for node in tree.body} - {"Expr", "ImportFrom", "Import"}
        assert kinds <= {"FunctionDef"}, f"{path.name} holds {kinds - {'FunctionDef'}}"


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_of_the_product_grows_past_its_limit(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
