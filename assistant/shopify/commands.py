"""`assistant shopify connect|sync`: connect a store, backfill it with a progress bar."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from assistant.commandline.errors import UserError
from assistant.commandline.output import console, errors
from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.models.base import utcnow
from assistant.ports import ShopifyApiError, ShopifyAuthError, ShopifyUnreachable
from assistant.shopify import service
from assistant.shopify.records import write_records
from assistant.shopify.sync import Backfill, SyncError, SyncOptions, SyncReport
from assistant.wiring import build_shopify_admin

shopify_app = typer.Typer(help="Shopify: connect a store and backfill it.", no_args_is_help=True)


def _api_error(exc: ShopifyApiError, domain: str) -> UserError:
    if isinstance(exc, ShopifyAuthError):
        return UserError(
            f"Shopify refused the access token for {domain}: check SHOPIFY_ACCESS_TOKEN or "
            "run `assistant shopify connect` again with the app's Admin API access token"
        )
    if isinstance(exc, ShopifyUnreachable):
        return UserError(f"cannot reach Shopify for {domain}: {exc}")
    return UserError(f"Shopify error for {domain}: {exc}")


@shopify_app.command("connect")
def connect(
    shop: Annotated[
        str | None,
        typer.Option(
            "--shop", help="The store: your-store.myshopify.com (or SHOPIFY_SHOP_DOMAIN)."
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="Admin API access token (or SHOPIFY_ACCESS_TOKEN, or asked for).",
        ),
    ] = None,
    api_secret: Annotated[
        str | None,
        typer.Option("--api-secret", help="The app's API secret key: verifies webhooks."),
    ] = None,
    webhooks: Annotated[
        bool,
        typer.Option("--webhooks/--no-webhooks", help="Register the webhooks (default: yes)."),
    ] = True,
) -> None:
    """Check the token, store the connection, register the webhooks (safe to run twice)."""
    settings = get_settings()
    domain = _domain(shop or settings.shopify.shop_domain or _ask("Store domain"))
    secret = settings.shopify.access_token
    given = token or (secret.get_secret_value() if secret else "") or _ask("Access token", True)
    api_key_secret = api_secret or (
        settings.shopify.api_secret.get_secret_value() if settings.shopify.api_secret else None
    )
    admin = build_shopify_admin(
        settings.shopify.api_url or f"https://{domain}",
        given,
        settings.shopify.api_version,
        timeout=settings.shopify.timeout_seconds,
    )
    try:
        with unit_of_work(writes=True) as session:
            result = service.connect(
                session,
                admin,
                shop_domain=domain,
                access_token=given,
                api_secret=api_key_secret,
                api_version=settings.shopify.api_version,
                public_url=settings.app.public_url if webhooks else None,
                now=utcnow(),
            )
    except ShopifyApiError as exc:
        raise _api_error(exc, domain) from None
    except service.ConnectError as exc:
        raise UserError(str(exc)) from None
    finally:
        admin.close()
    console.print(f"Connected to {result.shop_name or domain} ({domain}).", markup=False)
    if result.webhooks is not None:
        console.print(
            f"Webhooks to {result.callback_url}: {len(result.webhooks.created)} registered, "
            f"{len(result.webhooks.existing)} already there.",
            markup=False,
            soft_wrap=True,
        )
    if not api_key_secret:
        console.print(
            "[yellow]No API secret key given: webhooks are refused until SHOPIFY_API_SECRET is "
            "set or connect is run with --api-secret.[/]"
        )


def _domain(value: str) -> str:
    try:
        return service.normalise_domain(value)
    except service.ConnectError as exc:
        raise UserError(str(exc)) from None


def _ask(label: str, hide: bool = False) -> str:
    if not os.isatty(0):
        raise UserError(
            f"{label.lower()} missing: pass --shop/--token or set SHOPIFY_SHOP_DOMAIN and "
            "SHOPIFY_ACCESS_TOKEN"
        )
    return str(typer.prompt(label, hide_input=hide)).strip()


class _SyncBar:
    """One bar per resource, in records."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def started(self, resource: str, total: int | None, done: int, bulk: bool) -> None:
        label = f"{resource} (bulk)" if bulk else resource
        self.tasks[resource] = self.progress.add_task(label, total=total, completed=done)

    def advanced(self, resource: str, count: int) -> None:
        self.progress.advance(self.tasks[resource], count)

    def finished(self, resource: str) -> None:
        task = self.progress.tasks[self.tasks[resource]]
        self.progress.update(self.tasks[resource], total=max(task.completed, 1))


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            raise UserError(f"--since {value!r} is not a date (YYYY-MM-DD) or ISO time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@shopify_app.command("sync")
def sync(
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only records updated on or after DATE (YYYY-MM-DD)."),
    ] = None,
    bulk: Annotated[
        bool | None,
        typer.Option(
            "--bulk/--no-bulk",
            help="Use bulk operations (default: above SHOPIFY_BULK_THRESHOLD records).",
        ),
    ] = None,
) -> None:
    """Backfill products, customers and orders (lines, refunds); continues an interrupted run."""
    settings = get_settings()
    engine = get_engine()
    options = SyncOptions(
        since=_since(since),
        bulk=bulk,
        bulk_threshold=settings.shopify.bulk_threshold,
        poll_seconds=settings.shopify.bulk_poll_seconds,
        sleep=time.sleep,
    )
    with unit_of_work(engine) as session:
        try:
            creds = service.credentials(session, settings)
        except (service.NotConnected, service.ConnectError) as exc:
            raise UserError(str(exc)) from None
    admin = build_shopify_admin(
        creds.base_url,
        creds.access_token,
        creds.api_version,
        timeout=settings.shopify.timeout_seconds,
    )
    progress = Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    try:
        with progress:
            report = Backfill(
                engine, admin, creds.shop_domain, write_records, options, _SyncBar(progress)
            ).run()
    except ShopifyApiError as exc:
        raise _api_error(exc, creds.shop_domain) from None
    except SyncError as exc:
        raise UserError(str(exc)) from None
    finally:
        admin.close()
    console.print(_table(report))
    for resource in report.resources:
        for reason in resource.written.reasons:
            errors.print(f"refused: {reason}", markup=False, highlight=False)


def _table(report: SyncReport) -> Table:
    table = Table(title="Shopify sync")
    table.add_column("resource")
    for column in ("read", "inserted", "updated", "rejected"):
        table.add_column(column, justify="right")
    table.add_column("notes")
    for r in report.resources:
        notes = [n for n, on in (("bulk", r.bulk), ("resumed", r.resumed)) if on]
        if r.skipped_lines:
            notes.append(f"{r.skipped_lines} line(s) without a product skipped")
        table.add_row(
            r.resource,
            f"{r.read:,}",
            f"{r.written.inserted:,}",
            f"{r.written.updated:,}",
            f"{r.written.rejected:,}",
            ", ".join(notes),
        )
    return table
