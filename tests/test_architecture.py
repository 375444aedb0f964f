"""The package's shape, checked on its source (ARCHITECTURE.md): imports, where SQL lives, function length.

These read the source with ``ast``; they do not import the modules they check.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"


def modules() -> dict[str, Path]:
    """``pipeline.x.y`` -> its file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def trees() -> Iterator[tuple[str, ast.Module]]:
    for name, path in modules().items():
        yield name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports_project(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.ImportFrom) and (sub.level or (sub.module or "").startswith("pipeline")):
            return True
        if isinstance(sub, ast.Import) and any(a.name.startswith("pipeline") for a in sub.names):
            return True
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def test_no_import_error_fallbacks_around_project_modules() -> None:
    """The project's own modules are always there: a fallback for their absence is dead code."""
    found = [
        f"{name}:{node.lineno}"
        for name, tree in trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Try)
        and any(_catches_import_error(h) for h in node.handlers)
        and any(_imports_project(stmt) for stmt in node.body)
    ]
    assert not found, f"except ImportError around project imports: {found}"


SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|WITH|BEGIN)\b|\bFROM \w+ WHERE\b")


def test_sql_lives_in_the_store() -> None:
    """Only ``pipeline/store/`` knows table names and SQL: no SQL text and no statements run elsewhere."""
    found = []
    for name, tree in trees():
        if name.startswith("pipeline.store"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                found.append(f"{name}:{node.lineno}: {node.value[:40]!r}")
            if isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany", "executescript"):
                found.append(f"{name}:{node.lineno}: .{node.attr}")
    assert not found, f"SQL outside pipeline/store/: {found}"


def _in_type_checking_block(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_targets(importer: str, node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> set[str]:
    """The project modules an import statement runs: the module itself and the packages above it whose
    ``__init__`` is not already running (those that contain ``importer``)."""
    if isinstance(node, ast.Import):
        wanted = [(alias.name, None) for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = importer if known[importer].name == "__init__.py" else importer.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        wanted = [(base, alias.name) for alias in node.names]
    targets = set()
    for module, attr in wanted:
        if not module.startswith("pipeline"):
            continue
        # `from pkg import submodule` imports the submodule; `from pkg import name` needs pkg's __init__
        target = f"{module}.{attr}" if attr and f"{module}.{attr}" in known else module
        targets.add(target)
        parent = target.rpartition(".")[0]
        while parent:
            if not (importer == parent or importer.startswith(parent + ".")):
                targets.add(parent)
            parent = parent.rpartition(".")[0]
    return {t for t in targets if t in known and t != importer}


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, at module level or inside functions (``if
    TYPE_CHECKING:`` blocks are left out: they never run)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, tree in trees():
        edges: set[str] = set()

        def visit(node: ast.AST, name: str = name, edges: set[str] = edges) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _in_type_checking_block(child):
                    for stmt in child.orelse:
                        visit(stmt)
                    continue
                if isinstance(child, ast.Import | ast.ImportFrom):
                    edges |= _import_targets(name, child, known)
                visit(child)

        visit(tree)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_no_import_circle() -> None:
    """The package's modules import each other without a circle, counting imports inside functions."""
    assert cycles(import_graph()) == []


def test_the_import_walk_sees_circles() -> None:
    """The walk sees imports inside functions, leaves out ``TYPE_CHECKING`` ones, and finds a circle that
    closes through a package's ``__init__``."""
    graph = import_graph()
    assert "pipeline.preprocess" in graph["pipeline.modeling.fit"]  # imported inside fit_corpus
    assert "pipeline.config" not in graph["pipeline.modeling.fit"]  # only for type hints
    graph["pipeline.themes"] = graph["pipeline.themes"] | {"pipeline.preprocess"}  # as themes once imported it
    assert any("pipeline.themes" in c for c in cycles(graph))


def test_stages_import_the_config_only_for_type_hints() -> None:
    """The config borrows value lists from the stages' leaf modules, so the stage packages must not import
    it when they run (they get their section passed in)."""
    graph = import_graph()
    borrowed = ("pipeline.ingest", "pipeline.extract", "pipeline.modeling")
    reach: set[str] = set()
    todo = [m for m in graph if m.startswith(borrowed)]
    while todo:
        m = todo.pop()
        if m not in reach:
            reach.add(m)
            todo += graph[m]
    assert "pipeline.config" not in reach


MAX_FUNCTION_LINES = 80
# Functions still longer, each with the reason it is not split here (remove the entry when it is).
LONG_FUNCTIONS: dict[str, str] = {}


def test_no_long_functions() -> None:
    """No function of the package is longer than ``MAX_FUNCTION_LINES`` lines (one concern each)."""
    found = {}
    for name, tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found[f"{name}.{node.name}"] = lines
    assert set(found) == set(LONG_FUNCTIONS), f"functions over {MAX_FUNCTION_LINES} lines: {found}"
