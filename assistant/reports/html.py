"""The reports page's Jinja2 templates (assistant/reports/templates), autoescaped."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


@cache
def environment() -> Environment:
    """Every template autoescapes: a value is text unless it is `Markup` (our SVG)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> Markup:
    """The template `name` rendered with `context`."""
    page = environment().get_template(name).render(**context)
    return Markup(page)  # noqa: S704 (autoescaped: only Markup values pass unescaped)


def figure(
    chart: Markup,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    caption: str,
) -> Markup:
    """A chart with its numbers as a plain table under it (the same numbers, for reading)."""
    return render(
        "figure.html",
        chart=chart,
        caption=caption,
        headers=headers,
        rows=[[str(cell) for cell in row] for row in rows],
    )
