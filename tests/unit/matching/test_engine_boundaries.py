"""The engine keeps to its layer: no web or database framework, nothing of ours, one rtree user."""

from __future__ import annotations

import ast
from pathlib import Path

import matching

ENGINE = Path(matching.__file__).parent
FORBIDDEN = {
    "flask",
    "werkzeug",
    "sqlalchemy",
    "geoalchemy2",
    "dask",
    "distributed",
    "registry",
    "api",
    "seed_data",
    "bench",
}


def engine_modules(root: Path = ENGINE) -> list[Path]:
    """Every module of the engine, sub-packages included."""
    return sorted(root.rglob("*.py"))


def imported_roots(path: Path, root: Path = ENGINE) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            roots |= _relative_escape(path, node, root)
    return roots


def _relative_escape(path: Path, node: ast.ImportFrom, root: Path) -> set[str]:
    """A relative import that climbs out of the engine names whatever it reaches."""
    depth = len(path.relative_to(root).parts) - 1
    return {"<outside matching>"} if node.level - 1 > depth else set()


def test_a_forbidden_import_deep_in_a_sub_package_is_found(tmp_path):
    engine = tmp_path / "engine"
    (engine / "kernels" / "compiled").mkdir(parents=True)
    deep = engine / "kernels" / "compiled" / "fast.py"
    deep.write_text('"""x"""\nimport flask\nfrom ... import registry_bridge\nfrom .. import ok\n')
    assert deep in engine_modules(engine)
    assert imported_roots(deep, engine) == {"flask"}
    escape = engine / "kernels" / "leak.py"
    escape.write_text("from ... import api\n")
    assert imported_roots(escape, engine) == {"<outside matching>"}


def test_the_engine_imports_no_framework_and_nothing_of_ours():
    assert engine_modules()
    for path in engine_modules():
        found = imported_roots(path) & (FORBIDDEN | {"<outside matching>"})
        assert not found, (path.relative_to(ENGINE), found)


def test_only_the_index_module_imports_rtree():
    users = {
        str(path.relative_to(ENGINE))
        for path in engine_modules()
        if "rtree" in imported_roots(path)
    }
    assert users == {"index.py"}


def test_every_engine_module_opens_with_a_docstring():
    for path in engine_modules():
        assert ast.get_docstring(ast.parse(path.read_text())), path.relative_to(ENGINE)
