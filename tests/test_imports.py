"""The layering of the packages, checked by parsing every import (lazy and type-only ones included).

The rules keep the pipeline's stages apart (ARCHITECTURE.md): readers only
read, the ledger only stores and answers, and no two top-level packages need
each other. The package root (``figtrace/__init__.py``, the public facade) is
left out of the cycle check: Python imports it before any submodule anyway.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "figtrace"

#: The package facade (``figtrace/__init__.py``) imports the pipeline and with it every stage: a
#: layer that must not reach a stage must not import the facade either (the version is in ``version``).
FACADE = "figtrace"
#: package → top-level packages it must not import, with the reason.
FORBIDDEN = {
    "ingest": ({"clean", "meta", "extract", "pipeline", "scale", "store", FACADE}, "readers only read"),
    "store": ({"extract", "pipeline", "scale", "ingest", "clean", "meta", FACADE},
              "the ledger stores and answers queries"),
    "reconcile": ({"extract", "pipeline", "scale", "ingest", "store", FACADE},
                  "reconciling is pure functions over claims"),
    "lang": ({"extract", "clean", "meta", "kb", FACADE}, "the language registry is data"),
}


def _unit(module: str) -> str:
    """``figtrace.store.ledger`` → ``store``; ``figtrace`` → ``figtrace``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def import_graph(root: Path = PACKAGE) -> dict[str, dict[str, list[str]]]:
    """Top-level unit → imported unit → the files that import it."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        src = _unit(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{path}: relative import (figtrace uses absolute ones)")
            else:
                continue
            for name in names:
                if name == "figtrace" or name.startswith("figtrace."):
                    dst = _unit(name)
                    if dst != src:
                        graph[src][dst].append(str(path.relative_to(root.parent)))
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]], skip: set[str]) -> list[str] | None:
    """One cycle among the units (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u: str) -> list[str] | None:
        state[u] = 1
        stack.append(u)
        for v in graph.get(u, {}):
            if v in skip:
                continue
            if state.get(v) == 1:
                return [*stack[stack.index(v):], v]
            if v not in state:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return None

    for u in sorted(graph):
        if u not in state and u not in skip:
            found = visit(u)
            if found:
                return found
    return None


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layering_rules(package: str) -> None:
    banned, why = FORBIDDEN[package]
    graph = import_graph()
    bad = {dst: files for dst, files in graph.get(package, {}).items() if dst in banned}
    assert not bad, f"figtrace/{package} must not import {sorted(bad)} ({why}): {bad}"


def test_no_cycles_between_top_level_packages() -> None:
    cycle = find_cycle(import_graph(), skip={"figtrace"})
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_checker_sees_lazy_imports_and_cycles(tmp_path: Path) -> None:
    pkg = tmp_path / "figtrace"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    (pkg / "a" / "__init__.py").write_text("def f():\n    from figtrace.b import x\n", encoding="utf-8")
    (pkg / "b" / "__init__.py").write_text("import figtrace.a.sub\nx = 1\n", encoding="utf-8")
    graph = import_graph(pkg)
    assert graph["a"]["b"] == ["figtrace/a/__init__.py"] and "a" in graph["b"]
    assert find_cycle(graph, skip=set()) in (["a", "b", "a"], ["b", "a", "b"])
