"""RFM scores from stored boundaries, so a refresh rewrites only the customers that change.

A score is `1 + floor(5 * (rank - 1) / N)` over the N buyers (docs/metrics.md), where
`rank - 1` counts the buyers with a strictly worse value. So a score is at least `k + 1`
exactly when the value beats the one at position `ceil(k * N / 5)` of the ascending order:
four boundaries per score decide it. Recency ranks by the last purchase day (a later day is
a better recency), which does not move when the as-of day does.

After the purchase aggregates of some customers change, the boundaries are read again (an
index walk each); a customer whose data did not change gets a new score only if their value
lies between an old and a new boundary, so only those rows are looked at and rewritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

# Score name -> the customer_order_stats / customer_scores column it ranks (ascending).
RANKED = {"r": "last_day", "f": "orders_count", "m": "lifetime_spend"}

LABEL_SQL = """CASE
    WHEN {orders} = 1 AND {r} >= 4 THEN 'new'
    WHEN {r} >= 4 AND {f} >= 4 AND {m} >= 4 THEN 'champions'
    WHEN {r} >= 3 AND {f} >= 4 THEN 'loyal'
    WHEN {r} >= 4 AND {f} >= 2 THEN 'potential_loyalist'
    WHEN {r} <= 2 AND {f} >= 4 AND {m} >= 4 THEN 'cant_lose'
    WHEN {r} <= 2 AND {f} >= 3 THEN 'at_risk'
    WHEN {r} >= 2 THEN 'hibernating'
    ELSE 'lost'
