"""How the storage room is built, checked on its source: no import cycle, no reaching inside,
and the dashboard reads through the protocol (`storage/__init__.py`, `base.py`) only.

Every import counts, the ones inside functions and under `TYPE_CHECKING` too: a lazy import is
still a dependency a reader must follow (issue 20 found `influx_http` and `influx_v2` importing
each other that way, and `influx_v2` using the transport's `_client` and `_secret`). The files
are read with `ast`, so a failure names the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_architecture import cycles, import_graph

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "storage"
PACKAGE = "backcoach.storage"
#: What of the storage room the dashboard may import: the protocol and its face, the read-only
#: wrapper, the private-files helper, the typed status rows (`LiveStatus`) and what reads them
#: through the protocol (which days are simulated, a sensor's kept reference). No store or
#: transport: the practice's overview too reads through the protocol (`open_fleet`), not by
#: opening an InfluxDB connection itself.
DASHBOARD_MAY_IMPORT = {
    PACKAGE,
    *(
        f"{PACKAGE}.{m}"
        for m in ("base", "readonly", "private", "status", "demo_store", "references")
    ),
}
#: The InfluxDB transport: every other InfluxDB module sends through it, it through none.
TRANSPORT = "backcoach.storage.influx_http"


def _modules() -> dict[str, Path]:
    return {
        (PACKAGE if p.stem == "__init__" else f"{PACKAGE}.{p.stem}"): p
        for p in sorted(ROOT.glob("*.py"))
    }


def _trees() -> dict[str, ast.Module]:
    return {name: ast.parse(p.read_text(), str(p)) for name, p in _modules().items()}


def storage_imports() -> dict[str, dict[str, int]]:
    """Module -> {storage module it imports: first line}, lazy and TYPE_CHECKING ones included
    (the house's one import graph, `tests/test_architecture.py`, cut to the storage room)."""
    rooms = import_graph()
    return {
        name: {m: line for m, line in edges.items() if m in rooms and _in_storage(m)}
        for name, edges in rooms.items()
        if _in_storage(name)
    }


def _in_storage(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def test_no_storage_module_imports_another_that_imports_it_back_not_even_lazily() -> None:
    assert cycles(storage_imports()) == []


def test_the_check_sees_lazy_and_type_checking_imports() -> None:
    """A loop through a function-level import is a loop; the graph sees both kinds."""
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {}}) == [["a", "b", "c"]]
    graph = storage_imports()
    assert f"{PACKAGE}.influx" in graph[PACKAGE]  # imported inside open_store
    assert "backcoach.storage.base" in graph[PACKAGE]


def test_the_influx_transport_imports_no_other_influx_module() -> None:
    """Writers, store, accounts and the fleet reader use the transport; it uses none of them."""
    influx = [m for m in storage_imports()[TRANSPORT] if m.startswith(f"{PACKAGE}.influx")]
    assert influx == []


def test_no_storage_module_reaches_into_another_objects_private_parts() -> None:
    """`self._x` is a class's own; `conn._secret` or `from .x import _y` is reaching in."""
    found = []
    for name, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                owner = node.value
                if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                    found.append(f"{name}:{node.lineno} .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
                found += [f"{name}:{node.lineno} {a.name}" for a in node.names if _private(a.name)]
    assert found == []


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_dashboard_reads_only_through_the_storage_protocol() -> None:
    found = [
        f"{name}:{line} {target}"
        for name, edges in sorted(import_graph().items())
        if name.startswith("backcoach.dashboard")
        for target, line in edges.items()
        if _in_storage(target) and target not in DASHBOARD_MAY_IMPORT
    ]
    assert found == []


def test_a_practice_on_the_embedded_store_is_refused_in_one_line(tmp_path) -> None:
    from backcoach.config import Settings
    from backcoach.errors import ConfigError
    from backcoach.storage import open_fleet

    with pytest.raises(ConfigError, match="storage = 'influxdb'") as refused:
        open_fleet(Settings(data_dir=str(tmp_path)), [("anna", "backcoach_anna")])
    assert "\n" not in str(refused.value)
