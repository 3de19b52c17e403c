"""How commands talk to the person at the terminal: consoles, one-line errors, values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)


def fail(message: str, *, code: int = 2) -> NoReturn:
    """Print `error: message` as one line on stderr and exit (2: usage or setup mistake)."""
    errors.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def cell(value: Any) -> str:
    """A value as a person reads it in a table: no JSON, no Python reprs."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") + (" UTC" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(
            f"{_label(k)}: {cell(v)}" if isinstance(v, Mapping) else f"{_label(k)} {cell(v)}"
            for k, v in value.items()
            if v not in (None, "", [], {})
        )
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(cell(v) for v in value)
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def _label(key: Any) -> str:
    return str(key).replace("_", " ")


_RECEIPT_HIDDEN = frozenset({"schema", "playbook", "channel"})


def receipt_lines(facts: Mapping[str, Any]) -> list[str]:
    """A fact receipt as a person reads it: one `what: details` line per fact."""
    lines = []
    for key, value in facts.items():
        if key in _RECEIPT_HIDDEN or value in (None, "", [], {}):
            continue
        lines.append(f"{_label(key)}: {cell(value)}")
    return lines


def print_json(value: Any) -> None:
    """One JSON document on stdout, plain (no styling), for scripts."""
    typer.echo(json.dumps(value, indent=2, default=_plain, ensure_ascii=False))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return str(value)
