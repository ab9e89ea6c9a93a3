"""Each package's public surface is exactly its ``__all__``, and every name in it exists."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGES = [
    "microcred",
    "microcred.contexts",
    "microcred.errors",
    "microcred.issuer",
    "microcred.keys",
    "microcred.proofs",
    "microcred.verifier",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_exist_and_are_sorted_uniquely(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.{attribute}"


@pytest.mark.parametrize("name", PACKAGES)
def test_no_public_name_leaks_outside_all(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not isinstance(value, type(importlib))  # submodules are reachable by path anyway
        and attr not in {"annotations"}
    }
    assert public <= set(module.__all__), sorted(public - set(module.__all__))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["verifier", "proofs", "keys", "elm_models", "validation"])
def test_lower_layers_never_import_adapters_or_the_issuer(package: str) -> None:
    """Imports go one way: cli -> issuer/verifier -> formats -> proofs -> keys."""
    forbidden = ("click", "microcred.cli", "microcred.issuer", "microcred.store")
    root = Path(importlib.import_module("microcred").__file__ or "").parent / package
    for path in root.rglob("*.py"):
        bad = {name for name in _imports(path) if name.startswith(forbidden)}
        assert not bad, f"{path.name} imports {sorted(bad)}"
