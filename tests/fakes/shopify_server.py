"""A stand-in of Shopify's Admin GraphQL API on loopback, for the real httpx client.

`FakeShopifyServer` answers `POST /admin/api/{version}/graphql.json` over real HTTP in a
background thread, for the operations the connector sends (recognised by operation name,
their variables honoured): `Shop`, `ProductsCount`/`CustomersCount`/`OrdersCount`,
`Products`/`Customers`/`Orders` (cursor pagination: `first`, `after`, `query` with
`updated_at:>='...'`, `pageInfo { hasNextPage endCursor }`), `Refunds` (`nodes(ids:)`),
`Webhooks` and `WebhookCreate` (a topic already sent to a URI is refused with Shopify's
"Address for this topic has already been taken"), `BulkRun` (one operation at a time),
`BulkStatus` (RUNNING for `bulk_polls` polls, then COMPLETED with a `url`) and the JSONL
result file at that url (nested line items as lines of their own naming `__parentId`).

Auth: `X-Shopify-Access-Token` must equal `token` (401 `{"errors": "[API] Invalid API key
or access token ..."}` otherwise). Faults for the next GraphQL requests are queued with
`throttle(n)` (GraphQL `THROTTLED` with `extensions.cost`), `rate_limit(n, retry_after)` (HTTP
429) and `fail_after(n)` (HTTP 503 from the n+1th request on, until `heal()`). Every
request is recorded in `requests` (operation name and variables).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "shpat_fake_token_not_secret"
SHOP_NAME = "Fake Coffee Co"
_GRAPHQL = re.compile(r"^/admin/api/(?P<version>[^/]+)/graphql\.json$")
_OPERATION = re.compile(r"^\s*(query|mutation)\s+(\w+)")
_SINCE = re.compile(r"updated_at:>='([^']+)'")


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


@dataclass
class Recorded:
    operation: str
    variables: dict[str, Any]
    authorized: bool


@dataclass
class FakeShop:
    """The store's data, as GraphQL nodes, in the order Shopify would list them."""

    products: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks: list[dict[str, Any]] = field(default_factory=list)

    def add_product(
        self,
        number: int,
        title: str,
        price: str = "10.00",
        *,
        updated: str = "2026-01-01T00:00:00Z",
        tags: list[str] | None = None,
        relaunched_at: str | None = None,
    ) -> dict[str, Any]:
        node = {
            "id": gid("Product", number),
            "title": title,
            "productType": "Coffee",
            "tags": tags or [],
            "updatedAt": updated,
            "priceRangeV2": {"minVariantPrice": {"amount": price, "currencyCode": "USD"}},
            "shortName": None,
            "relaunchedAt": {"value": relaunched_at} if relaunched_at else None,
            "improvementNote": None,
            "upgradeProduct": None,
        }
        self.products.append(node)
        return node

    def add_customer(
        self,
        number: int,
        first: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        email_state: str = "NOT_SUBSCRIBED",
        sms_state: str = "NOT_SUBSCRIBED",
        consent_at: str | None = "2025-06-01T12:00:00Z",
        updated: str = "2026-01-01T00:00:00Z",
    ) -> dict[str, Any]:
        node = {
            "id": gid("Customer", number),
            "firstName": first,
            "lastName": "Tester",
            "email": email,
            "phone": phone,
            "createdAt": "2025-01-01T00:00:00Z",
            "updatedAt": updated,
            "emailMarketingConsent": {
                "marketingState": email_state,
                "consentUpdatedAt": consent_at,
            },
            "smsMarketingConsent": {"marketingState": sms_state, "consentUpdatedAt": consent_at},
        }
        self.customers.append(node)
        return node

    def add_order(
        self,
        number: int,
        customer: dict[str, Any],
        lines: list[tuple[int, int, str]],
        *,
        processed: str = "2026-02-01T10:00:00Z",
        updated: str = "2026-02-01T10:00:00Z",
        financial: str = "PAID",
        fulfillment: str = "FULFILLED",
    ) -> dict[str, Any]:
        """`lines`: (product number, quantity, unit price)."""
        total = sum(q * float(p) for _, q, p in lines)
        node = {
            "id": gid("Order", number),
            "processedAt": processed,
            "createdAt": processed,
            "updatedAt": updated,
            "cancelledAt": None,
            "displayFinancialStatus": financial,
            "displayFulfillmentStatus": fulfillment,
            "totalPriceSet": {"shopMoney": {"amount": f"{total:.2f}", "currencyCode": "USD"}},
            "customer": customer,
            "refunds": [],
            "lineItems": {
                "nodes": [
                    {
                        "quantity": q,
                        "title": f"Product {p}",
                        "product": {"id": gid("Product", p)},
                        "originalUnitPriceSet": {"shopMoney": {"amount": price}},
                    }
                    for p, q, price in lines
                ]
            },
        }
        self.orders.append(node)
        return node

    def add_refund(
        self,
        number: int,
        order: dict[str, Any],
        products: list[int],
        *,
        created: str = "2026-02-10T09:00:00Z",
        note: str | None = "too bitter",
    ) -> None:
        refund_id = gid("Refund", number)
        order["refunds"].append({"id": refund_id})
        self.refunds[refund_id] = {
            "id": refund_id,
            "createdAt": created,
            "note": note,
            "order": {"id": order["id"]},
            "refundLineItems": {
                "nodes": [
                    {"quantity": 1, "lineItem": {"product": {"id": gid("Product", p)}}}
                    for p in products
                ]
            },
        }


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def _index(cursor: str | None) -> int:
    if not cursor:
        return 0
    return int(base64.b64decode(cursor).decode().split(":", 1)[1]) + 1


