"""`assistant apikeys ...`: create, list and revoke the keys `/api/v1` accepts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from assistant.apikeys import service
from assistant.commandline.errors import UserError
from assistant.commandline.output import cell, console, errors, print_json
from assistant.db import unit_of_work
from assistant.models.base import utcnow
from assistant.values import plain

apikeys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
ACTOR = "cli"


@apikeys_app.command("create")
def create_command(
    name: Annotated[
        str, typer.Option(help="Who or what holds the key (unique among keys in use).")
    ],
    scope: Annotated[
        str,
        typer.Option(help="ingest (store data in), review (read and review) or admin (all)."),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the key and its details as JSON.")
    ] = False,
) -> None:
    """Create a key and print it once: only its hash is stored."""
    try:
        with unit_of_work() as session:
            made = service.create(session, name, scope, actor=ACTOR, now=utcnow())
    except service.KeyRefused as exc:
        raise UserError(str(exc)) from None
    details = {k: plain(v) for k, v in service.describe(made.row).items()}
    if as_json:
        print_json({**details, "key": made.key})
        return
    # The key alone on stdout, plain (KEY=$(assistant apikeys create ...)); notes on stderr.
    errors.print(
        f"created API key {details['name']!r} (scope {details['scope']}, "
        f"prefix {details['prefix']}):",
        highlight=False,
    )
    typer.echo(made.key)
    errors.print(
        "Copy it now: it will not be shown again (only its hash is stored).", highlight=False
    )


@apikeys_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(min=1, help="At most N keys, newest first.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Keys in use and revoked: name, scope, prefix, when created and last used (never a key)."""
    with unit_of_work() as session:
        rows = [service.describe(row) for row in service.listing(session, limit=limit)]
    if as_json:
        print_json([{k: plain(v) for k, v in row.items()} for row in rows])
        return
    table = Table(title=f"API keys ({len(rows):,})", caption="`assistant apikeys revoke NAME`")
    for column in ("name", "scope", "prefix", "created", "last used", "revoked"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["name"],
            row["scope"],
            row["prefix"],
            cell(row["created_at"]),
            cell(row["last_used_at"]) or "never",
            cell(row["revoked_at"]),
        )
    console.print(table)


@apikeys_app.command("revoke")
def revoke_command(
    name_or_prefix: Annotated[
        str,
        typer.Argument(metavar="NAME_OR_PREFIX", help="The key's name, or its prefix (ak_...)."),
    ],
) -> None:
    """Revoke a key: requests with it are refused from now on (idempotent)."""
    try:
        with unit_of_work() as session:
            revoked = service.revoke(session, name_or_prefix, actor=ACTOR, now=utcnow())
    except service.KeyRefused as exc:
        raise UserError(str(exc)) from None
    row = revoked.row
    said = "revoked" if revoked.changed else "was already revoked"
    console.print(f"API key {row.name!r} ({row.prefix}) {said}", highlight=False)
