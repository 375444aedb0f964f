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
