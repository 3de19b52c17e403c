"""`assistant doctor`: print a table of checks with the fix for each problem."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from assistant.commandline.output import console, print_json
from assistant.doctor.schemas import Check

_STYLE = {"ok": "green", "problem": "red", "warning": "yellow", "skipped": "dim"}


def doctor_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Check the configuration and every configured outside system; exit 1 on a problem."""
    from assistant.commandline.errors import settings_error_message
    from assistant.config import get_settings

    try:
        settings = get_settings()
    except ValueError as exc:
        checks = [
            Check.problem(
                "settings", settings_error_message(exc) or str(exc), "fix the setting named"
            )
        ]
    else:
        from assistant import wiring
        from assistant.doctor.service import run_checks

        checks = run_checks(settings, wiring.provider_checks(settings))
    if as_json:
        print_json([check.__dict__ for check in checks])
    else:
        table = Table(title="assistant doctor")
        for column in ("check", "status", "detail", "fix"):
            table.add_column(column, overflow="fold")
        for check in checks:
            style = _STYLE[check.status]
            table.add_row(check.name, f"[{style}]{check.status}[/]", check.detail, check.fix)
        console.print(table)
    problems = sum(check.status == "problem" for check in checks)
    if problems:
        if not as_json:
            console.print(f"[red]{problems} problem(s)[/]")
        raise typer.Exit(1)
