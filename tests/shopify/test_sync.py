"""`assistant shopify connect|sync` against the fake store: loads, resumes, --since, bulk."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Customer, Order, Product, ShopifyConnection, ShopifySyncState
from assistant.ports import ShopifyUnreachable
from assistant.shopify.records import write_records
from assistant.shopify.sync import Backfill, SyncOptions
from connectors.shopify.client import ShopifyGraphQL
from tests.clitools import invoke
from tests.fakes.shopify_server import TOKEN, FakeShopifyServer
from tests.shopify.conftest import DOMAIN, PUBLIC, counts

FULL = {"products": 3, "customers": 25, "orders": 12, "order_items": 20, "returns": 1}


def connect(*extra: str) -> str:
    result = invoke("shopify", "connect", "--shop", "fake-coffee", "--token", TOKEN, *extra)
    assert result.exit_code == 0, result.output
    return result.output


def test_connect_stores_the_store_and_registers_webhooks_once(
    engine: Engine, shopify: FakeShopifyServer
) -> None:
    first = connect()
    assert "Connected to Fake Coffee Co (fake-coffee.myshopify.com)" in first
    assert "7 registered, 0 already there" in first
    assert "0 registered, 7 already there" in connect()
    assert {w["uri"] for w in shopify.shop.webhooks} == {PUBLIC + "/webhooks/shopify"}
    assert len(shopify.shop.webhooks) == 7
    with engine.connect() as connection:
        rows = connection.execute(select(ShopifyConnection.shop_domain)).all()
    assert rows == [(DOMAIN,)]


def test_sync_loads_the_store(engine: Engine, shopify: FakeShopifyServer) -> None:
    connect()
    result = invoke("shopify", "sync")
    assert result.exit_code == 0, result.output
    assert counts(engine) == {
        "products": FULL["products"],
        "customers": FULL["customers"],
        "orders": FULL["orders"],
        "order_items": FULL["order_items"],
        "returns": FULL["returns"],
    }
    with unit_of_work(engine) as session:
        customer = session.execute(
            select(Customer).where(Customer.external_id == "103")
        ).scalar_one()
        assert customer.sms_consent and customer.sms_consent_source == "shopify"
        assert customer.email_consent and customer.first_name == "Customer3"
        order = session.execute(select(Order).where(Order.external_id == "1000")).scalar_one()
        assert str(order.total) == "15.00" and order.status == "completed"
    # Run again: nothing new, nothing duplicated.
    assert invoke("shopify", "sync").exit_code == 0
    assert counts(engine) == FULL


def backfill(engine: Engine, url: str, **options: object) -> Backfill:
    admin = ShopifyGraphQL(url, TOKEN, "2026-10", sleep=lambda _s: None, max_attempts=1)
    return Backfill(engine, admin, DOMAIN, write_records, SyncOptions(**options))  # type: ignore[arg-type]


def test_an_interrupted_sync_continues_where_it_stopped(
    engine: Engine, shopify: FakeShopifyServer
) -> None:
    # Products (count + 1 page), customers (count + 1 page of 10), then the store goes down.
    pages = {"products": 100, "customers": 10, "orders": 5}
    shopify.fail_after(4)
    with pytest.raises(ShopifyUnreachable):
        backfill(engine, shopify.url, page_sizes=pages).run()
    partial = counts(engine)
    assert partial["products"] == 3 and partial["customers"] == 10
    with unit_of_work(engine) as session:
        state = session.execute(
            select(ShopifySyncState).where(ShopifySyncState.resource == "customers")
        ).scalar_one()
        cursor, done = state.cursor, state.records
    assert cursor is not None and done == 10
    shopify.heal()
    seen = len(shopify.requests)
    report = backfill(engine, shopify.url, page_sizes=pages).run()
    customers = next(r for r in report.resources if r.resource == "customers")
    assert customers.resumed and customers.read == 15
    requested = [r for r in shopify.requests[seen:] if r.operation == "Customers"]
    assert requested[0].variables["after"] == cursor
    assert counts(engine) == FULL


def test_since_reads_only_what_changed_after_it(engine: Engine, shopify: FakeShopifyServer) -> None:
    connect()
    result = invoke("shopify", "sync", "--since", "2026-10-01")
    assert result.exit_code == 0, result.output
    with unit_of_work(engine) as session:
        loaded = set(session.execute(select(Customer.external_id)).scalars())
    # Customers updated since, and the buyers of the orders updated since.
    changed = {c["id"].rsplit("/", 1)[1] for c in shopify.shop.customers[9:12]}
    changed |= {c["id"].rsplit("/", 1)[1] for c in shopify.shop.customers[21:24]}
    assert loaded == changed
    assert counts(engine)["orders"] == 3  # October, November, December
    searches = {r.variables.get("query") for r in shopify.requests if r.operation == "Orders"}
    assert searches == {"updated_at:>='2026-10-01T00:00:00Z'"}


def test_bulk_operations_load_the_same(engine: Engine, shopify: FakeShopifyServer) -> None:
    connect()
    result = invoke("shopify", "sync", "--bulk")
    assert result.exit_code == 0, result.output
    assert counts(engine) == FULL
    ops = shopify.operations()
    assert ops.count("BulkRun") == 3 and "BulkStatus" in ops and "Orders" not in ops


def test_bulk_above_the_threshold(
    engine: Engine, shopify: FakeShopifyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPIFY_BULK_THRESHOLD", "20")
    get_settings.cache_clear()
    connect()
    assert invoke("shopify", "sync").exit_code == 0
    runs = [r.variables["query"] for r in shopify.requests if r.operation == "BulkRun"]
    assert len(runs) == 1 and "customers" in runs[0]  # only customers reach 20
    assert counts(engine) == FULL


def test_settings_win_over_the_stored_connection(
    engine: Engine, shopify: FakeShopifyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect()
    monkeypatch.setenv("SHOPIFY_SHOP_DOMAIN", DOMAIN)
    monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "shpat_revoked")
    get_settings.cache_clear()
    result = invoke("shopify", "sync")
    assert result.exit_code == 2
    assert "refused the access token" in result.output


def one_line_error(result_output: str) -> str:
    lines = [line for line in result_output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result_output
    assert "Traceback" not in result_output
    return lines[0]


def test_sync_without_a_connection_is_one_line(engine: Engine) -> None:
    result = invoke("shopify", "sync")
    assert result.exit_code == 2
    assert "no Shopify store is connected" in one_line_error(result.output)


def test_connect_with_a_bad_token_is_one_line(engine: Engine, shopify: FakeShopifyServer) -> None:
    result = invoke("shopify", "connect", "--shop", "fake-coffee", "--token", "shpat_bad")
    assert result.exit_code == 2
    assert "refused the access token" in one_line_error(result.output)
    with engine.connect() as connection:
        assert connection.execute(select(ShopifyConnection)).first() is None


def test_connect_to_an_unreachable_store_is_one_line(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SHOPIFY_API_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    result = invoke("shopify", "connect", "--shop", "fake-coffee", "--token", TOKEN)
    assert result.exit_code == 2
    assert "cannot reach Shopify" in one_line_error(result.output)


def test_a_product_relaunch_comes_from_its_metafield(
    engine: Engine, shopify: FakeShopifyServer
) -> None:
    shopify.shop.products[0]["relaunchedAt"] = {"value": "2026-11-01"}
    connect()
    assert invoke("shopify", "sync").exit_code == 0
    with unit_of_work(engine) as session:
        product = session.execute(select(Product).where(Product.external_id == "1")).scalar_one()
    assert product.relaunched_at is not None and product.relaunched_at.date().isoformat() == (
        "2026-11-01"
    )


def test_the_backfill_never_grants_again_what_the_customer_withdrew(
    engine: Engine, shopify: FakeShopifyServer
) -> None:
    from datetime import UTC, datetime

    from assistant.delivery.consent import opt_out

    connect()
    assert invoke("shopify", "sync").exit_code == 0
    with unit_of_work(engine) as session:
        customer = session.execute(
            select(Customer).where(Customer.external_id == "103")
        ).scalar_one()
        assert customer.sms_consent
        opt_out(session, customer.id, "sms", source="sms_keyword", now=datetime.now(UTC))
    assert invoke("shopify", "sync").exit_code == 0  # Shopify still says SUBSCRIBED
    with unit_of_work(engine) as session:
        customer = session.execute(
            select(Customer).where(Customer.external_id == "103")
        ).scalar_one()
    assert not customer.sms_consent and customer.sms_consent_source == "sms_keyword"


def test_an_interrupted_bulk_run_polls_the_same_operation_again(
    engine: Engine, shopify: FakeShopifyServer
) -> None:
    # Products: count, BulkRun, then the store goes down while it is being polled.
    shopify.fail_after(3)
    with pytest.raises(ShopifyUnreachable):
        backfill(engine, shopify.url, bulk=True, resources=("products",)).run()
    with unit_of_work(engine) as session:
        state = session.execute(select(ShopifySyncState)).scalar_one()
        operation = state.bulk_operation_id
    assert operation is not None and state.completed_at is None
    shopify.heal()
    seen = len(shopify.requests)
    report = backfill(engine, shopify.url, bulk=True, resources=("products",)).run()
    after = shopify.requests[seen:]
    # A second BulkRun would be refused: one is still running for this app and shop.
    assert "BulkRun" not in [r.operation for r in after]
    assert {r.variables["id"] for r in after if r.operation == "BulkStatus"} == {operation}
    assert report.resources[0].resumed and report.resources[0].read == 3
    assert counts(engine)["products"] == 3


def test_a_domain_that_is_not_a_store_is_one_line(engine: Engine) -> None:
    result = invoke("shopify", "connect", "--shop", "https://example.com/shop", "--token", TOKEN)
    assert result.exit_code == 2
    assert "myshopify.com" in one_line_error(result.output)
