"""`assistant variants ...`: list the A/B variants, promote a winner, resume the test."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from assistant.commandline.errors import UserError
from assistant.commandline.output import console, print_json
from assistant.db import unit_of_work
from assistant.review.actors import terminal_actor
from assistant.variants import service
from assistant.variants.config import (
    UnknownVariant,
    VariantsConfig,
    VariantsConfigError,
    load_variants,
)

variants_app = typer.Typer(
    help="A/B variants of playbooks: list, promote a winner, unpromote.", no_args_is_help=True
)


class Format(StrEnum):
    table = "table"
    json = "json"


def _config() -> VariantsConfig:
    try:
        return load_variants()
    except VariantsConfigError as exc:
        raise UserError(str(exc)) from None


@variants_app.command("list")
def list_command(
    playbook: Annotated[str | None, typer.Option(help="Only this playbook.")] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Each tested playbook's variants: weight, share of new drafts, template, promotion."""
    config = _config()
    try:
        with unit_of_work() as session:
            listed = service.list_variants(session, playbook, config=config)
    except UnknownVariant as exc:
        raise UserError(str(exc)) from None
    if output == Format.json:
        print_json(
            {
                "source": str(config.path) if config.path else None,
                "playbooks": [asdict(item) for item in listed],
            }
        )
        return
    if not listed:
        console.print("No playbook has variants (declare them in prompts/variants.yaml).")
        return
    for item in listed:
        state = "testing"
        if item.promoted:
            state = f"promoted {item.promoted} ({item.promoted_by})"
            if item.promotion_ignored:
                state += ": not in variants.yaml, ignored"
        table = Table(title=f"{item.playbook}: {state}")
        for column in ("variant", "weight", "share", "template", "instruction"):
            table.add_column(column, overflow="fold")
        for variant in item.variants:
            table.add_row(
                variant["name"],
                f"{variant['weight']:g}",
                f"{variant['share']:.0%}",
                variant["prompt"],
                variant["instruction"] or "",
            )
        console.print(table)


PlaybookArg = Annotated[str, typer.Argument(help="A playbook with variants, e.g. recognition.")]


@variants_app.command("promote")
def promote_command(
    playbook: PlaybookArg,
    variant: Annotated[str, typer.Argument(help="The variant to promote, e.g. early_access.")],
) -> None:
    """Make VARIANT the only variant new drafts of PLAYBOOK get."""
    config = _config()
    actor = terminal_actor().id
    try:
        with unit_of_work() as session:
            service.promote(session, playbook, variant, actor=actor, config=config)
    except UnknownVariant as exc:
        raise UserError(str(exc)) from None
    console.print(f"Promoted {variant} for {playbook}: every new {playbook} draft gets it.")


@variants_app.command("unpromote")
def unpromote_command(playbook: PlaybookArg) -> None:
    """Resume PLAYBOOK's test: customers get their hashed variant again."""
    config = _config()
    try:
        with unit_of_work() as session:
            removed = service.unpromote(session, playbook, config=config)
    except UnknownVariant as exc:
        raise UserError(str(exc)) from None
    if removed:
        console.print(f"The {playbook} test runs again: each customer gets their own variant.")
    else:
        console.print(f"No variant of {playbook} was promoted: the test is running.")
