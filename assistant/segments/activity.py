"""Activity leaves: purchases, product repeats, returns, events and milestones in windows.

Each is a correlated EXISTS (or a count) on a table's (customer_id, time) index, bounded by
the customer's local-day window, and returns its Evidence: how to find the qualifying row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import Date, FromClause, Select, and_, distinct, exists, func, literal, select
from sqlalchemy.sql.selectable import NamedFromClause

from assistant.metrics.queries import EXCLUDED_STATUSES
from assistant.metrics.repeats import MAX_DAYS
from assistant.segments import schemas as s
from assistant.segments.dialect import Dialect
from assistant.segments.sql import (
    EVENTS,
    ORDER_ITEMS,
    ORDERS,
    PRODUCT_REPEATS,
    PRODUCTS,
    RETURNS,
    Bool,
    Evidence,
    Expr,
    Looked,
)


class Compiler(Protocol):
    """What these conditions use of `assistant.segments.compiler.Compiler` (which calls them)."""

    dialect: Dialect
    as_of: date
    metrics_as_of: date
    zone: Expr

    @property
    def c(self) -> NamedFromClause[Any]:
        """The customers row (alias `c`)."""

    fresh: bool

    @property
    def m(self) -> NamedFromClause[Any]:
        """The customer_scores row (alias `m`)."""

    def window(self, column: Expr, days: int | None) -> Bool: ...

    def local_days(self, column: Expr, first: date | None, last: date) -> Bool: ...

    def loose_days(self, column: Expr, first: date | None, last: date) -> Bool: ...

    def number(self, value: Any) -> Any: ...

    def shared(self, query: Select[Any]) -> FromClause: ...


Key = Callable[[str], Expr]


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def orders(cx: Compiler, node: s.OrdersWindow) -> tuple[Bool, Evidence]:
    """Purchases (not cancelled or refunded) in the window, by count and amount."""
    o = ORDERS.alias()
    base = (
        o.c.customer_id == cx.c.c.id,
        o.c.status.not_in(EXCLUDED_STATUSES),
        cx.window(o.c.ordered_at, node.within_days),
    )
    count: Expr = select(func.count()).select_from(o).where(*base).scalar_subquery()
    holds: Bool
    if node.is_existence and cx.fresh:
        holds = _bought_since(cx, node.within_days)
    elif node.is_existence:
        # A plain EXISTS lets PostgreSQL plan a semi-join.
        holds = exists().where(*base)
    else:
        total = select(func.coalesce(func.sum(o.c.total), 0)).where(*base).scalar_subquery()
        amount = cx.dialect.money(total)
        parts = [count >= node.min_count]
        if node.max_count is not None:
            parts.append(count <= node.max_count)
        if node.min_amount is not None:
            parts.append(amount >= cx.number(node.min_amount))
        if node.max_amount is not None:
            parts.append(amount <= cx.number(node.max_amount))
        holds = and_(*parts)
    latest = select(o.c.id).where(*base).order_by(o.c.ordered_at.desc(), o.c.id.desc())

    def lookup(key: Key) -> Looked:
        order = ORDERS.alias()
        fields: dict[str, Expr] = {
            "order_id": order.c.external_id,
            "ordered_at": order.c.ordered_at,
            "total": order.c.total,
        }
        return [(order, order.c.id == key("_order"))], fields

    keys: dict[str, Expr] = {
        "_order": latest.limit(1).scalar_subquery(),
        "orders_in_window": count,
    }
    return holds, Evidence("orders", holds, keys, {"within_days": node.within_days}, lookup)


def _bought_since(cx: Compiler, days: int | None) -> Bool:
    """A purchase in the last `days` local days, read off the kept last purchase day (exact
    when the aggregates are fresh: same orders, statuses, zones and local days), on its index
    instead of looking for an order per customer."""
    last_day: Expr = cx.m.c.last_day
    if days is None:
        return last_day.is_not(None)
    first = cx.as_of - timedelta(days=days - 1)
    # Two-valued (no purchase at all is false), so `not` keeps those customers.
    return and_(last_day.is_not(None), last_day >= literal(first, Date()))


def product_repeat(cx: Compiler, node: s.ProductRepeat) -> tuple[Bool, Evidence]:
    """One product bought on `min_purchases` separate local days (or orders) in the window."""
    i, o, p = ORDER_ITEMS.alias(), ORDERS.alias(), PRODUCTS.alias()
    times: Expr
    if node.count_by == "day":
        times = func.count(distinct(cx.dialect.local_day(i.c.ordered_at, cx.zone)))
    else:
        times = func.count(distinct(i.c.order_id))
    conditions = [
        i.c.customer_id == cx.c.c.id,
        cx.window(i.c.ordered_at, node.within_days),
        o.c.status.not_in(EXCLUDED_STATUSES),
    ]
    if node.with_upgrade:
        # A set computed once (a hashed subplan), not a join per line.
        upgradable = select(PRODUCTS.c.id).where(PRODUCTS.c.upgrade_product_id.is_not(None))
        conditions.append(i.c.product_id.in_(upgradable))
    joined = i.join(o, o.c.id == i.c.order_id)
    repeated = select(i.c.product_id).select_from(joined).where(*conditions)
    repeated = repeated.group_by(i.c.product_id).having(times >= node.min_purchases)
    holds: Bool
    if cx.fresh and node.count_by == "day" and 2 <= node.min_purchases <= MAX_DAYS:
        holds = _repeated_lately(cx, node)
    else:
        holds = and_(_repeat_candidates(cx, node), exists(repeated))
    # The product bought most often, then most recently (external id breaks exact ties).
    # Ranked in a derived table: SQLite cannot ORDER BY an aggregate of an outer column.
    ranked = (
        select(
            i.c.product_id.label("product_id"),
            times.label("times"),
            func.max(i.c.ordered_at).label("latest"),
            p.c.external_id.label("external_id"),
        )
        .select_from(joined.join(p, p.c.id == i.c.product_id))
        .where(*conditions)
        .group_by(i.c.product_id, p.c.external_id)
        .having(times >= node.min_purchases)
        .correlate(cx.c)
        .subquery()
    )
    best = (ranked.c.times.desc(), ranked.c.latest.desc(), ranked.c.external_id)

    def lookup(key: Key) -> Looked:
        item, upgrade = PRODUCTS.alias(), PRODUCTS.alias()
        joins: list[tuple[Any, Bool]] = [
            (item, item.c.id == key("_product")),
            (upgrade, upgrade.c.id == item.c.upgrade_product_id),
        ]
        fields: dict[str, Expr] = {
            "product_id": item.c.external_id,
            "product_name": item.c.name,
            "upgrade_product_id": upgrade.c.external_id,
            "upgrade_product_name": upgrade.c.name,
        }
        return joins, fields

    keys: dict[str, Expr] = {
        "_product": select(ranked.c.product_id).order_by(*best).limit(1).scalar_subquery(),
        "purchases": select(ranked.c.times).order_by(*best).limit(1).scalar_subquery(),
    }
    fixed = {"within_days": node.within_days, "count_by": node.count_by}
    return holds, Evidence("product_repeat", holds, keys, fixed, lookup)


def _repeated_lately(cx: Compiler, node: s.ProductRepeat) -> Bool:
    """With fresh aggregates: some product's `min_purchases`-th most recent purchase day
    (kept by the refresh, metrics/repeats.py) falls within the window."""
    kept = PRODUCT_REPEATS.alias()
    day: Expr = kept.c[f"day{node.min_purchases}"]
    query = select(kept.c.customer_id)
    if node.within_days is None:
        query = query.where(day.is_not(None))
    else:
        first = cx.as_of - timedelta(days=node.within_days - 1)
        query = query.where(day >= literal(first, Date()))
    if node.with_upgrade:
        upgradable = select(PRODUCTS.c.id).where(PRODUCTS.c.upgrade_product_id.is_not(None))
        query = query.where(kept.c.product_id.in_(upgradable))
    customer_id: Expr = cx.c.c.id
    return customer_id.in_(select(cx.shared(query)))


def _repeat_candidates(cx: Compiler, node: s.ProductRepeat) -> Bool:
    """Customers who might qualify: a superset computed once, without per-customer work.

    The same product on `min_purchases` orders of any status within the widest bounds of
    the window (separate days need as many orders). It spares the exact, per-customer
    check for everyone else: PostgreSQL hashes this set instead of probing the lines
    of each of a million customers.
    """
    lines, product = ORDER_ITEMS.alias(), PRODUCTS.alias()
    first = None if node.within_days is None else cx.as_of - timedelta(days=node.within_days - 1)
    query = select(lines.c.customer_id).where(cx.loose_days(lines.c.ordered_at, first, cx.as_of))
    if node.with_upgrade:
        query = query.join(product, product.c.id == lines.c.product_id).where(
            product.c.upgrade_product_id.is_not(None)
        )
    query = query.group_by(lines.c.customer_id, lines.c.product_id)
    candidates = cx.shared(query.having(func.count() >= node.min_purchases))
    customer_id: Expr = cx.c.c.id
    return customer_id.in_(select(candidates.c.customer_id))


def returned(cx: Compiler, node: s.Returned) -> tuple[Bool, Evidence]:
    """A returned line by reason and window, optionally of a product relaunched after it."""
    r, p = RETURNS.alias(), PRODUCTS.alias()
    conditions = [r.c.customer_id == cx.c.c.id, cx.window(r.c.returned_at, node.within_days)]
    if node.reasons is not None:
        conditions.append(r.c.reason_code.in_(node.reasons))
    if node.relaunched_after:
        conditions += [
            p.c.id == r.c.product_id,
            p.c.relaunched_at > r.c.returned_at,
            # Relaunched by the end of as_of: a relaunch still to come is not news yet.
            cx.window(p.c.relaunched_at, node.relaunched_within_days),
        ]
    holds: Bool = exists().where(*conditions)
    if cx.dialect.name == "sqlite":
        # SQLite runs a correlated EXISTS once per customer; a set of possible customers
        # computed once (an ephemeral index) spares the probe for everyone else.
        holds = and_(_return_candidates(cx, node), holds)
    latest = select(r.c.id).where(*conditions).order_by(r.c.returned_at.desc(), r.c.id.desc())

    def lookup(key: Key) -> Looked:
        ret, item, order = RETURNS.alias(), PRODUCTS.alias(), ORDERS.alias()
        joins: list[tuple[Any, Bool]] = [
            (ret, ret.c.id == key("_return")),
            (item, item.c.id == ret.c.product_id),
            (order, order.c.id == ret.c.order_id),
        ]
        fields: dict[str, Expr] = {
            "order_id": order.c.external_id,
            "product_id": item.c.external_id,
            "product_name": item.c.name,
            "reason_code": ret.c.reason_code,
            "returned_at": ret.c.returned_at,
            "relaunched_at": item.c.relaunched_at,
            "improvement_note": item.c.improvement_note,
        }
        return joins, fields

    keys: dict[str, Expr] = {"_return": latest.limit(1).scalar_subquery()}
    return holds, Evidence("returned", holds, keys, lookup=lookup)


def _return_candidates(cx: Compiler, node: s.Returned) -> Bool:
    """Customers who might qualify for `returned`: the windows' bounds for any zone."""
    r, p = RETURNS.alias(), PRODUCTS.alias()
    first = None if node.within_days is None else cx.as_of - timedelta(days=node.within_days - 1)
    query = select(r.c.customer_id).where(cx.loose_days(r.c.returned_at, first, cx.as_of))
    if node.reasons is not None:
        query = query.where(r.c.reason_code.in_(node.reasons))
    if node.relaunched_after:
        days = node.relaunched_within_days
        launched = None if days is None else cx.as_of - timedelta(days=days - 1)
        query = query.join(p, p.c.id == r.c.product_id).where(
            p.c.relaunched_at > r.c.returned_at,
            cx.loose_days(p.c.relaunched_at, launched, cx.as_of),
        )
    candidates = cx.shared(query)
    customer_id: Expr = cx.c.c.id
    return customer_id.in_(select(candidates.c.customer_id))


