"""`POST /webhooks/shopify`: signed, stored once per event, processed by the task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.delivery.consent import opt_out
from assistant.jobs.registry import TICK_TASK, get_task
from assistant.models import (
    AuditEntry,
    ConsentEvent,
    Customer,
    Order,
    OrderItem,
    Product,
    Return,
    ShopifyWebhook,
)
from assistant.models.base import utcnow
from tests.shopify import payloads
from tests.shopify.conftest import DOMAIN, counts

PATH = "/webhooks/shopify"


def deliver(
    web: TestClient,
    topic: str,
    payload: dict[str, Any],
    *,
    event_id: str = "evt-1",
    signature: str | None = None,
) -> Any:
    body, signed = payloads.signed(payload)
    return web.post(
        PATH,
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signature if signature is not None else signed,
            "X-Shopify-Shop-Domain": DOMAIN,
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Webhook-Id": f"hook-{event_id}",
            "X-Shopify-Triggered-At": "2026-12-07T10:00:00.000Z",
            "X-Shopify-API-Version": "2026-10",
        },
    )


def webhooks(engine: Engine) -> list[ShopifyWebhook]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(ShopifyWebhook)).scalars())


def test_the_same_order_delivered_twice_is_stored_and_created_once(
    engine: Engine, web: TestClient
) -> None:
    first = deliver(web, "orders/create", payloads.order())
    again = deliver(web, "orders/create", payloads.order())
    assert (first.status_code, first.json()) == (200, {"status": "stored"})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    [row] = webhooks(engine)
    assert row.status == "processed" and row.payload is None  # cleared once processed
    assert row.attempts == 1 and row.error is None
    assert row.triggered_at == datetime(2026, 12, 7, 10, tzinfo=UTC)
    assert counts(engine) == {
        "products": 1,
        "customers": 1,
        "orders": 1,
        "order_items": 1,
        "returns": 0,
    }
    with unit_of_work(engine) as session:
        order = session.execute(select(Order)).scalar_one()
        item = session.execute(select(OrderItem)).scalar_one()
        product = session.execute(select(Product)).scalar_one()
        customer = session.execute(select(Customer)).scalar_one()
    assert order.external_id == "820982911946154508" and str(order.total) == "403.00"
    assert item.quantity == 2 and product.name == "IPod Nano - 8GB"
    assert customer.external_id == "706405506930370084"
    assert customer.email_consent and customer.email_consent_source == "shopify"


def test_a_bad_signature_is_401_and_nothing_is_stored(engine: Engine, web: TestClient) -> None:
    response = deliver(web, "orders/create", payloads.order(), signature="bm9wZQ==")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    unsigned = web.post(PATH, content=b"{}", headers={"X-Shopify-Topic": "orders/create"})
    assert unsigned.status_code == 401
    assert webhooks(engine) == [] and counts(engine)["orders"] == 0


def test_without_an_api_secret_every_webhook_is_refused(
    engine: Engine, web: TestClient, monkeypatch: Any
) -> None:
    from assistant.config import get_settings

    monkeypatch.delenv("SHOPIFY_API_SECRET")
    get_settings.cache_clear()
    assert deliver(web, "orders/create", payloads.order()).status_code == 401
    assert webhooks(engine) == []


def test_a_body_over_the_limit_is_refused_before_its_signature(web: TestClient) -> None:
    response = web.post(
        PATH, content=b"x" * (1024 * 1024 + 1), headers={"X-Shopify-Topic": "orders/create"}
    )
    assert response.status_code == 413


def test_an_unknown_topic_is_200_and_stored_as_ignored(engine: Engine, web: TestClient) -> None:
    response = deliver(web, "inventory_levels/update", {"inventory_item_id": 1})
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    [row] = webhooks(engine)
    assert (row.status, row.payload, row.topic) == ("ignored", None, "inventory_levels/update")


def test_a_refund_becomes_a_return(engine: Engine, web: TestClient) -> None:
    deliver(web, "orders/create", payloads.order(), event_id="evt-order")
    deliver(web, "refunds/create", payloads.refund(), event_id="evt-refund")
    with unit_of_work(engine) as session:
        returned = session.execute(select(Return)).scalar_one()
    assert returned.reason_code == "quality" and returned.note == "Things were damaged"


def test_a_product_update_carries_its_relaunch_tag(engine: Engine, web: TestClient) -> None:
    body = payloads.product(tags="relaunched:2026-11-01, improvement:Longer battery")
    deliver(web, "products/update", body)
    with unit_of_work(engine) as session:
        product = session.execute(select(Product)).scalar_one()
    assert product.improvement_note == "Longer battery" and str(product.price) == "189.00"
    assert product.relaunched_at is not None


def test_customers_redact_erases_the_customer(engine: Engine, web: TestClient) -> None:
    deliver(web, "customers/create", payloads.customer(), event_id="evt-create")
    response = deliver(web, "customers/redact", payloads.redact(), event_id="evt-redact")
    assert response.json() == {"status": "stored"}  # answered; the erasure ran in the task
    with unit_of_work(engine) as session:
        customer = session.execute(select(Customer)).scalar_one()
        rows = list(session.execute(select(ShopifyWebhook)).scalars())
    assert customer.forgotten_at is not None
    assert customer.first_name is None and customer.email is None and customer.phone is None
    assert all(r.payload is None and r.status == "processed" for r in rows)
    # A later customers/update from Shopify does not bring the data back.
    deliver(web, "customers/update", payloads.customer(), event_id="evt-update")
    with unit_of_work(engine) as session:
        assert session.execute(select(Customer.email)).scalar_one() is None


def test_data_request_is_recorded_for_staff(engine: Engine, web: TestClient) -> None:
    deliver(web, "customers/create", payloads.customer(), event_id="evt-create")
    body = {**payloads.redact(), "data_request": {"id": 9999}}
    deliver(web, "customers/data_request", body, event_id="evt-request")
    with unit_of_work(engine) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "privacy.data_requested")
        ).scalar_one()
    assert entry.data == {"data_request_id": 9999}


def test_shop_redact_forgets_the_connection(engine: Engine, web: TestClient) -> None:
    from tests.shopify.test_sync import connect

    connect()
    deliver(web, "shop/redact", {"shop_id": 954889, "shop_domain": DOMAIN})
    from assistant.models import ShopifyConnection

    with unit_of_work(engine) as session:
        assert session.execute(select(ShopifyConnection)).first() is None


def test_consent_the_customer_withdrew_is_not_granted_again(
    engine: Engine, web: TestClient
) -> None:
    subscribed = payloads.customer(sms_state="subscribed", email_state="subscribed")
    deliver(web, "customers/create", subscribed, event_id="evt-1")
    with unit_of_work(engine) as session:
        customer = session.execute(select(Customer)).scalar_one()
        assert customer.sms_consent and customer.sms_consent_source == "shopify"
        grant = session.execute(
            select(ConsentEvent).where(ConsentEvent.channel == "sms")
        ).scalar_one()
        assert grant.destination == customer.phone and grant.consented
        assert grant.evidence["shopify_webhook_id"] == "evt-1"
        # The customer texts STOP to us.
        opt_out(session, customer.id, "sms", source="sms_keyword", now=datetime.now(UTC))
    # Shopify still has them subscribed and says so again (and the backfill would too).
    deliver(web, "customers/update", subscribed, event_id="evt-2")
    deliver(web, "orders/updated", payloads.order(buyer=subscribed), event_id="evt-3")
    with unit_of_work(engine) as session:
        customer = session.execute(select(Customer)).scalar_one()
        events = session.execute(
            select(ConsentEvent.consented, ConsentEvent.source)
            .where(ConsentEvent.channel == "sms")
            .order_by(ConsentEvent.id)
        ).all()
    assert not customer.sms_consent and customer.sms_consent_source == "sms_keyword"
    assert customer.email_consent  # the other channel is untouched
    assert events[-1] == (False, "sms_keyword")


def test_a_cancelled_order_is_cancelled(engine: Engine, web: TestClient) -> None:
    deliver(web, "orders/create", payloads.order(), event_id="evt-1")
    deliver(web, "orders/cancelled", payloads.order(cancelled=True), event_id="evt-2")
    with unit_of_work(engine) as session:
        assert session.execute(select(Order.status)).scalar_one() == "cancelled"


def test_receiving_only_stores_and_queues_the_task_after_commit(
    engine: Engine, web: TestClient
) -> None:
    from assistant.jobs.runners import CollectingRunner
    from assistant.shopify.webhooks import PROCESS_TASK, Delivery, receive

    deliver(web, "customers/create", payloads.customer(), event_id="evt-create")
    runner = CollectingRunner()
    delivery = Delivery("evt-redact", "customers/redact", DOMAIN, None, payloads.redact())
    with unit_of_work(engine) as session:
        assert receive(session, delivery, runner) == "stored"
        assert runner.jobs == []  # not before the commit
    [(name, kwargs)] = runner.jobs
    assert name == PROCESS_TASK
    with unit_of_work(engine) as session:
        assert session.execute(select(Customer.forgotten_at)).scalar_one() is None
        row = session.get(ShopifyWebhook, kwargs["webhook_id"])
        assert row is not None and row.status == "received" and row.payload is not None
    from assistant.shopify.tasks import process_webhook

    assert process_webhook(**kwargs) == "processed"
    assert process_webhook(**kwargs) == "processed"  # idempotent: left alone the second time
    with unit_of_work(engine) as session:
        assert session.execute(select(Customer.forgotten_at)).scalar_one() is not None


def test_the_tick_retries_a_webhook_whose_processing_failed_once_its_wait_is_over(
    engine: Engine, web: TestClient
) -> None:
    now = utcnow()
    with unit_of_work(engine) as session:
        tries = (("due", 1, 10, 1), ("waiting", 2, 3, 2), ("given-up", 8, 999, 3))
        for event, attempts, age, number in tries:
            session.add(
                ShopifyWebhook(
                    event_id=event, topic="orders/create", shop_domain=DOMAIN,
                    payload=payloads.order(number=number),
                    status="failed", attempts=attempts, error="OperationalError",
                    received_at=now - timedelta(minutes=age),
                )
            )  # fmt: skip
    assert get_task(TICK_TASK)()["shopify_webhooks_retried"] == 1
    status = {row.event_id: (row.status, row.attempts) for row in webhooks(engine)}
    assert status == {"due": ("processed", 2), "waiting": ("failed", 2), "given-up": ("failed", 8)}
    assert counts(engine)["orders"] == 1
