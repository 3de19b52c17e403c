"""Webhook bodies shaped like Shopify's documented examples (REST JSON), and signing them."""

from __future__ import annotations

import json
from typing import Any

from connectors.shopify.signature import sign

API_SECRET = "fake-shopify-api-secret-not-secret"


def customer(
    number: int = 706405506930370084,
    *,
    email: str | None = "bob@example.com",
    phone: str | None = "+16135551111",
    email_state: str = "subscribed",
    sms_state: str = "not_subscribed",
    consent_at: str | None = "2026-11-30T10:00:00-05:00",
) -> dict[str, Any]:
    return {
        "id": number,
        "email": email,
        "created_at": "2026-11-01T10:00:00-05:00",
        "updated_at": "2026-11-30T10:00:00-05:00",
        "first_name": "Bob",
        "last_name": "Biller",
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "phone": phone,
        "tags": "",
        "currency": "USD",
        "email_marketing_consent": {
            "state": email_state,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": consent_at,
        },
        "sms_marketing_consent": {
            "state": sms_state,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": consent_at,
            "consent_collected_from": "OTHER",
        },
        "admin_graphql_api_id": f"gid://shopify/Customer/{number}",
    }


def order(
    number: int = 820982911946154508,
    *,
    buyer: dict[str, Any] | None = None,
    cancelled: bool = False,
) -> dict[str, Any]:
    return {
        "id": number,
        "admin_graphql_api_id": f"gid://shopify/Order/{number}",
        "cancelled_at": "2026-12-01T12:00:00-05:00" if cancelled else None,
        "created_at": "2026-11-30T09:00:00-05:00",
        "processed_at": "2026-11-30T09:00:00-05:00",
        "updated_at": "2026-11-30T09:05:00-05:00",
        "currency": "USD",
        "total_price": "403.00",
        "financial_status": "voided" if cancelled else "paid",
        "fulfillment_status": None,
        "customer": buyer if buyer is not None else customer(),
        "line_items": [
            {
                "id": 866550311766439020,
                "product_id": 632910392,
                "variant_id": 808950810,
                "title": "IPod Nano - 8GB",
                "variant_title": "Pink",
                "name": "IPod Nano - 8GB - Pink",
                "quantity": 1,
                "price": "199.00",
            },
            {
                "id": 141249953214522974,
                "product_id": 632910392,
                "variant_id": 49148385,
                "title": "IPod Nano - 8GB",
                "variant_title": "Red",
                "quantity": 1,
                "price": "199.00",
            },
            {
                "id": 141249953214522975,
                "product_id": None,
                "variant_id": None,
                "title": "Gift wrapping",
                "quantity": 1,
                "price": "5.00",
            },
        ],
        "refunds": [],
    }


def refund(order_id: int = 820982911946154508) -> dict[str, Any]:
    return {
        "id": 890088186047892319,
        "order_id": order_id,
        "created_at": "2026-12-02T09:00:00-05:00",
        "note": "Things were damaged",
        "restock": False,
        "admin_graphql_api_id": "gid://shopify/Refund/890088186047892319",
        "refund_line_items": [
            {
                "id": 866550311766439020,
                "quantity": 1,
                "line_item_id": 866550311766439020,
                "restock_type": "no_restock",
                "subtotal": 199.0,
                "line_item": {"id": 866550311766439020, "product_id": 632910392, "quantity": 1},
            }
        ],
        "transactions": [],
    }


def product(number: int = 632910392, *, tags: str = "") -> dict[str, Any]:
    return {
        "id": number,
        "title": "IPod Nano - 8GB",
        "product_type": "Cult Products",
        "tags": tags,
        "updated_at": "2026-11-30T10:00:00-05:00",
        "variants": [
            {"id": 808950810, "product_id": number, "price": "199.00"},
            {"id": 49148385, "product_id": number, "price": "189.00"},
        ],
        "admin_graphql_api_id": f"gid://shopify/Product/{number}",
    }


def redact(number: int = 706405506930370084) -> dict[str, Any]:
    return {
        "shop_id": 954889,
        "shop_domain": "fake-coffee.myshopify.com",
        "customer": {"id": number, "email": "bob@example.com", "phone": "+16135551111"},
        "orders_to_redact": [820982911946154508],
    }


def signed(payload: dict[str, Any], secret: str = API_SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, sign(secret, body)
