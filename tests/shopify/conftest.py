"""A fake Shopify store on loopback, the settings that point at it, and the web service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.models import Customer, Order, OrderItem, Product, Return
from tests.fakes.shopify_server import FakeShop, FakeShopifyServer
from tests.shopify.payloads import API_SECRET

DOMAIN = "fake-coffee.myshopify.com"
PUBLIC = "https://assistant.example.com"


def demo_shop() -> FakeShop:
    """3 products, 25 customers, 12 orders (one refunded line), updated over 2026."""
    shop = FakeShop()
    for n in range(1, 4):
        shop.add_product(n, f"Product {n}", f"{n * 5}.00")
    customers = [
        shop.add_customer(
            100 + n,
            f"Customer{n}",
            email=f"c{n}@example.com",
            phone=f"+1415555{n:04d}",
            email_state="SUBSCRIBED" if n % 2 else "NOT_SUBSCRIBED",
            sms_state="SUBSCRIBED" if n % 3 == 0 else "UNSUBSCRIBED",
            updated=f"2026-{1 + n % 12:02d}-15T00:00:00Z",
        )
        for n in range(25)
    ]
    for n in range(12):
        shop.add_order(
            1000 + n,
            customers[n],
            [(1, 2, "5.00"), (1 + n % 3, 1, f"{(1 + n % 3) * 5}.00")],
            processed=f"2026-{1 + n:02d}-03T10:00:00Z",
            updated=f"2026-{1 + n:02d}-03T10:00:00Z",
        )
    shop.add_refund(5000, shop.orders[3], [1], created="2026-04-20T09:00:00Z")
    return shop


@pytest.fixture
def shopify(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeShopifyServer]:
    """The fake store; SHOPIFY_API_URL points at it (no domain or token set: connect does)."""
    server = FakeShopifyServer(demo_shop()).start()
    monkeypatch.setenv("SHOPIFY_API_URL", server.url)
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("SHOPIFY_API_SECRET", API_SECRET)
    monkeypatch.setenv("SHOPIFY_BULK_POLL_SECONDS", "0")
    get_settings.cache_clear()
    yield server
    server.stop()


@pytest.fixture
def web(engine: Engine, shopify: FakeShopifyServer) -> Iterator[TestClient]:
    """The web service on the test database (background jobs run before a call returns)."""
    with TestClient(create_app(engine)) as client:
        yield client


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(
                select(func.count()).select_from(model)
            ).scalar_one()
            for model in (Product, Customer, Order, OrderItem, Return)
        }