END"""


@dataclass(frozen=True)
class Cuts:
    """The four boundaries of each score, and how many buyers are strictly below each
    (empty when nobody has bought)."""

    buyers: int = 0
    r: tuple[Any, ...] = ()
    f: tuple[Any, ...] = ()
    m: tuple[Any, ...] = ()
    below: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def of(self, score: str) -> tuple[Any, ...]:
        values: tuple[Any, ...] = getattr(self, score)
        return values

    def to_json(self) -> str:
        document: dict[str, Any] = {k: [str(v) for v in self.of(k)] for k in RANKED}
        return json.dumps({**document, "buyers": self.buyers, "below": self.below})

    @classmethod
    def from_json(cls, document: str | None, dialect: str) -> Cuts | None:
        data = json.loads(document) if document else {}
        if "below" not in data:  # none kept, or kept by an older version
            return None
        values = {k: tuple(_decode(k, v, dialect) for v in data[k]) for k in RANKED}
        below = {k: tuple(v) for k, v in data["below"].items()}
        return cls(buyers=int(data["buyers"]), below=below, **values)


def _decode(score: str, value: str, dialect: str) -> Any:
    """A stored boundary as the driver binds and compares it, per database."""
    if score == "f":
        return int(value)
    if dialect == "postgresql":
        return date.fromisoformat(value) if score == "r" else Decimal(value)
    return value if score == "r" else float(value)


def _positions(buyers: int) -> list[int]:
    """The 0-based positions of the four boundaries: ceil(k * N / 5) - 1."""
    return [(k * buyers + 4) // 5 - 1 for k in range(1, 5)]


def _scalar(connection: Connection, sql: str, params: dict[str, Any]) -> Any:
    return connection.execute(text(sql), params).scalar_one()


def read_cuts(connection: Connection) -> Cuts:
    """The boundaries of the buyers now in customer_order_stats, from scratch (index walks)."""
    buyers = int(_scalar(connection, "SELECT count(*) FROM customer_order_stats", {}))
    if buyers == 0:
        return Cuts()
    values: dict[str, tuple[Any, ...]] = {}
    below: dict[str, tuple[int, ...]] = {}
    for score, column in RANKED.items():
        picks = ", ".join(
            f"(SELECT {column} FROM customer_order_stats ORDER BY {column} "
            f"LIMIT 1 OFFSET {position})"
            for position in _positions(buyers)
        )
        values[score] = tuple(connection.execute(text(f"SELECT {picks}")).one())
        counts = ", ".join(
            f"(SELECT count(*) FROM customer_order_stats WHERE {column} < :v{i})" for i in range(4)
        )
        params = {f"v{i}": value for i, value in enumerate(values[score])}
        below[score] = tuple(
            int(v) for v in connection.execute(text(f"SELECT {counts}"), params).one()
        )
    return Cuts(buyers=buyers, below=below, **values)


def move_cuts(connection: Connection, old: Cuts) -> Cuts:
    """The boundaries after the customers in `metrics_affected` changed, walking from the
    old ones: what it reads grows with the change, not with the store.

    Needs the affected customers' old values still in customer_scores and their new ones
    already in customer_order_stats.
    """
    if old.buyers == 0:
        return read_cuts(connection)
    gone = int(_scalar(connection, _AFFECTED_BUYERS.format(table="customer_scores"), {}))
    come = int(_scalar(connection, _AFFECTED_BUYERS.format(table="customer_order_stats"), {}))
    buyers = old.buyers - gone + come
    if buyers == 0:
        return Cuts()
    shifts = _shifts(connection, old)
    values: dict[str, tuple[Any, ...]] = {}
    below: dict[str, tuple[int, ...]] = {}
    for score, column in RANKED.items():
        moved = [
            _move_one(connection, column, cut, count, position, shift)
            for cut, count, position, shift in zip(
                old.of(score), old.below[score], _positions(buyers), shifts[score], strict=True
            )
        ]
        values[score] = tuple(value for value, _ in moved)
        below[score] = tuple(count for _, count in moved)
    return Cuts(buyers=buyers, below=below, **values)


_AFFECTED_BUYERS = (
    "SELECT count(*) FROM {table} t JOIN metrics_affected a ON a.customer_id = t.customer_id "
    "WHERE t.last_day IS NOT NULL"
)


def _shifts(connection: Connection, old: Cuts) -> dict[str, list[int]]:
    """Per score and boundary, how the count of buyers strictly below the old boundary
    changed: the affected customers' new values below it minus their old ones (one pass
    over them per table)."""
    params: dict[str, Any] = {}
    sums = []
    for score, column in RANKED.items():
        for index, cut in enumerate(old.of(score)):
            params[f"{score}{index}"] = cut
            sums.append(f"SUM(CASE WHEN t.{column} < :{score}{index} THEN 1 ELSE 0 END)")
    query = (
        f"SELECT {', '.join(sums)} FROM {{table}} t "
        "JOIN metrics_affected a ON a.customer_id = t.customer_id WHERE t.last_day IS NOT NULL"
    )
    new = connection.execute(text(query.format(table="customer_order_stats")), params).one()
    gone = connection.execute(text(query.format(table="customer_scores")), params).one()
    counts = [int(n or 0) - int(g or 0) for n, g in zip(new, gone, strict=True)]
    return {score: counts[4 * i : 4 * i + 4] for i, score in enumerate(RANKED)}


def _move_one(
    connection: Connection, column: str, cut: Any, below: int, position: int, shift: int
) -> tuple[Any, int]:
    """The value at 0-based `position` and the count strictly below it, starting from an old
    boundary `cut` that now has `below + shift` values strictly below it."""
    under = below + shift
    stats = "customer_order_stats"
    if under <= position:
        value = _scalar(
            connection,
            f"SELECT {column} FROM {stats} WHERE {column} >= :cut ORDER BY {column} "
            "LIMIT 1 OFFSET :skip",
            {"cut": cut, "skip": position - under},
        )
        between = f"{column} >= :cut AND {column} < :value"
        sign = 1
    else:
        value = _scalar(
            connection,
            f"SELECT {column} FROM {stats} WHERE {column} < :cut ORDER BY {column} DESC "
            "LIMIT 1 OFFSET :skip",
            {"cut": cut, "skip": under - 1 - position},
        )
        between = f"{column} >= :value AND {column} < :cut"
        sign = -1
    counted = _scalar(
        connection, f"SELECT count(*) FROM {stats} WHERE {between}", {"cut": cut, "value": value}
    )
    return value, under + sign * int(counted)


def score_sql(score: str, cuts: Cuts, column: str, params: dict[str, Any]) -> str:
    """`1 + (value > b1) + ... + (value > b4)` over `column`, binding the boundaries."""
    terms = []
    for index, value in enumerate(cuts.of(score), start=1):
        name = f"cut_{score}{index}"
        params[name] = value
        terms.append(f"CASE WHEN {column} > :{name} THEN 1 ELSE 0 END")
    return "(1 + " + " + ".join(terms) + ")" if terms else "CAST(NULL AS INTEGER)"


def label_sql(orders: str, r: str, f: str, m: str) -> str:
    """The RFM label of a row from its order count and three scores."""
    return LABEL_SQL.format(orders=orders, r=r, f=f, m=m)


def rescore_crossers(connection: Connection, old: Cuts, new: Cuts) -> int:
    """Give new scores (and labels) to the rows whose value lies between an old and a new
    boundary; returns how many rows changed. Rows of recomputed customers are rewritten
    anyway and may be touched here harmlessly."""
    changed = 0
    for score, column in RANKED.items():
        before, after = old.of(score), new.of(score)
        if before == after or not before or not after:
            continue
        params: dict[str, Any] = {}
        ranges = []
        for index, (a, b) in enumerate(zip(before, after, strict=True), start=1):
            if a != b:
                params[f"lo{index}"], params[f"hi{index}"] = min(a, b), max(a, b)
                ranges.append(f"s.{column} BETWEEN :lo{index} AND :hi{index}")
        fresh = score_sql(score, new, f"s.{column}", params)
        scores = {name: f"s.{name}_score" for name in RANKED}
        scores[score] = fresh
        label = label_sql("s.orders_count", scores["r"], scores["f"], scores["m"])
        result = connection.execute(
            text(
                f"UPDATE customer_scores AS s SET {score}_score = {fresh}, rfm_label = {label} "
                f"WHERE ({' OR '.join(ranges)}) AND s.{score}_score <> {fresh}"
            ),
            params,
        )
        changed += max(result.rowcount, 0)
    return changed
