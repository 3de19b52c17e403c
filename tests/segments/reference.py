"""A plain-Python evaluation of segment definitions, to check the compiled SQL against.

It reads every table into memory and applies the documented rules row by row: windows in
the customer's local days, purchases exclude cancelled and refunded orders, comparisons
with a missing value are false, tiers include ties.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from assistant.models import Customer, CustomerMetrics, Event, Order, OrderItem, Product, Return
from assistant.segments import schemas as s
from assistant.segments.activity import years_before

EXCLUDED = {"cancelled", "refunded"}


@dataclass
class Store:
    """Every row the segments read, as dictionaries."""

    customers: list[dict[str, Any]]
    metrics: dict[int, dict[str, Any]]
    orders: list[dict[str, Any]]
    items: list[dict[str, Any]]
    returns: list[dict[str, Any]]
    products: dict[int, dict[str, Any]]
    events: list[dict[str, Any]]


def read_store(engine: Engine) -> Store:
    """Load the whole (small) store."""

    def rows(model: Any) -> list[dict[str, Any]]:
        columns = model.__table__.columns.keys()
        with engine.connect() as connection:
            found = connection.execute(select(model.__table__)).mappings()
            return [{name: row[name] for name in columns} for row in found]

    return Store(
        customers=rows(Customer),
        metrics={row["customer_id"]: row for row in rows(CustomerMetrics)},
        orders=rows(Order),
        items=rows(OrderItem),
        returns=rows(Return),
        products={row["id"]: row for row in rows(Product)},
        events=rows(Event),
    )


class Reference:
    """Evaluates a condition tree for every customer of a store, as of a local day."""

    def __init__(self, store: Store, as_of: date, brand_zone: str) -> None:
        self.store = store
        self.as_of = as_of
        self.brand_zone = brand_zone
        self.orders_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for order in store.orders:
            self.orders_of[order["customer_id"]].append(order)
        self.status = {order["id"]: order["status"] for order in store.orders}

    def members(self, where: s.Condition) -> set[str]:
        """External ids of the customers satisfying `where`."""
        return {c["external_id"] for c in self.store.customers if self.holds(where, c)}

    def local_day(self, instant: datetime, customer: dict[str, Any]) -> date:
        zone = ZoneInfo(customer["timezone"] or self.brand_zone)
        return instant.astimezone(zone).date()

    def in_window(self, instant: datetime, days: int | None, customer: dict[str, Any]) -> bool:
        day = self.local_day(instant, customer)
        if day > self.as_of:
            return False
        return days is None or day >= self.as_of - timedelta(days=days - 1)

    def holds(self, node: s.Condition, c: dict[str, Any]) -> bool:
        if isinstance(node, s.AllCondition):
            return all(self.holds(child, c) for child in node.all)
        if isinstance(node, s.AnyCondition):
            return any(self.holds(child, c) for child in node.any)
        if isinstance(node, s.NotCondition):
            return not self.holds(node.not_, c)
        metrics = self.store.metrics.get(c["id"], {})
        if isinstance(node, s.MetricCondition):
            return self.metric(node, metrics.get(node.metric), c)
        if isinstance(node, s.CustomerCondition):
            return self.compare(c[node.customer], node.operators(), c)
        if isinstance(node, s.AttributeCondition):
            return self.attribute(node, c["attributes"].get(node.attribute))
        if isinstance(node, s.OrdersCondition):
            return self.orders(node.orders, c)
        if isinstance(node, s.ProductRepeatCondition):
            return self.repeat(node.product_repeat, c)
        if isinstance(node, s.ReturnedCondition):
            return self.returned(node.returned, c)
        if isinstance(node, s.EventCondition):
            return self.event(node.event, c)
        if isinstance(node, s.MilestoneCondition):
            return self.milestone(node.milestone, c, metrics)
        raise TypeError(node)

    def compare(self, value: Any, ops: dict[str, Any], c: dict[str, Any]) -> bool:
        for op, operand in ops.items():
            if op == "is_null":
                if (value is None) != operand:
                    return False
                continue
            if value is None:
                return False
            if isinstance(value, datetime):
                value_day = self.local_day(value, c)
                operand = (
                    [_as_date(v) for v in operand]
                    if isinstance(operand, list | tuple)
                    else _as_date(operand)
                )
                if not _op(value_day, op, operand):
                    return False
            elif isinstance(value, Decimal | int | float) and not isinstance(value, bool):
                number = round(Decimal(str(value)), 2)
                operand = (
                    [Decimal(str(v)) for v in operand]
                    if isinstance(operand, list | tuple)
                    else Decimal(str(operand))
                )
                if not _op(number, op, operand):
                    return False
            elif not _op(value, op, operand):
                return False
        return True

    def metric(self, node: s.MetricCondition, value: Any, c: dict[str, Any]) -> bool:
        ops = node.operators()
        if ops and not self.compare(value, ops, c):
            return False
        for percent, top in ((node.top_percent, True), (node.bottom_percent, False)):
            if percent is None:
                continue
            values = [
                round(Decimal(str(m[node.metric])), 2)
                for m in self.store.metrics.values()
                if m[node.metric] is not None
            ]
            if value is None or not values:
                return False
            k = math.ceil(len(values) * int(percent * 100) / 10_000)
            cut = sorted(values, reverse=top)[k - 1]
            mine = round(Decimal(str(value)), 2)
            if (mine < cut) if top else (mine > cut):
                return False
        return True

    def attribute(self, node: s.AttributeCondition, value: Any) -> bool:
        text = None if value is None else str(value)
        if node.exists is not None and (text is not None) != node.exists:
            return False
        for op, operand in (("eq", node.eq), ("ne", node.ne), ("in", node.in_)):
            if operand is None:
                continue
            wanted = [_text(v) for v in operand] if isinstance(operand, list) else _text(operand)
            if text is None or not _op(text, op, wanted):
                return False
        return True

    def purchases(self, c: dict[str, Any], days: int | None) -> list[dict[str, Any]]:
        return [
            o
            for o in self.orders_of[c["id"]]
            if o["status"] not in EXCLUDED and self.in_window(o["ordered_at"], days, c)
        ]

    def orders(self, node: s.OrdersWindow, c: dict[str, Any]) -> bool:
        bought = self.purchases(c, node.within_days)
        count = len(bought)
        amount = round(sum((o["total"] for o in bought), Decimal("0")), 2)
        return (
            count >= node.min_count
            and (node.max_count is None or count <= node.max_count)
            and (node.min_amount is None or amount >= node.min_amount)
            and (node.max_amount is None or amount <= node.max_amount)
        )

    def repeat(self, node: s.ProductRepeat, c: dict[str, Any]) -> bool:
        times: dict[int, set[Any]] = defaultdict(set)
        for item in self.store.items:
            if item["customer_id"] != c["id"] or self.status[item["order_id"]] in EXCLUDED:
                continue
            if not self.in_window(item["ordered_at"], node.within_days, c):
                continue
            if (
                node.with_upgrade
                and self.store.products[item["product_id"]]["upgrade_product_id"] is None
            ):
                continue
            key = (
                self.local_day(item["ordered_at"], c)
                if node.count_by == "day"
                else item["order_id"]
            )
            times[item["product_id"]].add(key)
        return any(len(found) >= node.min_purchases for found in times.values())

    def returned(self, node: s.Returned, c: dict[str, Any]) -> bool:
        for r in self.store.returns:
            if r["customer_id"] != c["id"] or not self.in_window(
                r["returned_at"], node.within_days, c
            ):
                continue
            if node.reasons is not None and r["reason_code"] not in node.reasons:
                continue
            if node.relaunched_after:
                relaunched = self.store.products[r["product_id"]]["relaunched_at"]
                if relaunched is None or relaunched <= r["returned_at"]:
                    continue
                if not self.in_window(relaunched, node.relaunched_within_days, c):
                    continue
            return True
        return False

    def event(self, node: s.EventWindow, c: dict[str, Any]) -> bool:
        found = [
            e
            for e in self.store.events
            if e["customer_id"] == c["id"]
            and e["kind"] in node.kinds
            and self.in_window(e["occurred_at"], node.within_days, c)
        ]
        return len(found) >= node.min_count

    def milestone(self, node: s.Milestone, c: dict[str, Any], metrics: dict[str, Any]) -> bool:
        then = self.as_of - timedelta(days=node.within_days)
        if node.tenure_years is not None:
            since = c["customer_since"] or metrics.get("first_order_at")
            if since is None:
                return False
            day = self.local_day(since, c)
            years = node.tenure_years
            return years_before(then, years) < day <= years_before(self.as_of, years)
        earlier = [
            o
            for o in self.orders_of[c["id"]]
            if o["status"] not in EXCLUDED and self.local_day(o["ordered_at"], c) <= then
        ]
        if node.orders is not None:
            now = metrics.get("orders_count")
            return now is not None and now >= node.orders and len(earlier) < node.orders
        assert node.lifetime_spend is not None
        now_spend = metrics.get("lifetime_spend")
        if now_spend is None or round(Decimal(str(now_spend)), 2) < node.lifetime_spend:
            return False
        returned_lines = {(r["order_id"], r["product_id"]) for r in self.store.returns}
        spend = Decimal("0")
        for order in earlier:
            spend += order["total"]
            for item in self.store.items:
                if item["order_id"] == order["id"] and (order["id"], item["product_id"]) in (
                    returned_lines
                ):
                    spend -= item["quantity"] * (item["unit_price"] or 0)
        return round(spend, 2) < node.lifetime_spend


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _op(value: Any, op: str, operand: Any) -> bool:
    if op == "eq":
        return bool(value == operand)
    if op == "ne":
        return bool(value != operand)
    if op == "gt":
        return bool(value > operand)
    if op == "gte":
        return bool(value >= operand)
    if op == "lt":
        return bool(value < operand)
    if op == "lte":
        return bool(value <= operand)
    if op == "between":
        return bool(operand[0] <= value <= operand[1])
    if op == "in":
        return value in operand
    if op == "not_in":
        return value not in operand
    raise ValueError(op)
