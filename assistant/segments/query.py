"""The statements for one resolved segment: its count, and its members with qualifiers.

Members are read in three nested stages of one SELECT so that the qualifier work is done
for the members on the page only: `page` (ids satisfying the condition, ordered, limited),
`mid` (per member: which leaves hold and their key rows, as scalar subqueries) and the
outer select (LEFT JOINs from those keys to the products, returns and orders to cite).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import FromClause, Select, case, func, literal, select
from sqlalchemy.sql.util import find_tables

from assistant.segments import schemas as s
from assistant.segments.compiler import Compiler
from assistant.segments.dialect import Dialect
from assistant.segments.sql import Evidence, Expr
from assistant.values import plain

# Metrics shown beside each member (CSV, API).
KEY_METRICS = (
    "orders_count",
    "lifetime_spend",
    "aov",
    "last_order_at",
    "recency_days",
    "rfm_label",
    "clv_12m",
)


@dataclass(frozen=True)
class Compiled:
    """A segment condition compiled for one database and as-of day."""

    compiler: Compiler
    where: Expr

    def count(self) -> Select[int]:
        """SELECT count(*) of the members (joining the kept metrics only when the condition
        reads them: SQLite would look each customer's rows up regardless)."""
        cx = self.compiler
        read = set(find_tables(self.where, check_columns=True, include_aliases=True))
        source = cx.source() if read & {cx.m, cx.v} else cx.c
        return select(func.count()).select_from(source).where(self.where)

    def _row(self, stage: FromClause) -> FromClause:
        """The customer rows of the customers an inner stage selected (its `customer_pk`)."""
        cx = self.compiler
        joined = stage.join(cx.c, cx.c.c.id == stage.c.customer_pk)
        joined = joined.outerjoin(cx.m, cx.m.c.customer_id == cx.c.c.id)
        return joined.outerjoin(cx.v, cx.v.c.customer_id == cx.c.c.id)

    def members(
        self, limit: int | None = None, offset: int = 0, after: str | None = None
    ) -> Select[Any]:
        """The members in external-id order (those after `after` when given), with their key
        metrics and qualifier columns."""
        cx = self.compiler
        page_query = select(cx.c.c.id.label("customer_pk")).select_from(cx.source())
        # external_id is unique: a stable order that can walk its index.
        page_query = page_query.where(self.where).order_by(cx.c.c.external_id)
        if after is not None:
            page_query = page_query.where(cx.c.c.external_id > after)
        if limit is not None:
            page_query = page_query.limit(limit)
        if offset:
            page_query = page_query.offset(offset)
        page = page_query.subquery("page")
        # Which positive conditions hold, each evaluated once per member ...
        held = [
            case((evidence.holds, literal(1)), else_=literal(0)).label(f"q{index}")
            for index, evidence in enumerate(cx.evidence)
        ]
        flags = select(page.c.customer_pk, *held).select_from(self._row(page)).subquery("flags")
        # ... then the key rows of those that hold only.
        columns: list[Expr] = [
            cx.c.c.id.label("customer_pk"),
            cx.c.c.external_id.label("customer_id"),
            cx.c.c.first_name.label("first_name"),
            *(cx.metric(name).label(name) for name in KEY_METRICS),
        ]
        for index, evidence in enumerate(cx.evidence):
            flag = flags.c[f"q{index}"]
            columns.append(flag)
            columns += [
                case((flag == 1, expr)).label(f"q{index}k_{name}")
                for name, expr in evidence.keys.items()
            ]
        mid = select(*columns).select_from(self._row(flags)).subquery("mid")
        outer_columns: list[Expr] = list(mid.c)
        joined: FromClause = mid
        for index, evidence in enumerate(cx.evidence):
            if evidence.lookup is None:
                continue
            joins, fields = evidence.lookup(_namer(mid, index))
            for target, onclause in joins:
                joined = joined.outerjoin(target, onclause)
            outer_columns += [expr.label(f"q{index}f_{name}") for name, expr in fields.items()]
        return select(*outer_columns).select_from(joined).order_by(mid.c.customer_id)


def _namer(mid: Any, index: int) -> Callable[[str], Expr]:
    """Names evidence `index`'s key columns in the middle stage."""

    def column(name: str) -> Expr:
        found: Expr = mid.c[f"q{index}k_{name}"]
        return found

    return column


def compile_segment(
    where: s.Condition,
    dialect_name: str,
    as_of: date,
    brand_zone: str,
    metrics_as_of: date | None = None,
    *,
    fresh: bool = False,
) -> Compiled:
    """Compile a resolved condition tree for a database, as of the end of local day `as_of`.

    `metrics_as_of` is the day of the metrics refresh (default: `as_of`); `fresh` says
    nothing changed since it (see `Compiler`).
    """
    compiler = Compiler(Dialect(dialect_name), as_of, brand_zone, metrics_as_of, fresh=fresh)
    return Compiled(compiler, compiler.compile(where))


def qualifier(row: Mapping[Any, Any], evidence: list[Evidence]) -> dict[str, Any]:
    """The evidence of every positive leaf that holds for the member, by kind.

    When two leaves of one kind hold (say two milestones in an `any`), the first in the
    definition is cited; metric leaves share one `metrics` object of their values.
    """
    result: dict[str, Any] = {}
    for index, item in enumerate(evidence):
        if not row[f"q{index}"]:
            continue
        fields = {name: plain(row[f"q{index}k_{name}"]) for name in item.keys if name[0] != "_"}
        if item.lookup is not None:
            prefix = f"q{index}f_"
            fields.update(
                {k[len(prefix) :]: plain(v) for k, v in row.items() if k.startswith(prefix)}
            )
        fields.update({k: plain(v) for k, v in item.fixed.items() if v is not None})
        if item.kind == "metrics":
            result.setdefault("metrics", {}).update(fields)
        else:
            result.setdefault(item.kind, fields)
    return result