def event(cx: Compiler, node: s.EventWindow) -> tuple[Bool, Evidence]:
    """At least `min_count` events of the kinds in the window."""
    e = EVENTS.alias()
    base = (
        e.c.customer_id == cx.c.c.id,
        e.c.kind.in_(node.kinds),
        cx.window(e.c.occurred_at, node.within_days),
    )
    count: Expr = select(func.count()).select_from(e).where(*base).scalar_subquery()
    holds: Bool = exists().where(*base) if node.min_count == 1 else count >= node.min_count
    latest = select(e.c.id).where(*base).order_by(e.c.occurred_at.desc(), e.c.id.desc())

    def lookup(key: Key) -> Looked:
        ev, item = EVENTS.alias(), PRODUCTS.alias()
        joins: list[tuple[Any, Bool]] = [
            (ev, ev.c.id == key("_event")),
            (item, item.c.id == ev.c.product_id),
        ]
        fields: dict[str, Expr] = {
            "event_kind": ev.c.kind,
            "occurred_at": ev.c.occurred_at,
            "product_id": item.c.external_id,
            "product_name": item.c.name,
        }
        return joins, fields

    keys: dict[str, Expr] = {
        "_event": latest.limit(1).scalar_subquery(),
        "events_in_window": count,
    }
    return holds, Evidence("event", holds, keys, lookup=lookup)


