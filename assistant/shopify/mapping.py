"""Shopify objects → the ingest service's records (fields named like the CSV columns).

Pure functions, for both shapes Shopify sends: Admin GraphQL nodes (camelCase, `gid://`
ids, enum states in capitals) and REST-shaped webhook payloads (snake_case, numeric ids).
A record carries only the fields the payload had, so a webhook that omits a field never
blanks what the backfill stored.

Ids: a Shopify object's numeric id (`gid://shopify/Customer/123` or REST `id` 123) is our
`external_id`, so webhooks and the backfill meet on the same rows. Variants map to their
product: our catalog is per product (an order line is keyed by order and product), so lines
of several variants of one product become one item (quantities added, the unit price their
quantity-weighted average) and a product's price is its lowest variant price.
Refunds: each refunded line is a return of its product, dated by the refund.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.shopify.queries import METAFIELD_NAMESPACE

Record = dict[str, Any]

# marketing state → consent: pending (double opt-in not confirmed) and unknown states change
# nothing; only `subscribed` is consent.
_GRANTED = frozenset({"subscribed"})
_REFUSED = frozenset({"unsubscribed", "not_subscribed", "redacted", "invalid"})

# Product tags read when no metafield says it (docs/shopify.md): `relaunched:2026-11-01`,
# `improvement:New grinder burrs`, `upgrade:8061536829755`, `short-name:House Blend`.
TAG_FIELDS = {
    "relaunched": "relaunched_at",
    "improvement": "improvement_note",
    "upgrade": "upgrade_product_id",
    "short-name": "short_name",
}
METAFIELD_FIELDS = {
    "relaunched_at": "relaunched_at",
    "improvement_note": "improvement_note",
    "upgrade_product_id": "upgrade_product_id",
    "short_name": "short_name",
}
_GRAPHQL_METAFIELDS = {
    "relaunchedAt": "relaunched_at",
    "improvementNote": "improvement_note",
    "upgradeProduct": "upgrade_product_id",
    "shortName": "short_name",
}
REFUND_REASON = "refund"
# Shopify's refunds carry no reason code, only the note staff typed: words in it name the
# reason the relaunch trigger looks for (fit, sizing, quality); otherwise `refund`.
_NOTE_REASONS = (
    ("sizing", ("size", "sizing", "too small", "too big", "too large", "too short", "too long")),
    ("fit", ("fit", "fitting", "tight", "loose")),
    ("quality", ("quality", "defect", "broken", "damaged", "faulty", "leak", "tore", "torn")),
)


def refund_reason(note: str | None) -> str:
    """The reason code a refund's note names (`sizing`, `fit`, `quality`), else `refund`."""
    text = " " + " ".join(re.findall(r"[a-z]+", (note or "").lower())) + " "
    for reason, cues in _NOTE_REASONS:
        if any(f" {cue} " in text for cue in cues):
            return reason
    return REFUND_REASON


def numeric_id(value: Any) -> str | None:
    """`gid://shopify/Customer/123`, 123 or "123" → "123"; None when there is none."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.startswith("gid://"):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    return text or None


def consent(state: Any) -> bool | None:
    """Shopify's marketing state as our consent: True, False, or None (leave as it is)."""
    if not isinstance(state, str):
        return None
    state = state.strip().lower()
    if state in _GRANTED:
        return True
    if state in _REFUSED:
        return False
    return None


def _get(node: Mapping[str, Any], *names: str) -> tuple[bool, Any]:
    """(present, value) of the first of `names` the node has."""
    for name in names:
        if name in node:
            return True, node[name]
    return False, None


def _money(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)))
    except InvalidOperation:
        return None


def _shop_money(node: Mapping[str, Any], graphql: str, rest: str) -> str | None:
    price_set = node.get(graphql)
    if isinstance(price_set, Mapping):
        return _money((price_set.get("shopMoney") or {}).get("amount"))
    return _money(node.get(rest))


