"""Every name normlib imports from one of its own modules comes from the module that defines it.

A student who reads ``from ..nn import as_rng`` opens nn.py and does not find ``as_rng`` there (it
lives in module.py, and nn.py only imports it). Packages (``__init__.py``) are the exception: they
gather names by design. Checked on the source, with the ``ast`` module, so the rule cannot drift.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "normlib"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def defined_at_top_level(path):
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def resolve(importer, level, module):
    """The file a relative ``from <dots><module> import …`` in ``importer`` reads (None: a package)."""
    base = importer.parent
    for _ in range(level - 1):
        base = base.parent
    target = base.joinpath(*(module.split(".") if module else []))
    return target.with_suffix(".py") if target.with_suffix(".py").exists() else None


def borrowed(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            source = resolve(path, node.level, node.module)
            if source is None:
                continue
            own = defined_at_top_level(source)
            for alias in node.names:
                if alias.name not in own:
                    yield f"line {node.lineno}: {alias.name} from {source.relative_to(PACKAGE.parent)}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_every_import_comes_from_where_the_name_lives(path):
    if path.name == "__init__.py":
        pytest.skip("a package gathers names by design")
    assert list(borrowed(path)) == []
