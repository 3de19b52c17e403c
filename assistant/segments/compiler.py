"""Compile a condition tree into one SQL boolean over a customer row (SQLAlchemy Core).

The row is `customers c LEFT JOIN customer_scores m LEFT JOIN customer_clv v`: the tables the
`customer_metrics` view reads, with its as-of-dependent columns (recency, tenure, BTYD T)
derived here from the metrics' day, so indexes on the stored values serve the conditions.
Every leaf compiles to a two-valued
expression (never NULL: a missing value makes a comparison false), so `not` is plain NOT.
Activity leaves (orders, product repeats, returns, events, milestones) live in
`activity.py`. Each positive leaf also records `Evidence`: the row that qualified the
customer, read back for members only (see `query.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Float,
    FromClause,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    outerjoin,
    select,
)

from assistant.models.base import UTCDateTime
from assistant.segments import activity
from assistant.segments import schemas as s
from assistant.segments.dialect import Dialect
from assistant.segments.sql import CLV, CUSTOMERS, SCORES, Bool, Evidence, Expr, compare

_DAY = timedelta(days=1)


def _earliest(day: date) -> Expr:
    """No zone's local `day` starts before this instant (UTC+14)."""
    return literal(datetime.combine(day, time(), UTC) - timedelta(hours=14), UTCDateTime())


def _latest(day: date) -> Expr:
    """Every zone's local `day` has started by this instant (UTC-12)."""
    return literal(datetime.combine(day, time(), UTC) + timedelta(hours=12), UTCDateTime())


