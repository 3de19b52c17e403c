"""Set-based lookups into a batch of customers' orders, for the context builder.

Each function is one query for a whole batch (never one per customer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from assistant.metrics.queries import EXCLUDED_STATUSES
from assistant.models import Message, Order, OrderItem, Product, Return

# Outbound SMS that reached (or may have reached) the customer: any earlier one means the
# opt-out notice is not required again.
SENT_STATUSES = ("sending", "sent", "delivered", "undelivered")
OrderRef = tuple[int, str, datetime]  # order id, order number, ordered at


@dataclass(frozen=True)
class ProductDetail:
    """What a message may say about a product besides its name."""

    short_name: str | None
    category: str | None
    improvement_note: str | None


def texted(session: Session, ids: Sequence[int]) -> set[int]:
    """The customers among `ids` who were ever sent an SMS."""
    rows = session.execute(
        select(Message.customer_id)
        .where(
            Message.customer_id.in_(ids),
            Message.direction == "outbound",
            Message.channel == "sms",
            Message.status.in_(SENT_STATUSES),
        )
        .distinct()
    ).scalars()
    return set(rows)


def orders_by_number(session: Session, cited: Mapping[int, str]) -> dict[int, OrderRef]:
    """customer -> the order each cites by number (the segment's qualifying order)."""
    rows = session.execute(
        select(Order.customer_id, Order.id, Order.external_id, Order.ordered_at).where(
            Order.external_id.in_(sorted(set(cited.values())))
        )
    ).all()
    return {
        customer_id: (order_id, number, at)
        for customer_id, order_id, number, at in rows
        if cited.get(customer_id) == number
    }


def latest_orders(session: Session, ids: Sequence[int]) -> dict[int, OrderRef]:
    """customer -> their latest purchase (cancelled and refunded orders are not purchases)."""
    last = (
        select(Order.customer_id, func.max(Order.ordered_at).label("at"))
        .where(Order.customer_id.in_(ids), Order.status.not_in(EXCLUDED_STATUSES))
        .group_by(Order.customer_id)
        .subquery()
    )
    rows = session.execute(
        select(Order.customer_id, Order.id, Order.external_id, Order.ordered_at)
        .join(last, and_(last.c.customer_id == Order.customer_id, last.c.at == Order.ordered_at))
        .where(Order.status.not_in(EXCLUDED_STATUSES))
        .order_by(Order.id)
    ).all()
    return {customer_id: (oid, number, at) for customer_id, oid, number, at in rows}


def main_products(session: Session, order_ids: Sequence[int]) -> dict[int, str]:
    """order id -> the name of its biggest line (by value, then name)."""
    rows = session.execute(
        select(
            OrderItem.order_id,
            Product.name,
            OrderItem.quantity * func.coalesce(OrderItem.unit_price, Product.price, 0),
        )
        .join(Product, Product.id == OrderItem.product_id)
        .where(OrderItem.order_id.in_(order_ids))
    ).all()
    ranked: dict[int, tuple[Decimal, str]] = {}
    for order_id, name, value in rows:
        key = (-Decimal(value or 0), name)
        if order_id not in ranked or key < ranked[order_id]:
            ranked[order_id] = key
    return {order_id: name for order_id, (_, name) in ranked.items()}


def net_purchases(
    session: Session, ids: Sequence[int]
) -> dict[int, list[tuple[datetime, Decimal]]]:
    """Each customer's purchases in time order, net of their returned lines (the metrics'
    lifetime-spend rule)."""
    returned = (
        select(func.sum(OrderItem.quantity * OrderItem.unit_price))
        .where(
            OrderItem.order_id == Order.id,
            select(Return.id)
            .where(Return.order_id == OrderItem.order_id, Return.product_id == OrderItem.product_id)
            .exists(),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(Order.customer_id, Order.ordered_at, Order.total, returned)
        .where(Order.customer_id.in_(ids), Order.status.not_in(EXCLUDED_STATUSES))
        .order_by(Order.customer_id, Order.ordered_at, Order.id)
    ).all()
    found: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for customer_id, at, total, back in rows:
        found[customer_id].append((at, Decimal(total) - Decimal(back or 0)))
    return found


def nth_purchases(session: Session, thresholds: Mapping[int, Any]) -> dict[int, datetime]:
    """customer -> when they made their N-th purchase (N per customer)."""
    found: dict[int, datetime] = {}
    for customer_id, purchases in net_purchases(session, sorted(thresholds)).items():
        count = int(thresholds[customer_id])
        if 1 <= count <= len(purchases):
            found[customer_id] = purchases[count - 1][0]
    return found


def spend_crossings(session: Session, thresholds: Mapping[int, Any]) -> dict[int, datetime]:
    """customer -> the purchase that took their net lifetime spend to the threshold."""
    found: dict[int, datetime] = {}
    for customer_id, purchases in net_purchases(session, sorted(thresholds)).items():
        bound, running = Decimal(str(thresholds[customer_id])), Decimal(0)
        for at, amount in purchases:
            running += amount
            if running >= bound:
                found[customer_id] = at
                break
    return found


def products_by_code(
    session: Session, codes: Sequence[str]
) -> dict[str, tuple[int, str, Decimal | None]]:
    """product external id -> (id, name, price)."""
    rows = session.execute(
        select(Product.external_id, Product.id, Product.name, Product.price).where(
            Product.external_id.in_(sorted(set(codes)))
        )
    ).all()
    return {code: (pid, name, price) for code, pid, name, price in rows}


def purchase_spans(
    session: Session, customer_ids: Sequence[int], product_ids: Sequence[int]
) -> dict[tuple[int, int], tuple[datetime, datetime]]:
    """(customer, product) -> first and last purchase of that product."""
    rows = session.execute(
        select(
            OrderItem.customer_id,
            OrderItem.product_id,
            func.min(OrderItem.ordered_at),
            func.max(OrderItem.ordered_at),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            OrderItem.customer_id.in_(customer_ids),
            OrderItem.product_id.in_(product_ids),
            Order.status.not_in(EXCLUDED_STATUSES),
        )
        .group_by(OrderItem.customer_id, OrderItem.product_id)
    ).all()
    return {(c, p): (first, last) for c, p, first, last in rows}


def product_details(session: Session, names: Sequence[str]) -> dict[str, ProductDetail]:
    """product name -> its short name, category and improvement note (first product by id)."""
    rows = session.execute(
        select(Product.name, Product.short_name, Product.category, Product.improvement_note)
        .where(Product.name.in_(sorted(set(names))))
        .order_by(Product.id)
    ).all()
    found: dict[str, ProductDetail] = {}
    for name, short, category, note in rows:
        found.setdefault(name, ProductDetail(short, category, note))
    return found
