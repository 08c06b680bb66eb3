"""Reading the import graph of the source tree from the files (ast), without importing them.

Why from the files: an import inside a function (the lazy ones that keep start-up fast) is
still an arrow of the design, and importing the tree would load TensorFlow. The rules below
are DESIGN.md's layering; ``tests/test_layering.py`` applies them to the real tree and to
small broken trees, so the checker itself is shown to fail.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: Source folder -> the dotted package it installs as (pyproject's package-dir).
SOURCE_DIRS = {"live": "musicai.live", "training": "musicai.training",
               "export": "musicai.export", "models": "musicai.models"}

PURE = ("musicai.live.theory", "musicai.live.sampler", "musicai.live.encoding")
EDGES = ("musicai.live.engine", "musicai.live.jam", "musicai.live.midi", "musicai.live.tui")
#: package prefix -> prefixes it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "musicai.live": ("tensorflow", "keras", "tf2onnx", "musicai.training", "musicai.export"),
    "musicai.training": ("musicai.export",),
    **{pure: EDGES for pure in PURE},
}


@dataclass(frozen=True)
class Arrow:
    source: str  # importing module
    target: str  # imported module (ours) or top-level name (theirs)
    line: int


def _inside(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def modules(root: Path) -> dict[str, Path]:
    """Every module of ours under ``root``: dotted name -> file."""
    found: dict[str, Path] = {}
    for folder, dotted in SOURCE_DIRS.items():
        for path in sorted((root / folder).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = path.relative_to(root / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((dotted, *parts))] = path
    return found


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def arrows(name: str, path: Path, ours: dict[str, Path]) -> Iterator[Arrow]:
    """Each import in one file, resolved to the module it loads (a submodule when
    ``from pkg import sub`` names one)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _package(name, path)
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Arrow(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                yield Arrow(name, sub if sub in ours else origin, node.lineno)


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (annotations only: never imported)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in _runtime_nodes_of(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _runtime_nodes_of(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    yield from _runtime_nodes(node)


def graph(root: Path) -> tuple[dict[str, Path], list[Arrow]]:
    ours = modules(root)
    return ours, [a for name, path in ours.items() for a in arrows(name, path, ours)]


def wrong_way(all_arrows: Iterable[Arrow]) -> list[str]:
    """One line per arrow that points against the layering."""
    found = []
    for arrow in all_arrows:
        for owner, banned in FORBIDDEN.items():
            if _inside(arrow.source, owner):
                hit = next((b for b in banned if _inside(arrow.target, b)), None)
                if hit is not None:
                    found.append(f"{arrow.source}:{arrow.line} imports {arrow.target} "
                                 f"({owner} must not import {hit})")
    return sorted(set(found))


def cycles(ours: dict[str, Path], all_arrows: Iterable[Arrow]) -> list[list[str]]:
    """Import circles between our modules: strongly connected components (Tarjan) of more
    than one module, or a module importing itself."""
    edges: dict[str, set[str]] = {name: set() for name in ours}
    for arrow in all_arrows:
        if arrow.target in ours:
            edges[arrow.source].add(arrow.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in edges[node]:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found