def milestone(cx: Compiler, node: s.Milestone) -> tuple[Bool, Evidence]:
    """True as of as_of and not yet true `within_days` days earlier, so it is news once.

    Lifetime spend and orders now are the metrics' (as of their refresh day R). Then (at
    the end of local day T = as_of - within_days) they were the metrics' value minus what
    the purchases of local days T+1 .. R added: a short range scan per candidate instead
    of summing each customer's whole history.
    """
    then = cx.as_of - timedelta(days=node.within_days)
    keys: dict[str, Expr] = {}
    threshold: Any
    holds: Bool
    if node.tenure_years is not None:
        threshold = node.tenure_years
        since: Expr = func.coalesce(cx.c.c.customer_since, cx.m.c.first_order_at)
        # The N-th anniversary fell on local days then+1 .. as_of.
        first = years_before(then, threshold) + timedelta(days=1)
        last = years_before(cx.as_of, threshold)
        if cx.fresh:  # that local day, kept by the refresh, on its index
            local: Expr = cx.m.c.since_local
            holds = and_(
                local.is_not(None), local.between(literal(first, Date()), literal(last, Date()))
            )
        else:
            holds = and_(since.is_not(None), cx.local_days(since, first, last))
        keys["customer_since"] = since
    elif node.orders is not None:
        threshold = node.orders
        o = ORDERS.alias()
        added = select(func.count()).select_from(o).where(*_since_then(cx, o, then))
        now = cx.m.c.orders_count
        holds = and_(now >= threshold, *_bought_after(cx, then))
        holds = and_(holds, now - added.scalar_subquery() < threshold)
        keys["value"] = now
    else:
        threshold = node.lifetime_spend
        bound = cx.number(threshold)
        spend = cx.dialect.money(cx.m.c.lifetime_spend)
        # Spend now >= threshold > 0, so the metrics' clamping at zero never applies here.
        before = cx.dialect.money(cx.m.c.lifetime_spend - _net_since_then(cx, then))
        holds = and_(spend.is_not(None), spend >= bound, *_bought_after(cx, then), before < bound)
        keys["value"] = cx.m.c.lifetime_spend
    fixed = {"milestone": node.which, "threshold": threshold, "within_days": node.within_days}
    return holds, Evidence("milestone", holds, keys, fixed)


