"""Core tables, expression types and the evidence record shared by the compiler modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, FromClause, Table

from assistant.models import (
    Customer,
    CustomerCLV,
    CustomerScores,
    Event,
    Order,
    OrderItem,
    Product,
    ProductRepeat,
    Return,
)

Bool = ColumnElement[bool]
Expr = ColumnElement[Any]
# (outer joins to add, fields to read), given a function naming the middle stage's columns.
Looked = tuple[list[tuple[FromClause, Bool]], dict[str, Expr]]
Lookup = Callable[[Callable[[str], Expr]], Looked]

CUSTOMERS = cast(Table, Customer.__table__)
# What a refresh keeps per customer; the as-of-dependent metrics are derived (compiler.py).
SCORES = cast(Table, CustomerScores.__table__)
CLV = cast(Table, CustomerCLV.__table__)
PRODUCT_REPEATS = cast(Table, ProductRepeat.__table__)
ORDERS = cast(Table, Order.__table__)
ORDER_ITEMS = cast(Table, OrderItem.__table__)
PRODUCTS = cast(Table, Product.__table__)
RETURNS = cast(Table, Return.__table__)
EVENTS = cast(Table, Event.__table__)


@dataclass
class Evidence:
    """What one positive leaf can say about a member who satisfies it.

    `keys` are computed per member (names starting with `_` are internal ids used by
    `lookup`, which joins them to the rows a message can cite); `fixed` are constants.
    """

    kind: str
    holds: Bool
    keys: dict[str, Expr] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    lookup: Lookup | None = None


def compare(column: Expr, op: str, value: Any) -> Bool:
    """`column <op> value` for the comparison operators of a definition."""
    result: Bool
    if op == "eq":
        result = column == value
    elif op == "ne":
        result = column != value
    elif op == "gt":
        result = column > value
    elif op == "gte":
        result = column >= value
    elif op == "lt":
        result = column < value
    elif op == "lte":
        result = column <= value
    elif op == "between":
        result = column.between(value[0], value[1])
    elif op == "in":
        result = column.in_(list(value))
    elif op == "not_in":
        result = column.not_in(list(value))
    else:
        raise ValueError(f"unknown operator {op}")
    return result
