"""The Admin GraphQL client against the loopback stand-in: auth, throttling, bulk files."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from assistant.ports import ShopifyAdmin, ShopifyAuthError, ShopifyUnreachable
from assistant.shopify import queries
from connectors.shopify.client import ShopifyGraphQL
from connectors.shopify.signature import sign, verify
from tests.fakes.shopify_server import TOKEN, FakeShop, FakeShopifyServer

VERSION = "2026-10"


@pytest.fixture
def server() -> Iterator[FakeShopifyServer]:
    shop = FakeShop()
    for n in range(1, 4):
        shop.add_product(n, f"Product {n}")
    fake = FakeShopifyServer(shop).start()
    yield fake
    fake.stop()


def client(url: str, token: str = TOKEN) -> tuple[ShopifyGraphQL, list[float]]:
    slept: list[float] = []
    return ShopifyGraphQL(url, token, VERSION, sleep=slept.append), slept


def test_the_client_fits_the_port(server: FakeShopifyServer) -> None:
    admin, _ = client(server.url)
    with admin:
        assert isinstance(admin, ShopifyAdmin)
        assert admin.execute(queries.SHOP)["shop"]["name"] == "Fake Coffee Co"
    assert server.requests[0].authorized


def test_a_wrong_token_is_an_auth_error(server: FakeShopifyServer) -> None:
    admin, slept = client(server.url, "shpat_wrong")
    with admin, pytest.raises(ShopifyAuthError, match="refused the access token"):
        admin.execute(queries.SHOP)
    assert slept == [] and len(server.requests) == 1  # not retried


def test_graphql_throttling_waits_for_the_cost_to_be_restored(server: FakeShopifyServer) -> None:
    server.throttle(2)
    admin, slept = client(server.url)
    with admin:
        data = admin.execute(queries.PAGES["products"], {"first": 2})
    assert [n["title"] for n in data["products"]["nodes"]] == ["Product 1", "Product 2"]
    # requestedQueryCost 502, currentlyAvailable 2, restoreRate 100 points/s: 5 s each time.
    assert slept == [5.0, 5.0]
    assert server.operations() == ["Products"] * 3


def test_http_429_waits_retry_after(server: FakeShopifyServer) -> None:
    server.rate_limit(1, retry_after=0.25)
    admin, slept = client(server.url)
    with admin:
        admin.execute(queries.SHOP)
    assert slept == [0.25]


def test_5xx_until_the_last_attempt_is_unreachable(server: FakeShopifyServer) -> None:
    server.fail_after(0)
    admin = ShopifyGraphQL(server.url, TOKEN, VERSION, sleep=lambda _s: None, max_attempts=3)
    with admin, pytest.raises(ShopifyUnreachable):
        admin.execute(queries.SHOP)
    assert len(server.requests) == 3


def test_nothing_listening_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    admin, slept = client(f"http://127.0.0.1:{port}")
    with admin, pytest.raises(ShopifyUnreachable, match="cannot reach Shopify"):
        admin.execute(queries.SHOP)
    assert len(slept) == 1  # one more try, then the person hears about it


def test_bulk_result_is_streamed_as_objects(server: FakeShopifyServer) -> None:
    admin, _ = client(server.url)
    with admin:
        run = admin.execute(queries.BULK_RUN, {"query": queries.bulk_query("products", None)})
        operation = run["bulkOperationRunQuery"]["bulkOperation"]["id"]
        statuses = [admin.execute(queries.BULK_STATUS, {"id": operation})["node"] for _ in range(3)]
        assert [s["status"] for s in statuses] == ["RUNNING", "RUNNING", "COMPLETED"]
        lines = list(admin.download(statuses[-1]["url"]))
    assert [line["title"] for line in lines] == ["Product 1", "Product 2", "Product 3"]


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"id": 1}'
    signature = sign("secret", body)
    assert verify("secret", body, signature)
    assert not verify("secret", body + b" ", signature)
    assert not verify("other", body, signature)
    assert not verify("secret", body, None)
    assert not verify("secret", body, "ünïcode")
    assert not verify("", body, sign("", body))
