"""The house's rules on imports, checked on the source: what may import what, and no cycles.

Every import counts, the ones inside functions and under `TYPE_CHECKING` too: a lazy import is
still a dependency a reader must follow. The graph is read from the files (ast), so the check
needs nothing installed and names the file and the import that breaks a rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Each top-level folder and the package it installs as (pyproject's [tool.setuptools]).
ROOMS = {
    "backcoach": "backcoach",
    "collector": "backcoach.collector",
    "processing": "backcoach.processing",
    "storage": "backcoach.storage",
    "dashboard": "backcoach.dashboard",
    "live": "backcoach.live",
    "i18n": "backcoach.i18n",
    "analysis": "backcoach.analysis",
}
#: The wiring: it imports the parts, never the other way round.
WIRING = ("backcoach.live", "backcoach.commands", "backcoach.cli")
PARTS = (
    "backcoach.collector",
    "backcoach.processing",
    "backcoach.storage",
    "backcoach.dashboard",
    "backcoach.alerts",
    "backcoach.i18n",
)
#: Rules: (importer, imported) prefixes that must not meet.
FORBIDDEN = [
    *((part, wiring) for part in PARTS for wiring in WIRING),
    *(
        ("backcoach.processing", other)
        for other in (
            "backcoach.collector",
            "backcoach.storage",
            "backcoach.dashboard",
            "backcoach.alerts",
            "backcoach.config",
            "backcoach.i18n",
        )
    ),
    ("backcoach.dashboard", "backcoach.collector"),
    ("backcoach.storage", "backcoach.collector"),
    ("backcoach.storage", "backcoach.dashboard"),
    ("backcoach.storage", "backcoach.alerts"),
]
#: Cycles allowed for now: none (issue 20 removed the last, influx_http <-> influx_v2).
KNOWN_CYCLES: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in ROOMS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {imported module: line}, for every import of one of our modules."""
    modules = _modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges: dict[str, int] = {}
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*up, *([base] if base else [])])
                subs = [f"{base}.{a.name}" for a in node.names]
                targets = [s for s in subs if s in modules] or [base]
                if len(targets) < len(subs) and base not in targets:
                    targets.append(base)
            else:
                continue
            for target in targets:
                if target in modules and target != name:
                    edges.setdefault(target, node.lineno)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, int]]:
    return import_graph()


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_no_import_cycle_not_even_a_lazy_one(graph) -> None:
    """No two modules import each other, through any path, lazily or for types only."""
    found = {tuple(group) for group in cycles(graph)}
    assert found - KNOWN_CYCLES == set()


def test_no_part_imports_the_wiring_and_processing_imports_no_other_part(graph) -> None:
    """The collector, processing, storage, the dashboard and the warning channels never import
    `live/` or the commands; processing imports no other part; storage and the dashboard no
    collector."""
    broken = [
        f"{_modules()[a].relative_to(ROOT)}:{line} imports {b}"
        for a, edges in graph.items()
        for b, line in edges.items()
        for importer, imported in FORBIDDEN
        if _under(a, importer) and _under(b, imported)
    ]
    assert broken == []


def test_the_check_sees_lazy_and_type_checking_imports() -> None:
    """The graph is not blind to the imports that hide: one inside a function, one for types."""
    tree = {"a": {"b": 1}, "b": {"a": 2}}
    assert cycles(tree) == [["a", "b"]]
    sensor = import_graph()["backcoach.live.sensor"]
    assert "backcoach.live.run" in sensor  # a plain import is seen
    assert "backcoach.collector.session" in sensor  # one for types only
    lazy = import_graph()["backcoach.commands.collect"]
    assert "backcoach.live.sensor" in lazy  # imported inside a function
