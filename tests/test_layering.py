"""The layering of linad's modules: no import cycle, no import from a higher layer.

Every import of every module counts — at module level and inside functions — and
the allowed layers are the table "Layers" of docs/architecture.md, so the
documented map and the code cannot drift apart.
"""
from __future__ import annotations

import ast
import fnmatch
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "linad"
DOC = ROOT / "docs" / "architecture.md"


def module_files() -> dict[str, pathlib.Path]:
    """Module name -> file, for every module of the package (packages by their __init__)."""
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def imported_modules(name: str, path: pathlib.Path, mods: dict) -> set[str]:
    """The linad modules ``name`` imports anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                       for a in node.names]
        for t in targets:
            while t and t not in mods:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def import_graph() -> dict[str, set[str]]:
    """Imports between linad modules; a package re-exporting its own children is not counted."""
    mods = module_files()
    graph = {}
    for name, path in mods.items():
        deps = imported_modules(name, path, mods)
        if path.name == "__init__.py":
            deps = {d for d in deps if not d.startswith(name + ".")}
        graph[name] = deps
    return graph


def documented_layers() -> list[tuple[int, str]]:
    """``(layer, module pattern)`` from the rows ``| n | `pattern`, ... | role |`` of the doc."""
    text = DOC.read_text()
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|([^|]*)\|", line)
        if m:
            rows += [(int(m.group(1)), p) for p in re.findall(r"`([^`]+)`", m.group(2))]
    return rows


def layer_of(module: str, rows: list) -> int | None:
    """The layer of the most specific pattern matching ``module`` (exact names first)."""
    exact = [layer for layer, p in rows if p == module]
    if exact:
        return exact[0]
    matches = [(len(p), layer) for layer, p in rows if fnmatch.fnmatchcase(module, p)]
    return max(matches)[1] if matches else None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


GRAPH = import_graph()
ROWS = documented_layers()


def test_the_layer_table_is_found():
    assert len(ROWS) > 10, "docs/architecture.md has no usable 'Layers' table"


def test_no_import_cycle():
    assert cycles(GRAPH) == []


def test_every_module_has_a_layer():
    missing = sorted(m for m in GRAPH if layer_of(m, ROWS) is None)
    assert not missing, f"modules without a layer in docs/architecture.md: {missing}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_downwards(module):
    mine = layer_of(module, ROWS)
    upward = sorted(f"{d} (layer {layer_of(d, ROWS)})" for d in GRAPH[module]
                    if layer_of(d, ROWS) is not None and mine is not None
                    and layer_of(d, ROWS) > mine)
    assert not upward, f"{module} (layer {mine}) imports from higher layers: {upward}"


def test_the_checks_catch_a_cycle_and_an_upward_import():
    """The checker itself: a made-up graph with a cycle, and a made-up upward import."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    rows = [(0, "linad.core"), (2, "linad.primitives.*"), (1, "linad.primitives.rules")]
    assert layer_of("linad.primitives.rules", rows) == 1
    assert layer_of("linad.primitives.linear", rows) == 2
    assert layer_of("linad.nowhere", rows) is None
