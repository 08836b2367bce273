"""The engine keeps to its layer: no web or database framework, nothing of ours, one rtree user."""

from __future__ import annotations

import ast
from pathlib import Path

import matching

ENGINE = Path(matching.__file__).parent
FORBIDDEN = {"flask", "sqlalchemy", "geoalchemy2", "registry", "api"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_engine_imports_no_framework_and_nothing_of_ours():
    for path in ENGINE.glob("*.py"):
        assert not imported_roots(path) & FORBIDDEN, path.name


def test_only_the_index_module_imports_rtree():
    users = {path.name for path in ENGINE.glob("*.py") if "rtree" in imported_roots(path)}
    assert users == {"index.py"}


def test_every_engine_module_opens_with_a_docstring():
    for path in ENGINE.glob("*.py"):
        assert ast.get_docstring(ast.parse(path.read_text())), path.name
