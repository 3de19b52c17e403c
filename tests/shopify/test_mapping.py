"""Shopify payloads (GraphQL nodes and REST webhooks) → ingest records."""

from __future__ import annotations

from assistant.shopify.mapping import (
    consent,
    customer_record,
    numeric_id,
    order_records,
    order_status,
    product_facts,
    product_record,
    refund_reason,
    refund_returns,
)
from tests.fakes.shopify_server import FakeShop
from tests.shopify import payloads


def test_numeric_ids_from_gids_and_rest_ids() -> None:
    assert numeric_id("gid://shopify/Customer/123") == "123"
    assert numeric_id(123) == "123"
    assert numeric_id("gid://shopify/Product/9?variant=1") == "9"
    assert numeric_id(None) is None


def test_marketing_states_become_consent_or_nothing() -> None:
    assert consent("SUBSCRIBED") is True
    assert consent("subscribed") is True
    assert consent("UNSUBSCRIBED") is False
    assert consent("not_subscribed") is False
    assert consent("PENDING") is None  # double opt-in not confirmed: change nothing
    assert consent(None) is None


def test_graphql_customer_and_rest_customer_give_the_same_record() -> None:
    shop = FakeShop()
    node = shop.add_customer(
        706405506930370084,
        "Bob",
        email="bob@example.com",
        phone="+16135551111",
        email_state="SUBSCRIBED",
        sms_state="NOT_SUBSCRIBED",
        consent_at="2026-11-30T15:00:00Z",
    )
    node["lastName"] = "Biller"
    node["createdAt"] = "2026-11-01T15:00:00Z"
    graphql = customer_record(node)
    rest = customer_record(payloads.customer(consent_at="2026-11-30T15:00:00Z"))
    assert graphql is not None and rest is not None
    rest["created_at"] = graphql["created_at"]
    assert graphql == rest
    assert graphql["customer_id"] == "706405506930370084"
    assert graphql["email_consent"] is True and graphql["sms_consent"] is False
    assert graphql["email_consent_at"] == "2026-11-30T15:00:00Z"


def test_a_customer_payload_without_a_field_leaves_it_out() -> None:
    record = customer_record({"id": 5, "email": "a@example.com"})
    assert record == {"customer_id": "5", "email": "a@example.com"}


def test_pending_consent_is_left_out() -> None:
    record = customer_record(payloads.customer(email_state="pending"))
    assert record is not None and "email_consent" not in record


def test_rest_order_lines_of_two_variants_are_one_item() -> None:
    mapped = order_records(payloads.order())
    assert mapped.order == {
        "order_id": "820982911946154508",
        "customer_id": "706405506930370084",
        "ordered_at": "2026-11-30T09:00:00-05:00",
        "total": "403.00",
        "currency": "USD",
        "status": "processing",
    }
    assert mapped.items == [
        {
            "order_id": "820982911946154508",
            "product_id": "632910392",
            "quantity": 2,
            "unit_price": "199.00",
        }
    ]
    assert mapped.skipped_lines == 1  # the gift wrapping line has no product
    assert mapped.products == {"632910392": "IPod Nano - 8GB"}


def test_a_guest_order_has_no_records() -> None:
    body = payloads.order()
    body["customer"] = None
    assert order_records(body).order is None


def test_statuses() -> None:
    assert order_status({"cancelledAt": "2026-01-01T00:00:00Z"}) == "cancelled"
    assert order_status({"displayFinancialStatus": "REFUNDED"}) == "refunded"
    assert order_status({"financial_status": "pending"}) == "pending"
    assert order_status({"displayFulfillmentStatus": "FULFILLED"}) == "completed"
    assert order_status({"financial_status": "paid"}) == "processing"


def test_rest_refund_is_a_return_per_product() -> None:
    assert refund_returns(payloads.refund()) == [
        {
            "order_id": "820982911946154508",
            "product_id": "632910392",
            "returned_at": "2026-12-02T09:00:00-05:00",
            "reason_code": "quality",
            "note": "Things were damaged",
        }
    ]


def test_graphql_refund_and_order_refunds() -> None:
    shop = FakeShop()
    buyer = shop.add_customer(1, "Ann")
    order = shop.add_order(10, buyer, [(7, 1, "12.00")])
    shop.add_refund(20, order, [7])
    mapped = order_records(order)
    assert mapped.refund_ids == ["gid://shopify/Refund/20"]
    returns = refund_returns(shop.refunds["gid://shopify/Refund/20"])
    assert [(r["order_id"], r["product_id"]) for r in returns] == [("10", "7")]


def test_rest_product_price_is_its_lowest_variant_and_tags_give_relaunch() -> None:
    record = product_record(
        payloads.product(tags="coffee, relaunched:2026-11-01, improvement:Smoother roast")
    )
    assert record == {
        "product_id": "632910392",
        "name": "IPod Nano - 8GB",
        "category": "Cult Products",
        "price": "189.00",
        "relaunched_at": "2026-11-01",
        "improvement_note": "Smoother roast",
    }


def test_metafields_win_over_tags() -> None:
    node = {
        "tags": ["relaunched:2026-01-01", "upgrade:gid://shopify/Product/77"],
        "relaunchedAt": {"value": "2026-11-01"},
        "metafields": [
            {"namespace": "assistant", "key": "improvement_note", "value": "New burrs"},
            {"namespace": "other", "key": "improvement_note", "value": "ignored"},
        ],
    }
    assert product_facts(node) == {
        "relaunched_at": "2026-11-01",
        "upgrade_product_id": "77",
        "improvement_note": "New burrs",
    }


def test_graphql_product() -> None:
    node = FakeShop().add_product(7, "House Blend", "14.50", relaunched_at="2026-10-01")
    assert product_record(node) == {
        "product_id": "7",
        "name": "House Blend",
        "category": "Coffee",
        "price": "14.50",
        "relaunched_at": "2026-10-01",
    }


def test_a_refund_note_names_the_reason_the_relaunch_trigger_looks_for() -> None:
    assert refund_reason("Too small in the shoulders") == "sizing"
    assert refund_reason("Did not fit well") == "fit"
    assert refund_reason("Arrived broken") == "quality"
    assert refund_reason("Changed my mind") == "refund"
    assert refund_reason(None) == "refund"
    assert refund_reason("outfit looked odd") == "refund"  # whole words only