def customer_record(node: Mapping[str, Any]) -> Record | None:
    """A customers record from a GraphQL Customer or a REST customer payload."""
    customer_id = numeric_id(node.get("id"))
    if customer_id is None:
        return None
    record: Record = {"customer_id": customer_id}
    for target, names in (
        ("first_name", ("firstName", "first_name")),
        ("last_name", ("lastName", "last_name")),
        ("email", ("email",)),
        ("phone", ("phone",)),
        ("created_at", ("createdAt", "created_at")),
    ):
        present, value = _get(node, *names)
        if present:
            record[target] = value if value != "" else None
    if "email" not in record and isinstance(node.get("defaultEmailAddress"), Mapping):
        record["email"] = node["defaultEmailAddress"].get("emailAddress")
    if "phone" not in record and isinstance(node.get("defaultPhoneNumber"), Mapping):
        record["phone"] = node["defaultPhoneNumber"].get("phoneNumber")
    for channel in ("sms", "email"):
        present, state = _get(node, f"{channel}MarketingConsent", f"{channel}_marketing_consent")
        if not present or not isinstance(state, Mapping):
            continue
        granted = consent(state.get("marketingState", state.get("state")))
        if granted is None:
            continue
        record[f"{channel}_consent"] = granted
        updated = state.get("consentUpdatedAt", state.get("consent_updated_at"))
        if updated:
            record[f"{channel}_consent_at"] = updated
    return record


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return [tag.strip() for tag in value.split(",") if tag.strip()]
    if isinstance(value, list):
        return [str(tag).strip() for tag in value if str(tag).strip()]
    return []


def product_facts(node: Mapping[str, Any]) -> Record:
    """Relaunch date, improvement note, upgrade product and short name: from metafields in
    namespace `assistant`, else from tags such as `relaunched:2026-11-01`."""
    facts: Record = {}
    for tag in _tags(node.get("tags")):
        name, sep, value = tag.partition(":")
        target = TAG_FIELDS.get(name.strip().lower())
        if sep and target and value.strip():
            facts[target] = value.strip()
    for alias, target in _GRAPHQL_METAFIELDS.items():
        metafield = node.get(alias)
        if isinstance(metafield, Mapping) and metafield.get("value"):
            facts[target] = str(metafield["value"]).strip()
    for metafield in node.get("metafields") or ():
        if not isinstance(metafield, Mapping):
            continue
        target = METAFIELD_FIELDS.get(str(metafield.get("key", "")))
        if metafield.get("namespace") == METAFIELD_NAMESPACE and target and metafield.get("value"):
            facts[target] = str(metafield["value"]).strip()
    if "upgrade_product_id" in facts:
        facts["upgrade_product_id"] = numeric_id(facts["upgrade_product_id"])
    return facts


def product_record(node: Mapping[str, Any]) -> Record | None:
    """A products record from a GraphQL Product or a REST product payload."""
    product_id = numeric_id(node.get("id"))
    if product_id is None or not node.get("title"):
        return None
    record: Record = {"product_id": product_id, "name": str(node["title"]).strip()}
    present, category = _get(node, "productType", "product_type")
    if present:
        record["category"] = category or None
    price_range = node.get("priceRangeV2")
    if isinstance(price_range, Mapping):
        record["price"] = _money((price_range.get("minVariantPrice") or {}).get("amount"))
    elif isinstance(node.get("variants"), list):
        prices = [p for v in node["variants"] if (p := _money(v.get("price"))) is not None]
        record["price"] = min(prices, key=Decimal) if prices else None
    record.update(product_facts(node))
    return record


def order_status(node: Mapping[str, Any]) -> str:
    """Our order status from Shopify's cancelled flag, financial and fulfilment states."""
    if node.get("cancelledAt") or node.get("cancelled_at"):
        return "cancelled"
    financial = str(
        node.get("displayFinancialStatus") or node.get("financial_status") or ""
    ).lower()
    fulfilment = str(
        node.get("displayFulfillmentStatus") or node.get("fulfillment_status") or ""
    ).lower()
    if financial in ("refunded", "voided"):
        return "refunded"
    if financial in ("pending", "authorized", "expired"):
        return "pending"
    if fulfilment == "fulfilled":
        return "completed"
    return "processing"


@dataclass
class OrderRecords:
    """What one Shopify order becomes: its customer, the order, its items and returns."""

    customer: Record | None = None
    order: Record | None = None
    items: list[Record] = field(default_factory=list)
    returns: list[Record] = field(default_factory=list)
    # Products its lines name, with the line title (to create any the catalog lacks).
    products: dict[str, str] = field(default_factory=dict)
    # GraphQL refunds, by id, whose lines are fetched separately (queries.REFUNDS).
    refund_ids: list[str] = field(default_factory=list)
    skipped_lines: int = 0


