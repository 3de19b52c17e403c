"""The `assistant` command: a registry of lazily imported subcommands.

Nothing heavy is imported here; each command module is imported when that command runs
(`assistant.commandline.lazy`), so `assistant --help` and small commands start fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.commandline.lazy import LazyCommand, LazyGroup


class AssistantGroup(LazyGroup):
    """Every `assistant` subcommand, in the order `--help` lists them."""

    registry = {
        "quickstart": LazyCommand(
            "assistant.demo.quickstart:quickstart",
            "Everything on embedded defaults: database, demo store, import, metrics, drafts.",
            database="migrate",
        ),
        "doctor": LazyCommand(
            "assistant.doctor.commands:doctor_command",
            "Check the configuration and every configured outside system.",
            database="none",
        ),
        "db": LazyCommand(
            "assistant.commandline.database:db_app", "Database schema.", database="none"
        ),
        "demo-data": LazyCommand(
            "assistant.demo.commands:demo_data",
            "Write a realistic synthetic store as the five import CSV files.",
            database="none",
        ),
        "demo-outcomes": LazyCommand(
            "assistant.demo.commands:demo_outcomes",
            "Simulate demo customers' orders and replies after campaigns, with a known truth.",
        ),
        "import": LazyCommand(
            "assistant.ingest.commands:import_command",
            "Import customers, products, orders, order_items and returns CSV files.",
        ),
        "metrics": LazyCommand(
            "assistant.metrics.commands:metrics_app", "Per-customer metrics: refresh and export."
        ),
        "segments": LazyCommand(
            "assistant.segments.commands:segments_app", "Built-in and your own segments."
        ),
        "drafts": LazyCommand(
            "assistant.drafting.commands:drafts_app", "Draft messages for a segment; list them."
        ),
        "campaigns": LazyCommand(
            "assistant.campaigns.commands:campaigns_app",
            "Campaigns: list, show, pause, resume, cancel.",
        ),
        "messages": LazyCommand(
            "assistant.delivery.message_commands:messages_app",
            "Messages sent, waiting or stopped, and why.",
        ),
        "delivery": LazyCommand(
            "assistant.delivery.check_commands:delivery_app",
            "Delivery rules: check why a message to a customer would wait, and until when.",
        ),
        "triggers": LazyCommand(
            "assistant.triggers.commands:triggers_app",
            "Event triggers: list, run (queue drafts once per occasion), explain a customer.",
        ),
        "variants": LazyCommand(
            "assistant.variants.commands:variants_app",
            "A/B variants of playbooks: list, promote a winner, unpromote.",
        ),
        "review": LazyCommand(
            "assistant.review.commands:review_command",
            "Review drafts at the terminal: approve, edit, regenerate, reject.",
        ),
        "prompts": LazyCommand(
            "assistant.learning.commands:prompts_app",
            "Prompts: the examples learned from staff edits (list, remove).",
        ),
        "report": LazyCommand(
            "assistant.reports.commands:report_app",
            "Read-only reports: review analytics, outcomes, holdouts.",
        ),
        "conversations": LazyCommand(
            "assistant.conversations.commands:conversations_app",
            "Customers' conversations without Slack: list, show, reply.",
        ),
        "email": LazyCommand(
            "assistant.conversations.email_commands:email_app",
            "Customers' email replies: fetch them now (IMAP).",
        ),
        "consent": LazyCommand(
            "assistant.consent.commands:consent_app", "A customer's consent: show and set."
        ),
        "apikeys": LazyCommand(
            "assistant.apikeys.commands:apikeys_app", "API keys for /api/v1: create, list, revoke."
        ),
        "customers": LazyCommand(
            "assistant.customers.commands:customers_app",
            "One customer: profile, export of everything held, forget.",
        ),
        "guardrails": LazyCommand(
            "assistant.drafting.guardrails.commands:guardrails_app",
            "Check a message against the facts it may use.",
            database="none",
        ),
        "eval": LazyCommand(
            "assistant.evals.commands:eval_command",
            "Measure the drafter on a shipped golden set; flag what got worse since the last run.",
            database="none",
        ),
        "sms": LazyCommand(
            "assistant.drafting.sms_commands:sms_app", "SMS encoding.", database="none"
        ),
        "shopify": LazyCommand(
            "assistant.shopify.commands:shopify_app",
            "Shopify: connect a store and backfill it.",
        ),
        "serve": LazyCommand(
            "assistant.api.commands:serve", "Run the web service (API, Slack, Twilio webhooks)."
        ),
        "worker": LazyCommand(
            "assistant.jobs.commands:worker",
            "Run the background worker: post cards, schedule and send approved messages.",
        ),
    }


app = typer.Typer(
    cls=AssistantGroup,
    help="1:1 customer messaging assistant for retail and DTC brands.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"assistant {version('customer-assistant')}")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """1:1 customer messaging assistant for retail and DTC brands."""
    from assistant.commandline.logs import configure_cli_logging

    configure_cli_logging()


if __name__ == "__main__":
    app()
