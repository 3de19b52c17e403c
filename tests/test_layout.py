"""Architecture rules that code review alone would miss."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_reaches_connectors_only_through_the_composition_root() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "assistant").rglob("*.py")
        if path.name != "wiring.py"
        and any(name == "connectors" or name.startswith("connectors.") for name in _imports(path))
    ]
    assert offenders == []


def test_no_module_grows_into_a_god_file() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in ("assistant", "connectors")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {name: lines for name, lines in sizes.items() if lines > 600} == {}


PACKAGES = ("assistant", "connectors")


def _module_files() -> dict[str, Path]:
    """Every module of our packages by dotted name (a package by its `__init__.py`)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imported(module: str, path: Path, known: set[str]) -> Iterator[str]:
    """The modules of ours that `module` imports anywhere: at the top, inside functions and
    under TYPE_CHECKING alike (each is a dependency a later change can turn into a cycle)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # `from package import module` depends on the module, else on `source`.
                if f"{source}.{alias.name}" in known:
                    yield f"{source}.{alias.name}"
                elif source in known:
                    yield source


def _with_packages(targets: set[str], known: set[str]) -> set[str]:
    """`targets` and the packages above them: importing `a.b.c` runs `a/__init__` and
    `a/b/__init__` first, so a package's `__init__` that imports back closes a cycle too."""
    found = set(targets)
    for target in targets:
        parts = target.split(".")
        found.update(".".join(parts[:end]) for end in range(1, len(parts)))
    return found & known


def import_graph() -> dict[str, set[str]]:
    """Which of our modules each of our modules imports (with the packages that brings)."""
    files = _module_files()
    known = set(files)
    return {
        # The packages a module sits in are already being imported when it runs.
        module: _with_packages(set(_imported(module, path, known)), known)
        - _with_packages({module}, known)
        for module, path in files.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _loop(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One shortest way round `component`, from its first module back to it."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph[node] & members):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if target not in came_from:
                came_from[target] = node
                queue.append(target)
    return component


def test_a_package_init_counts_as_imported() -> None:
    known = {"a", "a.b", "a.b.c", "x"}
    assert _with_packages({"a.b.c", "x"}, known) == {"a", "a.b", "a.b.c", "x"}


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _loop(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycle() -> None:
    """Dependencies point one way: services get adapters from entry points, never the wiring.

    Counts function-level and TYPE_CHECKING imports too: they are edges all the same.
    """
    graph = import_graph()
    # The scan sees module-level and function-level imports (else this test proves nothing).
    assert "assistant.wiring" in graph["assistant.review.commands"]
    assert "connectors.slack.app" in graph["assistant.wiring"]
    found = [
        f"{len(component)} modules: {', '.join(component)}\n"
        f"  e.g. {' -> '.join(_loop(graph, component))}"
        for component in _cycles(graph)
    ]
    assert found == [], "import cycles:\n" + "\n".join(found)