class Compiler:
    """Compiles conditions for one database, as of one local day."""

    def __init__(
        self,
        dialect: Dialect,
        as_of: date,
        brand_zone: str,
        metrics_as_of: date | None = None,
        *,
        fresh: bool = False,
    ) -> None:
        self.dialect = dialect
        self.as_of = as_of
        # The day customer_metrics describe (their refresh); milestones count back from it.
        self.metrics_as_of = metrics_as_of or as_of
        # The kept purchase aggregates are exact for as_of: refreshed for that very day, in
        # this brand zone, and no import changed anyone since. Then conditions may read them
        # instead of the orders (see activity.py).
        self.fresh = fresh and self.metrics_as_of == as_of
        self.c = CUSTOMERS.alias("c")
        self.m = SCORES.alias("m")
        self.v = CLV.alias("v")
        self.zone: Expr = func.coalesce(self.c.c.timezone, literal(brand_zone))
        self.evidence: list[Evidence] = []
        self._shared = 0

    def source(self) -> FromClause:
        """The customer row every condition reads: customers LEFT JOIN customer_metrics."""
        joined = outerjoin(self.c, self.m, self.m.c.customer_id == self.c.c.id)
        return joined.outerjoin(self.v, self.v.c.customer_id == self.c.c.id)

    def metric(self, name: str, scores: Any = None, clv: Any = None) -> Expr:
        """The value of the `customer_metrics` column `name` for the row (or for the given
        aliases of the kept tables)."""
        m, v = scores if scores is not None else self.m, clv if clv is not None else self.v
        if name == "clv_12m":
            value: Expr = v.c.clv_12m
        elif name == "recency_days":
            value = self.dialect.days_since(self.metrics_as_of, m.c.last_day)
        elif name == "tenure_days":
            days = self.dialect.days_since(self.metrics_as_of, m.c.since_day)
            value = case((days < 0, literal(0)), else_=days)
        elif name == "btyd_T":
            days = self.dialect.days_since(self.metrics_as_of, m.c.first_day)
            value = cast(func.coalesce(days, 0), Float())
        else:
            value = m.c[name]
        return value

    def compile(self, node: s.Condition, positive: bool = True) -> Bool:
        """The SQL for `node`; leaves under an odd number of `not`s record no evidence."""
        if isinstance(node, s.AllCondition):
            return and_(*(self.compile(child, positive) for child in node.all))
        if isinstance(node, s.AnyCondition):
            return or_(*(self.compile(child, positive) for child in node.any))
        if isinstance(node, s.NotCondition):
            return not_(self.compile(node.not_, not positive))
        if isinstance(node, s.CustomerCondition):
            return self._customer(node)
        if isinstance(node, s.AttributeCondition):
            return self._attribute(node)
        if isinstance(node, s.MetricCondition):
            holds, evidence = self._metric(node)
        elif isinstance(node, s.OrdersCondition):
            holds, evidence = activity.orders(self, node.orders)
        elif isinstance(node, s.ProductRepeatCondition):
            holds, evidence = activity.product_repeat(self, node.product_repeat)
        elif isinstance(node, s.ReturnedCondition):
            holds, evidence = activity.returned(self, node.returned)
        elif isinstance(node, s.EventCondition):
            holds, evidence = activity.event(self, node.event)
        elif isinstance(node, s.MilestoneCondition):
            holds, evidence = activity.milestone(self, node.milestone)
        else:
            raise TypeError(f"not a condition: {node!r}")
        if positive:
            self.evidence.append(evidence)
        return holds

    def midnight(self, day: date) -> Expr:
        """The instant local `day` begins for the customer of the row."""
        return self.dialect.midnight(day, self.zone)

    def window(self, column: Expr, days: int | None) -> Bool:
        """`column` within the last `days` local days up to the end of as_of (all time: None)."""
        first = None if days is None else self.as_of - timedelta(days=days - 1)
        return self.local_days(column, first, self.as_of)

    def local_days(self, column: Expr, first: date | None, last: date) -> Bool:
        """`column` on local days `first` (None: any) to `last`, both included."""
        before = self.before_day(column, last + _DAY)
        return before if first is None else and_(self.from_day(column, first), before)

    # Each exact bound (the customer's local midnight) comes after a constant bound wide
    # enough for every zone (UTC-12 to UTC+14): it changes nothing, but lets the database
    # filter rows (and skip the zone arithmetic) before looking at the customer.
    def from_day(self, column: Expr, day: date) -> Bool:
        """`column` at or after the start of local `day`."""
        return and_(column >= _earliest(day), column >= self.midnight(day))

    def before_day(self, column: Expr, day: date) -> Bool:
        """`column` before the start of local `day`."""
        return and_(column < _latest(day), column < self.midnight(day))

    @staticmethod
    def loose_days(column: Expr, first: date | None, last: date) -> Bool:
        """`column` within local days `first` to `last` in some zone: the constant bounds."""
        before: Bool = column < _latest(last + _DAY)
        return before if first is None else and_(column >= _earliest(first), before)

    def number(self, value: Any) -> Any:
        """A number to bind: Decimal on PostgreSQL; sqlite3 takes int or float."""
        number = Decimal(str(value))
        if self.dialect.name == "sqlite":
            # Exact enough: the values compared are rounded to the cent.
            return int(number) if number == number.to_integral_value() else float(number)
        return number

    def _on_day(self, column: Expr, op: str, value: Any) -> Bool:
        """Compare a timestamp with a date by the customer's local day, or with an instant."""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
            if value.time() == datetime.min.time() and value.tzinfo is None:
                value = value.date()
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            return compare(column, op, literal(aware, UTCDateTime()))
        day, after = value, value + _DAY
        by_op: dict[str, Callable[[], Bool]] = {
            "eq": lambda: self.local_days(column, day, day),
            "ne": lambda: or_(self.before_day(column, day), self.from_day(column, after)),
            "gt": lambda: self.from_day(column, after),
            "gte": lambda: self.from_day(column, day),
            "lt": lambda: self.before_day(column, day),
            "lte": lambda: self.before_day(column, after),
        }
        return by_op[op]()

    def _comparison(self, column: Expr, ops: dict[str, Any], kind: str) -> Bool:
        parts: list[Bool] = []
        for op, operand in ops.items():
            if op == "is_null":
                parts.append(column.is_(None) if operand else column.is_not(None))
                continue
            parts.append(column.is_not(None))
            if kind != "time":
                parts.append(compare(column, op, self._bindable(operand, kind)))
            elif op == "between":
                low, high = operand
                parts += [self._on_day(column, "gte", low), self._on_day(column, "lte", high)]
            elif op in ("in", "not_in"):
                hit = or_(*(self._on_day(column, "eq", v) for v in operand))
                parts.append(hit if op == "in" else not_(hit))
            else:
                parts.append(self._on_day(column, op, operand))
        return and_(*parts)

    def _bindable(self, value: Any, kind: str) -> Any:
        if isinstance(value, list | tuple):
            return [self._bindable(v, kind) for v in value]
        return self.number(value) if kind == "number" else value

    def _metric(self, node: s.MetricCondition) -> tuple[Bool, Evidence]:
        # Money metrics are stored rounded to the cent (SQLite's floats included), so they
        # compare as they are, and the tier cuts below can walk their indexes.
        raw = column = self.metric(node.metric)
        kind = "text"
        if node.metric in s.NUMERIC_METRICS:
            kind = "number"
        elif node.metric in s.TIME_METRICS:
            kind = "time"
        ops = node.operators()
        parts = [self._comparison(column, ops, kind)] if ops else []
        for percent, top in ((node.top_percent, True), (node.bottom_percent, False)):
            if percent is not None:
                cut = self._tier_threshold(node.metric, percent, top)
                beyond = column >= cut if top else column <= cut
                # No threshold (nobody has a value) is false; one reference, one InitPlan.
                parts.append(func.coalesce(beyond, false()))
        holds = and_(*parts)
        return holds, Evidence("metrics", holds, keys={node.metric: raw})

    def _tier_threshold(self, metric: str, percent: Decimal, top: bool) -> Expr:
        """The value at the top (or bottom) `percent` boundary, ties included.

        With N customers having a value and K = ceil(N * percent / 100), a customer is in
        the tier when fewer than K others have a strictly better value, i.e. when their
        value reaches the K-th best. Integer arithmetic, identical on both databases; the
        ORDER BY ... OFFSET can walk an index (customer_clv.clv_12m has one).
        """
        table = CLV if metric == "clv_12m" else SCORES
        counted, ranked = table.alias(), table.alias()
        raw = value = self.metric(metric, ranked, ranked)
        n = select(func.count(self.metric(metric, counted, counted))).scalar_subquery()
        # K - 1 = floor((N * P - 1) / 10000) for P in hundredths of a percent; it is 0 when
        # N = 0 (integer division truncates on both databases, and OFFSET -1 is an error).
        offset = (n * int(percent * 100) - 1) // 10_000
        query = select(value).where(raw.is_not(None))
        query = query.order_by(value.desc() if top else value.asc()).limit(1)
        tier = self.shared(select(query.offset(offset).scalar_subquery().label("cut")))
        return select(tier.c.cut).scalar_subquery()

    def shared(self, query: Select[Any]) -> FromClause:
        """`query` as a CTE: computed once per statement, however often the condition
        using it appears there (the members query evaluates conditions in two stages)."""
        self._shared += 1
        return query.cte(f"shared_{self._shared}")

    def _customer(self, node: s.CustomerCondition) -> Bool:
        column: Expr = self.c.c[node.customer]
        return self._comparison(column, node.operators(), s.CUSTOMER_FIELDS[node.customer])

    def _attribute(self, node: s.AttributeCondition) -> Bool:
        value: Expr = self.c.c.attributes[node.attribute].as_string()
        parts: list[Bool] = []
        if node.exists is not None:
            parts.append(value.is_not(None) if node.exists else value.is_(None))
        for op, operand in (("eq", node.eq), ("ne", node.ne), ("in", node.in_)):
            if operand is not None:
                parts += [value.is_not(None), compare(value, op, _text(operand))]
        return and_(*parts)


def _text(value: Any) -> Any:
    """Attribute values are text (CSV cells): compare the text of numbers and booleans."""
    if isinstance(value, list):
        return [_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