def _bought_after(cx: Compiler, then: date) -> tuple[Bool, ...]:
    """With fresh aggregates, a cheap necessary condition for a spend or order milestone:
    a purchase after `then` (without one, nothing was added since, so nothing was crossed).
    It spares the per-customer count of recent orders for everyone else."""
    if not cx.fresh:
        return ()
    last_day: Expr = cx.m.c.last_day
    return (last_day.is_not(None), last_day > literal(then, Date()))


def _since_then(cx: Compiler, o: Any, then: date) -> tuple[Bool, ...]:
    """Purchases of `o` on the customer's local days after `then`, up to the metrics' day."""
    return (
        o.c.customer_id == cx.c.c.id,
        o.c.status.not_in(EXCLUDED_STATUSES),
        cx.local_days(o.c.ordered_at, then + timedelta(days=1), cx.metrics_as_of),
    )


def _net_since_then(cx: Compiler, then: date) -> Expr:
    """What purchases after `then` added to lifetime spend, net of their returned lines.

    The metrics refresh's rule: an order counts its total minus the value of its returned
    lines (whenever they came back).
    """
    o, i, r = ORDERS.alias(), ORDER_ITEMS.alias(), RETURNS.alias()
    line_returned = exists().where(r.c.order_id == i.c.order_id, r.c.product_id == i.c.product_id)
    returned_value = (
        select(func.sum(i.c.quantity * i.c.unit_price))
        .where(i.c.order_id == o.c.id, line_returned)
        .scalar_subquery()
    )
    net = func.coalesce(func.sum(o.c.total - func.coalesce(returned_value, 0)), 0)
    return select(net).where(*_since_then(cx, o, then)).scalar_subquery()
