"""`assistant triggers list|run|explain`: event-triggered drafts, once per occasion."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from assistant.commandline.errors import UserError
from assistant.commandline.output import console, print_json

triggers_app = typer.Typer(
    help="Event triggers: list them, run them, explain one customer.", no_args_is_help=True
)


class Format(StrEnum):
    table = "table"
    json = "json"


AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="The day to evaluate (YYYY-MM-DD); default: the brand's today."),
]
Output = Annotated[Format, typer.Option("--format", help="table or json.")]


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of {value!r} is not a date; use YYYY-MM-DD") from None


def _config() -> Any:
    from assistant.triggers.config import TriggersConfigError, load_triggers

    try:
        return load_triggers()
    except TriggersConfigError as exc:
        raise UserError(str(exc)) from None


@triggers_app.command("list")
def list_command(output: Output = Format.table) -> None:
    """Every trigger in triggers.yaml: kind, playbook, channel, cooldown, parameters, steps."""
    from assistant.triggers.schemas import trigger_info

    config = _config()
    rows = [trigger_info(t).model_dump(mode="json") for t in config.triggers.values()]
    if output == Format.json:
        print_json(rows)
        return
    source = str(config.path) if config.path else "built-in defaults"
    table = Table(title=f"Triggers ({source})")
    for column in ("name", "kind", "on", "playbook / channel", "cooldown", "parameters", "steps"):
        table.add_column(column, overflow="fold")
    for row in rows:
        params = ", ".join(f"{k}={v}" for k, v in row["params"].items())
        steps = "; ".join(f"+{s['after_days']}d {s['label'] or ''}".strip() for s in row["steps"])
        table.add_row(
            row["name"],
            row["kind"],
            "yes" if row["enabled"] else "no",
            f"{row['playbook']} / {row['channel']}",
            f"{row['cooldown_days']}d",
            params,
            steps or "-",
        )
    console.print(table)


@triggers_app.command("run")
def run_command(
    as_of: AsOf = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be queued; write nothing.")
    ] = False,
    trigger: Annotated[
        str | None, typer.Option("--trigger", help="Only this trigger (even if disabled).")
    ] = None,
    output: Output = Format.table,
) -> None:
    """Evaluate the triggers over every customer and queue one draft per new occasion."""
    from assistant.config import get_settings
    from assistant.db import unit_of_work
    from assistant.jobs.runners import build_runner
    from assistant.models.base import utcnow
    from assistant.triggers import service
    from assistant.triggers.config import TriggersConfigError
    from assistant.triggers.tasks import context_for

    settings = get_settings()
    config = _config()
    context = context_for(settings, _day(as_of), utcnow())
    try:
        with unit_of_work(writes=not dry_run) as session:
            report = service.run(
                session,
                config,
                context,
                runner=None if dry_run else build_runner(settings),
                dry_run=dry_run,
                only=trigger,
            )
            if dry_run:
                session.rollback()
    except TriggersConfigError as exc:
        raise UserError(str(exc)) from None
    if output == Format.json:
        print_json(report.as_dict())
        return
    verb = "would queue" if dry_run else "queued"
    table = Table(title=f"Triggers as of {report.as_of.isoformat()}: {verb} {report.queued:,}")
    for column in ("trigger", "step", "matched", verb, "skipped", "campaign"):
        table.add_column(column, overflow="fold")
    for step in report.steps:
        skipped = ", ".join(f"{reason} {n:,}" for reason, n in step.skipped.items())
        table.add_row(
            step.trigger,
            f"{step.step} {step.label}",
            f"{step.matched:,}",
            f"{step.queued:,}",
            skipped or "-",
            str(step.campaign_id or "-"),
        )
    console.print(table)


@triggers_app.command("explain")
def explain_command(
    customer_id: Annotated[
        str, typer.Argument(help="The customer's id (customer_id of customers.csv).")
    ],
    as_of: AsOf = None,
    output: Output = Format.table,
) -> None:
    """For each trigger: would it fire for this customer now, and if not, why."""
    from assistant.config import get_settings
    from assistant.db import unit_of_work
    from assistant.models.base import utcnow
    from assistant.triggers import service
    from assistant.triggers.schemas import explanation_read
    from assistant.triggers.tasks import context_for

    config = _config()
    context = context_for(get_settings(), _day(as_of), utcnow())
    with unit_of_work() as session:
        try:
            pk = service.customer_pk(session, customer_id)
        except service.CustomerNotFound:
            raise UserError(
                f"no customer {customer_id!r}; give the customer_id from your customers.csv"
            ) from None
        found = service.explain(session, config, pk, context)
    rows = [explanation_read(e).model_dump(mode="json") for e in found]
    if output == Format.json:
        print_json(
            {"customer_id": customer_id, "as_of": context.as_of.isoformat(), "triggers": rows}
        )
        return
    table = Table(title=f"Triggers for {customer_id} as of {context.as_of.isoformat()}")
    for column in ("trigger", "fires", "why", "sequence"):
        table.add_column(column, overflow="fold")
    for row in rows:
        sequence = "; ".join(_step_line(s) for s in row["sequence"])
        table.add_row(
            row["trigger"], "yes" if row["would_fire"] else "no", row["detail"], sequence or "-"
        )
    console.print(table)


def _step_line(state: dict[str, Any]) -> str:
    line = f"{state['occasion']} step {state['step']}: {state['draft_state'] or 'queued'}"
    if state["sent_on"]:
        line += f", sent {state['sent_on']}"
    if state["stopped"]:
        line += f", stopped ({state['stopped']})"
    elif state["next_due_on"]:
        line += f", step {state['next_step']} due {state['next_due_on']}"
    return line
