"""Architecture rules that code review alone would miss."""

from __future__ import annotations

import ast
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
