"""`assistant segments ...`: list segments, count and export their members."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from assistant.commandline.output import cell
from assistant.db import unit_of_work
from assistant.segments import service
from assistant.segments.definition import parse_params
from assistant.segments.errors import SegmentError, UnknownSegment
from assistant.segments.query import KEY_METRICS
from assistant.segments.registry import load_catalog
from assistant.values import spreadsheet_row

segments_app = typer.Typer(
    help="Customer segments: built-in and user-defined.", no_args_is_help=True
)
console = Console()
# Error lines are not hard-wrapped: they stay whole for grep and copy-paste.
errors = Console(stderr=True, soft_wrap=True)

CSV_COLUMNS = ("customer_id", "first_name", "qualifier", *KEY_METRICS)
TABLE_LIMIT = 50

ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param", "-p", help="Override a threshold: NAME=VALUE (repeatable).", show_default=False
    ),
]
AsOfOption = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%d"], help="Evaluate windows as of this day (default: the metrics' as-of)."
    ),
]


@contextmanager
def _evaluated(
    name: str, params: list[str] | None, as_of: datetime | None
) -> Iterator[tuple[Session, service.Evaluation]]:
    """A unit of work with the segment resolved; exit 2 on an unknown segment or bad param."""
    try:
        overrides = parse_params(params or [])
        with unit_of_work() as session:
            evaluation = service.evaluate(session, name, overrides, as_of.date() if as_of else None)
            yield session, evaluation
    except UnknownSegment as exc:
        errors.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except SegmentError as exc:
        for problem in exc.problems:
            errors.print(f"[red]error:[/] {problem}", highlight=False)
        raise typer.Exit(2) from None


def _describe(evaluation: service.Evaluation) -> str:
    params = ", ".join(f"{k}={v}" for k, v in evaluation.params.items())
    return f"{evaluation.segment.name} as of {evaluation.as_of.isoformat()}" + (
        f" ({params})" if params else ""
    )


@segments_app.command("list")
def list_command() -> None:
    """Every segment: name, source (builtin or user) and description."""
    catalog = load_catalog()
    table = Table(title="Segments")
    for column in ("name", "source", "params", "description"):
        table.add_column(column, overflow="fold")
    for info in service.list_segments(catalog):
        params = ", ".join(f"{k}={v}" for k, v in info.params.items())
        table.add_row(info.name, info.source, params, info.description)
    console.print(table)
    for problem in catalog.problems:
        errors.print(f"[red]error:[/] {problem}", highlight=False)
    if catalog.problems:
        raise typer.Exit(1)


@segments_app.command("count")
def count_command(
    name: Annotated[str, typer.Argument(help="Segment name (see `segments list`).")],
    param: ParamOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Print how many customers are in segment NAME (the number alone on standard output)."""
    with _evaluated(name, param, as_of) as (session, evaluation):
        total = service.count(session, evaluation)
    typer.echo(str(total))
    errors.print(_describe(evaluation), highlight=False)


@segments_app.command("members")
def members_command(
    name: Annotated[str, typer.Argument(help="Segment name (see `segments list`).")],
    fmt: Annotated[str, typer.Option("--format", help="table or csv.")] = "table",
    limit: Annotated[
        int | None,
        typer.Option(min=1, help=f"At most N members (table default: {TABLE_LIMIT})."),
    ] = None,
    param: ParamOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The members of segment NAME with what qualified them; csv streams every member."""
    if fmt not in ("table", "csv"):
        errors.print(f"[red]error:[/] --format must be table or csv, not {fmt!r}")
        raise typer.Exit(2)
    with _evaluated(name, param, as_of) as (session, evaluation):
        if fmt == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            for member in service.iter_members(session, evaluation, limit):
                qualifier = json.dumps(member.qualifier, ensure_ascii=False, sort_keys=True)
                metrics = [member.metrics[name] for name in KEY_METRICS]
                cells = [member.customer_id, member.first_name, qualifier, *metrics]
                writer.writerow(spreadsheet_row(cells))
            return
        shown = limit or TABLE_LIMIT
        members = list(service.iter_members(session, evaluation, shown))
        total = service.count(session, evaluation)
    table = Table(title=_describe(evaluation))
    for column in ("customer_id", "first_name", "qualifier", "orders", "spend", "last order"):
        table.add_column(column, overflow="fold")
    for member in members:
        table.add_row(
            member.customer_id,
            member.first_name or "",
            cell(member.qualifier),
            str(member.metrics["orders_count"]),
            str(member.metrics["lifetime_spend"]),
            str(member.metrics["last_order_at"] or ""),
        )
    console.print(table)
    if total > len(members):
        errors.print(f"showing {len(members):,} of {total:,}: use --limit N or --format csv")