def _matches(node: dict[str, Any], search: str | None) -> bool:
    if not search:
        return True
    since = _SINCE.search(search)
    return since is None or node["updatedAt"] >= since.group(1)


class FakeShopifyServer:
    """The fake Admin API (see the module docstring); `url` is its base URL."""

    def __init__(self, shop: FakeShop | None = None, *, token: str = TOKEN) -> None:
        self.shop = shop or FakeShop()
        self.token = token
        self.requests: list[Recorded] = []
        self.bulk_polls = 2
        self._bulk: dict[str, dict[str, Any]] = {}
        self._faults: list[tuple[str, float]] = []
        self._fail_after: int | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeShopifyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def operations(self) -> list[str]:
        return [r.operation for r in self.requests]

    def throttle(self, times: int = 1) -> None:
        self._faults += [("throttled", 0.0)] * times

    def rate_limit(self, times: int = 1, retry_after: float = 0.0) -> None:
        self._faults += [("429", retry_after)] * times

    def fail_after(self, requests: int) -> None:
        self._fail_after = len(self.requests) + requests

    def heal(self) -> None:
        self._fail_after = None

    # --- answers ---

    def _answer(self, operation: str, variables: dict[str, Any], query: str) -> dict[str, Any]:
        shop = self.shop
        if operation == "Shop":
            return {"shop": {"name": SHOP_NAME, "myshopifyDomain": "fake-coffee.myshopify.com"}}
        if operation.endswith("Count"):
            resource = operation[: -len("Count")].lower()
            nodes = [n for n in getattr(shop, resource) if _matches(n, variables.get("query"))]
            return {f"{resource}Count": {"count": len(nodes), "precision": "EXACT"}}
        if operation in ("Products", "Customers", "Orders"):
            resource = operation.lower()
            nodes = [n for n in getattr(shop, resource) if _matches(n, variables.get("query"))]
            start = _index(variables.get("after"))
            page = nodes[start : start + int(variables["first"])]
            end = start + len(page) - 1
            return {
                resource: {
                    "nodes": page,
                    "pageInfo": {
                        "hasNextPage": end + 1 < len(nodes),
                        "endCursor": _cursor(end) if page else None,
                    },
                }
            }
        if operation == "Refunds":
            return {"nodes": [shop.refunds.get(i) for i in variables["ids"]]}
        if operation == "Webhooks":
            return {
                "webhookSubscriptions": {
                    "nodes": shop.webhooks,
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                }
            }
        if operation == "WebhookCreate":
            return {"webhookSubscriptionCreate": self._create_webhook(variables)}
        if operation == "BulkRun":
            return {"bulkOperationRunQuery": self._run_bulk(variables["query"])}
        if operation == "BulkStatus":
            return {"node": self._bulk_status(variables["id"])}
        raise ValueError(f"unknown operation {operation}")

    def _create_webhook(self, variables: dict[str, Any]) -> dict[str, Any]:
        topic, uri = variables["topic"], variables["subscription"]["uri"]
        if any(w["topic"] == topic and w["uri"] == uri for w in self.shop.webhooks):
            return {
                "webhookSubscription": None,
                "userErrors": [
                    {
                        "field": ["webhookSubscription", "callbackUrl"],
                        "message": "Address for this topic has already been taken",
                    }
                ],
            }
        node = {
            "id": gid("WebhookSubscription", len(self.shop.webhooks) + 1),
            "topic": topic,
            "uri": uri,
        }
        self.shop.webhooks.append(node)
        return {"webhookSubscription": node, "userErrors": []}

    def _run_bulk(self, query: str) -> dict[str, Any]:
        if any(b["status"] == "RUNNING" for b in self._bulk.values()):
            return {
                "bulkOperation": None,
                "userErrors": [
                    {
                        "field": None,
                        "message": "A bulk query operation for this app and shop is "
                        "already in progress",
                    }
                ],
            }
        resource = re.search(r"\{\s*(products|customers|orders)", query)
        assert resource is not None, query
        search = re.search(r'\(query: "([^"]*)"\)', query)
        operation_id = gid("BulkOperation", len(self._bulk) + 1)
        self._bulk[operation_id] = {
            "resource": resource.group(1),
            "search": search.group(1) if search else None,
            "status": "RUNNING",
            "polls": 0,
        }
        return {"bulkOperation": {"id": operation_id, "status": "CREATED"}, "userErrors": []}

    def _bulk_status(self, operation_id: str) -> dict[str, Any] | None:
        bulk = self._bulk.get(operation_id)
        if bulk is None:
            return None
        bulk["polls"] += 1
        if bulk["polls"] > self.bulk_polls:
            bulk["status"] = "COMPLETED"
        number = operation_id.rsplit("/", 1)[1]
        done = bulk["status"] == "COMPLETED"
        return {
            "id": operation_id,
            "status": bulk["status"],
            "errorCode": None,
            "objectCount": "0",
            "url": f"{self.url}/bulk/{number}.jsonl" if done else None,
            "partialDataUrl": None,
        }

    def bulk_file(self, number: str) -> bytes:
        bulk = self._bulk[gid("BulkOperation", number)]
        lines: list[dict[str, Any]] = []
        for node in getattr(self.shop, bulk["resource"]):
            if not _matches(node, bulk["search"]):
                continue
            parent = {k: v for k, v in node.items() if k != "lineItems"}
            lines.append(parent)
            for item in (node.get("lineItems") or {}).get("nodes", []):
                lines.append({"__typename": "LineItem", **item, "__parentId": node["id"]})
        return "".join(json.dumps(line) + "\n" for line in lines).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def _send(
                self,
                status: int,
                body: bytes,
                headers: dict[str, str] | None = None,
                content_type: str = "application/json",
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                match = re.fullmatch(r"/bulk/(\d+)\.jsonl", self.path)
                if match is None:
                    self._send(404, b"{}")
                    return
                self._send(200, fake.bulk_file(match.group(1)), content_type="application/jsonl")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if _GRAPHQL.match(self.path) is None:
                    self._send(404, b'{"errors": "Not Found"}')
                    return
                document = json.loads(body)
                match = _OPERATION.match(document.get("query", ""))
                operation = match.group(2) if match else ""
                authorized = self.headers.get("X-Shopify-Access-Token") == fake.token
                with fake._lock:
                    fake.requests.append(
                        Recorded(operation, dict(document.get("variables") or {}), authorized)
                    )
                    failing = fake._fail_after is not None and len(fake.requests) > fake._fail_after
                    fault = fake._faults.pop(0) if fake._faults and authorized else None
                if not authorized:
                    self._send(
                        401,
                        json.dumps(
                            {
                                "errors": "[API] Invalid API key or access "
                                "token (unrecognized login or wrong password)"
                            }
                        ).encode(),
                    )
                    return
                if failing:
                    self._send(503, b'{"errors": "Service Unavailable"}')
                    return
                if fault is not None and fault[0] == "429":
                    self._send(
                        429, b'{"errors": "Too Many Requests"}', {"Retry-After": f"{fault[1]:g}"}
                    )
                    return
                if fault is not None:
                    self._send(
                        200,
                        json.dumps(
                            {
                                "errors": [
                                    {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
                                ],
                                "extensions": {
                                    "cost": {
                                        "requestedQueryCost": 502,
                                        "actualQueryCost": None,
                                        "throttleStatus": {
                                            "maximumAvailable": 2000.0,
                                            "currentlyAvailable": 2,
                                            "restoreRate": 100.0,
                                        },
                                    }
                                },
                            }
                        ).encode(),
                    )
                    return
                with fake._lock:
                    data = fake._answer(
                        operation, dict(document.get("variables") or {}), document["query"]
                    )
                self._send(200, json.dumps({"data": data}).encode())

        return Handler


@contextmanager
def running(shop: FakeShop | None = None) -> Iterator[FakeShopifyServer]:
    server = FakeShopifyServer(shop).start()
    try:
        yield server
    finally:
        server.stop()
