"""The package's layers hold: imports point down only, and no module imports itself in a circle.

Layers, lowest first (a module may import its own layer's modules and any lower layer):

    errors, _version, progress -> baseline -> data -> model -> calibration, results -> levers -> scenarios
    -> analyses, replication -> api -> the interfaces: report -> web -> cli -> the package's ``__init__``

Every import statement counts, including those inside functions (a lazy import is still a
dependency). The rules the layering exists for are also checked one by one, so that a failure
says which one broke.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "tradetalks"

#: Layer rank of each top-level part of the package.
RANK = {
    "errors": 0,
    "_version": 0,
    "progress": 0,
    "_atomic": 0,
    "baseline": 1,
    "data": 2,
    "model": 3,
    "calibration": 4,
    "results": 4,
    "levers": 5,
    "scenarios": 6,
    "analyses": 7,
    "replication": 7,
    "api": 8,
    "report": 9,
    "web": 10,
    "cli": 11,
    "__init__": 12,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``tradetalks`` module ``path`` imports (absolute or relative, anywhere in the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "tradetalks"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "tradetalks":
                continue
            out.add(mod)
            for alias in node.names:  # ``from tradetalks.data import icio`` imports a module too
                candidate = f"{mod}.{alias.name}"
                if _exists(candidate):
                    out.add(candidate)
    return out


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 50
    return {_module_name(f): _imports(f) for f in files}


def test_every_part_has_a_layer(graph):
    assert {_part(m) for m in graph} <= set(RANK)


def test_imports_point_down_only(graph):
    bad = [
        f"{mod} ({_part(mod)}) imports {dep} ({_part(dep)})"
        for mod, deps in graph.items()
        for dep in deps
        if _part(dep) != _part(mod) and RANK[_part(dep)] >= RANK[_part(mod)]
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("model", ("levers", "scenarios", "analyses", "api", "cli", "data", "calibration", "results")),
        ("data", ("model", "calibration", "levers", "scenarios", "analyses", "api", "cli")),
        ("baseline", ("data", "model")),
        ("analyses", ("api", "cli")),
        ("replication", ("model", "analyses", "api", "cli", "results")),
    ],
)
def test_named_rules(graph, layer, forbidden):
    bad = [
        f"{mod} imports {dep}"
        for mod, deps in graph.items()
        if _part(mod) == layer
        for dep in deps
        if _part(dep) in forbidden
    ]
    assert not bad, "\n".join(bad)


def test_layers_above_the_model_use_its_public_names(graph):
    """Outside ``model/`` (and the calibration that drives the solver) nothing reaches into the
    model's internals: ``FixedPointMap``, ``build_system`` and the kernels stay inside."""
    internal = {"tradetalks.model.fixed_point", "tradetalks.model.system", "tradetalks.model.equilibrium"}
    bad = [
        f"{mod} imports {dep}"
        for mod, deps in graph.items()
        if _part(mod) != "model"
        for dep in deps
        if dep in internal
    ]
    assert not bad, "\n".join(bad)


def test_no_import_circle(graph):
    """No cycle among the package's modules (importing a package counts as importing its
    ``__init__``; a package's ``__init__`` importing its own submodules is not a cycle)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for mod, deps in graph.items():
        for dep in deps:
            if dep in graph and dep != mod and not mod.startswith(dep + "."):
                edges[mod].add(dep)
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_nothing_cites_files_outside_the_project():
    """Docstrings cite the project's own ``docs/model.md``, never a design file it does not hold."""
    hits = [
        str(p.relative_to(PACKAGE.parent))
        for p in PACKAGE.rglob("*.py")
        if "MODEL.md" in p.read_text(encoding="utf-8")
    ]
    assert not hits, hits
    assert (PACKAGE.parents[1] / "docs" / "model.md").is_file()
