"""`assistant guardrails check`: run the guardrails on a text, print the findings as JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.drafting.guardrails.checks.sms import sms_report
from assistant.drafting.guardrails.findings import Finding, blocking
from assistant.drafting.guardrails.pipeline import check_draft
from assistant.drafting.guardrails.policy import GuardrailPolicy

guardrails_app = typer.Typer(help="Check drafts against the guardrails.", no_args_is_help=True)

EXIT_BLOCKED = 1
EXIT_USAGE = 2


class ChannelOption(StrEnum):
    """The channels a draft can be written for."""

    sms = "sms"
    email = "email"


class UsageProblem(Exception):
    """Bad input to the command: the message names the file and the problem."""


def _json_number(text: str) -> Decimal:
    return Decimal(text)


def load_facts(path: Path) -> dict[str, Any]:
    """Read a fact receipt: a JSON object with at least customer.first_name."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageProblem(f"facts file {path}: not found") from None
    except IsADirectoryError:
        raise UsageProblem(f"facts file {path}: is a directory, not a JSON file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"facts file {path}: cannot be read: {exc}") from None
    try:
        facts = json.loads(raw, parse_float=_json_number)
    except json.JSONDecodeError as exc:
        raise UsageProblem(
            f"facts file {path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(facts, dict):
        raise UsageProblem(
            f"facts file {path}: must be a JSON object like "
            f'{{"customer": {{"first_name": "Maya"}}}}, not a {type(facts).__name__}'
        )
    customer = facts.get("customer")
    if not isinstance(customer, Mapping):
        raise UsageProblem(
            f'facts file {path}: needs a "customer" object with the "first_name", e.g. '
            '{"customer": {"first_name": "Maya"}}'
        )
    first_name = customer.get("first_name")
    if not isinstance(first_name, str) or not first_name.strip():
        raise UsageProblem(f'facts file {path}: "customer.first_name" must be a non-empty string')
    return facts


def _catalog(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"catalog file {path}: cannot be read: {exc}") from None
    return [line.strip() for line in lines if line.strip()]


def _policy() -> GuardrailPolicy:
    from assistant.drafting.brand import BrandError, load_brand

    try:
        return GuardrailPolicy.from_brand(load_brand())
    except BrandError as exc:
        raise UsageProblem(str(exc)) from None


def report(findings: list[Finding], *, channel: str, body: str) -> dict[str, Any]:
    """The command's JSON: blocking, findings, and the SMS encoding (null for email)."""
    return {
        "blocking": blocking(findings),
        "findings": [f.as_dict() for f in findings],
        "sms": sms_report(body) if channel == "sms" else None,
    }


@guardrails_app.command("check")
def check_command(
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="The message body; '-' reads it from stdin.")
    ],
    channel: Annotated[
        ChannelOption, typer.Option("--channel", help="The channel the text is for.")
    ],
    facts: Annotated[
        Path,
        typer.Option(
            "--facts",
            metavar="FACTS.json",
            help='The fact receipt: a JSON object with at least {"customer": {"first_name"}}; '
            "every value in it counts as known.",
        ),
    ],
    subject: Annotated[str | None, typer.Option("--subject", help="The email subject.")] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(
            "--catalog",
            help="Product names, one a line: a catalogue product not in the facts is invented.",
        ),
    ] = None,
) -> None:
    """Print the guardrail findings for TEXT as JSON; exit 1 when one of them blocks."""
    try:
        receipt = load_facts(facts)
        names = _catalog(catalog)
        policy = _policy()
    except UsageProblem as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    body = sys.stdin.read().rstrip("\n") if text == "-" else text
    findings = check_draft(
        channel=channel.value,
        body=body,
        subject=subject,
        facts=receipt,
        policy=policy,
        catalog_names=names,
    )
    typer.echo(json.dumps(report(findings, channel=channel.value, body=body), ensure_ascii=False))
    if blocking(findings):
        raise typer.Exit(EXIT_BLOCKED)