def _lines(node: Mapping[str, Any], children: Iterable[Mapping[str, Any]]) -> list[Any]:
    line_items = node.get("lineItems")
    if isinstance(line_items, Mapping):
        return list(line_items.get("nodes") or [e["node"] for e in line_items.get("edges", [])])
    if isinstance(node.get("line_items"), list):
        return list(node["line_items"])
    return list(children)


def order_records(
    node: Mapping[str, Any], children: Iterable[Mapping[str, Any]] = ()
) -> OrderRecords:
    """Map a GraphQL Order (lines nested, or as bulk `children`) or a REST order payload."""
    result = OrderRecords()
    order_id = numeric_id(node.get("id"))
    customer = node.get("customer")
    if isinstance(customer, Mapping):
        result.customer = customer_record(customer)
    if order_id is None or result.customer is None:
        return result  # a guest checkout (no customer): nothing of ours to attach it to
    total = _shop_money(node, "totalPriceSet", "total_price")
    price_set = node.get("totalPriceSet")
    currency = (
        ((price_set or {}).get("shopMoney") or {}).get("currencyCode")
        if isinstance(price_set, Mapping)
        else node.get("currency")
    )
    result.order = {
        "order_id": order_id,
        "customer_id": result.customer["customer_id"],
        "ordered_at": node.get("processedAt")
        or node.get("processed_at")
        or node.get("createdAt")
        or node.get("created_at"),
        "total": total,
        "currency": currency,
        "status": order_status(node),
    }
    quantities: dict[str, int] = {}
    amounts: dict[str, Decimal] = {}
    for line in _lines(node, children):
        product = line.get("product")
        product_id = numeric_id(
            product.get("id") if isinstance(product, Mapping) else line.get("product_id")
        )
        quantity = int(line.get("quantity") or 0)
        if product_id is None or quantity <= 0:
            result.skipped_lines += 1  # a deleted product, a custom line, a removed line
            continue
        price = _shop_money(line, "originalUnitPriceSet", "price")
        quantities[product_id] = quantities.get(product_id, 0) + quantity
        amounts[product_id] = amounts.get(product_id, Decimal(0)) + Decimal(price or 0) * quantity
        result.products.setdefault(product_id, str(line.get("title") or "").strip())
    for product_id, quantity in quantities.items():
        unit = (amounts[product_id] / quantity).quantize(Decimal("0.01"))
        result.items.append(
            {
                "order_id": order_id,
                "product_id": product_id,
                "quantity": quantity,
                "unit_price": str(unit),
            }
        )
    for refund in node.get("refunds") or ():
        if not isinstance(refund, Mapping):
            continue
        if "refund_line_items" in refund or "refundLineItems" in refund:
            result.returns += refund_returns(refund, order_id)
        elif refund.get("id"):
            result.refund_ids.append(str(refund["id"]))
    return result


def refund_returns(refund: Mapping[str, Any], order_id: str | None = None) -> list[Record]:
    """Returns records from a GraphQL Refund (with `order`) or a REST refund payload: one per
    refunded product, dated by the refund."""
    order = refund.get("order")
    order_id = order_id or numeric_id(
        order.get("id") if isinstance(order, Mapping) else refund.get("order_id")
    )
    returned_at = refund.get("createdAt") or refund.get("created_at")
    if order_id is None or not returned_at:
        return []
    lines = refund.get("refund_line_items")
    if lines is None:
        container = refund.get("refundLineItems") or {}
        lines = container.get("nodes") or [e["node"] for e in container.get("edges", [])]
    note = refund.get("note") or None
    products: list[str] = []
    for line in lines or ():
        item = line.get("lineItem") or line.get("line_item") or {}
        product = item.get("product")
        product_id = numeric_id(
            product.get("id") if isinstance(product, Mapping) else item.get("product_id")
        )
        if product_id is not None and product_id not in products:
            products.append(product_id)
    return [
        {
            "order_id": order_id,
            "product_id": product_id,
            "returned_at": returned_at,
            "reason_code": refund_reason(note),
            "note": note,
        }
        for product_id in products
    ]
