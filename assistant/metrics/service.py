"""Refresh per-customer metrics with set-based SQL (definitions: docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import numpy as np
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    text,
)
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.metrics import clv
from assistant.metrics.queries import STATS_COLUMNS, dialect_sql, metrics_select, stats_select
from assistant.metrics.zones import zone_days
from assistant.models.base import UTCDateTime, utcnow

RefreshMode = Literal["auto", "full"]

# Above this share of customers to recompute, a full refresh is cheaper than a scoped one.
INCREMENTAL_MAX_SHARE = 0.25

_AFFECTED = Table(
    "metrics_affected",
    MetaData(),
    Column("customer_id", BigInteger, primary_key=True),
    prefixes=["TEMPORARY"],
)

_ZONES = Table(
    "metrics_zone_days",
    MetaData(),
    Column("zone", String(64), primary_key=True),
    Column("utc_day", Date, primary_key=True),
    Column("offset_seconds", Integer),
    Column("change_at", UTCDateTime()),
    Column("offset_after", Integer),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh computed."""

    as_of: date
    customers: int
    with_orders: int
    seconds: float
    clv_notes: tuple[str, ...] = ()
    incremental: bool = False
    recomputed: int = 0  # customers whose purchase aggregates were recomputed
    why_full: str = ""  # why an incremental refresh was not possible


_CLV = Table(
    "metrics_clv",
    MetaData(),
    Column("customer_id", BigInteger, primary_key=True),
    Column("clv", Numeric(12, 2)),
    prefixes=["TEMPORARY"],
)


def _predict_clv(connection: Connection, as_of: date) -> tuple[str, ...]:
    """Fit BG/NBD + Gamma-Gamma on the BTYD summary of the kept purchase aggregates and
    leave each buyer's clv_12m in the temporary `metrics_clv` table, which the derive step
    joins (writing the values once, with the other metrics, instead of updating every row).
    """
    settings = get_settings().metrics
    days = dialect_sql(connection)["days_between"]
    rows = connection.execute(
        text(
            "SELECT customer_id, purchase_days - 1, "
            f"{days.format(later='last_day', earlier='first_day')}, "
            f"{days.format(later=':as_of', earlier='first_day')}, btyd_monetary "
            "FROM customer_order_stats ORDER BY customer_id"
        ).bindparams(bindparam("as_of", type_=Date())),
        {"as_of": as_of},
    ).all()
    _CLV.drop(connection, checkfirst=True)
    _CLV.create(connection)
    if not rows:
        return ("no customer with a purchase: no CLV",)
    data = np.array([[float(v) for v in row[1:]] for row in rows], dtype=np.float64)
    frequency, recency, age, monetary = data.T
    model = clv.fit(frequency, recency, age, monetary)
    values = clv.predict_clv(
        model,
        frequency,
        recency,
        age,
        monetary,
        months=settings.clv_months,
        monthly_discount=settings.clv_monthly_discount,
    )
    pairs = ((row[0], round(float(value), 2)) for row, value in zip(rows, values, strict=True))
    _write_clv(connection, pairs)
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE metrics_clv"))
    return model.notes


def _write_clv(connection: Connection, pairs: Iterable[tuple[int, float]]) -> None:
    """Fill `metrics_clv`: PostgreSQL's COPY (executemany would take a minute at 1M rows)."""
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy("COPY metrics_clv (customer_id, clv) FROM STDIN") as copy:
            for pair in pairs:
                copy.write_row(pair)
        return
    connection.execute(_CLV.insert(), [{"customer_id": c, "clv": v} for c, v in pairs])


def _load_zone_days(connection: Connection, as_of: date, brand_zone: str, *, scoped: bool) -> None:
    """The per-day offsets of every zone in use, over the days the orders to aggregate span."""
    zones = {row[0] for row in connection.execute(text("SELECT DISTINCT timezone FROM customers"))}
    zones.discard(None)
    zones.add(brand_zone)
    first_sql = "SELECT min(ordered_at) FROM orders"
    if scoped:
        first_sql += " WHERE customer_id IN (SELECT customer_id FROM metrics_affected)"
    first = connection.execute(text(first_sql)).scalar_one()
    if isinstance(first, str):
        first = datetime.fromisoformat(first)
    # Orders after as-of are not counted, but the table must still cover the as-of days.
    first_day = min(first.date(), as_of) if isinstance(first, datetime) else as_of
    _ZONES.drop(connection, checkfirst=True)
    _ZONES.create(connection)
    rows = [
        {
            "zone": day.zone,
            "utc_day": day.utc_day,
            "offset_seconds": day.offset_seconds,
            "change_at": day.change_at,
            "offset_after": day.offset_after,
        }
        for zone in sorted(zones)
        for day in zone_days(zone, first_day - timedelta(days=1), as_of + timedelta(days=1))
    ]
    connection.execute(_ZONES.insert(), rows)


def _stats_state(connection: Connection) -> tuple[date, str] | None:
    row = connection.execute(text("SELECT stats_as_of, brand_zone FROM metrics_state")).first()
    if row is None:
        return None
    stats_as_of = row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0]))
    return stats_as_of, str(row[1])


def _why_not_incremental(
    connection: Connection, as_of: date, brand_zone: str, mode: RefreshMode
) -> str:
    """Empty when the kept aggregates can be brought up to date; else the reason they can't."""
    if mode == "full":
        return "a full refresh was asked for"
    state = _stats_state(connection)
    if state is None:
        return "no earlier refresh to build on"
    stats_as_of, stats_zone = state
    if stats_zone != brand_zone:
        return f"the brand time zone changed from {stats_zone} to {brand_zone}"
    if as_of < stats_as_of:
        return f"as-of {as_of} is before the last refresh's {stats_as_of}"
    return ""


def _collect_affected(connection: Connection, stats_as_of: date) -> int:
    """Customers to recompute: changed by imports since, or with orders on or after the
    last refresh's as-of day (local days that were still in the future then)."""
    _AFFECTED.drop(connection, checkfirst=True)
    _AFFECTED.create(connection)
    since = datetime.combine(stats_as_of - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    connection.execute(
        text(
            "INSERT INTO metrics_affected (customer_id) "
            "SELECT customer_id FROM metrics_pending_customers "
            "UNION SELECT customer_id FROM orders WHERE ordered_at >= :since"
        ).bindparams(bindparam("since", type_=UTCDateTime())),
        {"since": since},
    )
    return int(connection.execute(text("SELECT count(*) FROM metrics_affected")).scalar_one())


def _write_stats(
    connection: Connection, params: dict[str, Any], brand_zone: str, *, scoped: bool
) -> None:
    """(Re)compute the purchase aggregates, for everyone or for `metrics_affected` only."""
    sql = dialect_sql(connection)
    _load_zone_days(connection, date.fromisoformat(params["as_of"]), brand_zone, scoped=scoped)
    if scoped:
        connection.execute(
            text(
                "DELETE FROM customer_order_stats "
                "WHERE customer_id IN (SELECT customer_id FROM metrics_affected)"
            )
        )
    else:
        connection.execute(text("DELETE FROM customer_order_stats"))
    connection.execute(
        text(
            f"INSERT INTO customer_order_stats ({STATS_COLUMNS}) "
            + stats_select(sql, affected_only=scoped)
        ),
        params,
    )
    _ZONES.drop(connection)
    _AFFECTED.drop(connection, checkfirst=True)
    if connection.dialect.name == "postgresql":
        # Fresh statistics: the derive step plans its joins and sorts from them.
        connection.execute(text("ANALYZE customer_order_stats"))
    connection.execute(text("DELETE FROM metrics_pending_customers"))
    connection.execute(text("DELETE FROM metrics_state"))
    connection.execute(
        text(
            "INSERT INTO metrics_state (id, stats_as_of, brand_zone, refreshed_at) "
            "VALUES (1, :as_of, :brand_zone, :now)"
        ).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("as_of", type_=Date())),
        {
            "as_of": date.fromisoformat(params["as_of"]),
            "brand_zone": brand_zone,
            "now": params["now"],
        },
    )


def _tune_for_refresh(connection: Connection) -> None:
    """PostgreSQL: sort and hash 1M-row sets in memory; skip JIT (compiling costs more than it
    saves here). Both only for this transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL work_mem = '256MB'"))
        connection.execute(text("SET LOCAL jit = off"))


def refresh(
    session: Session,
    as_of: date | None = None,
    *,
    mode: RefreshMode = "auto",
    incremental_max_share: float = INCREMENTAL_MAX_SHARE,
) -> RefreshReport:
    """Recompute every customer's metrics as of the end of `as_of` (default: today, UTC).

    `auto` brings the kept purchase aggregates up to date for the customers whose data
    changed since the last refresh (see `_collect_affected`), falling back to a full
    recomputation when that is impossible or not cheaper; `full` always recomputes them all.
    The as-of-dependent metrics (recency, scores, labels, CLV) are always derived anew.
    More changed customers than `incremental_max_share` of those kept makes it full.
    """
    started = utcnow()
    as_of = as_of or started.date()
    connection = session.connection()
    _tune_for_refresh(connection)
    brand_zone = get_settings().app.brand_timezone
    params: dict[str, Any] = {"as_of": as_of.isoformat(), "now": started, "brand_zone": brand_zone}
    why_full = _why_not_incremental(connection, as_of, brand_zone, mode)
    recomputed = 0
    if not why_full:
        state = _stats_state(connection)
        assert state is not None
        recomputed = _collect_affected(connection, state[0])
        kept = connection.execute(text("SELECT count(*) FROM customer_order_stats")).scalar_one()
        if recomputed > incremental_max_share * max(int(kept), 1):
            why_full = f"{recomputed:,} of {int(kept):,} customers changed"
    if why_full:
        _write_stats(connection, params, brand_zone, scoped=False)
    else:
        _write_stats(connection, params, brand_zone, scoped=True)
    notes = _predict_clv(connection, as_of)
    connection.execute(text("DELETE FROM customer_metrics"))
    connection.execute(
        text(
            """
    INSERT INTO customer_metrics (
        customer_id, as_of, orders_count, lifetime_spend, aov, first_order_at, last_order_at,
        recency_days, tenure_days, r_score, f_score, m_score, rfm_label,
        btyd_frequency, btyd_recency, "btyd_T", btyd_monetary, clv_12m, refreshed_at)
    """
            + metrics_select(dialect_sql(connection))
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        params,
    )
    _CLV.drop(connection)
    counts = connection.execute(
        text(
            "SELECT count(*), sum(CASE WHEN orders_count > 0 THEN 1 ELSE 0 END) "
            "FROM customer_metrics"
        )
    ).one()
    if why_full:
        recomputed = int(counts[1] or 0)
    return RefreshReport(
        as_of=as_of,
        customers=int(counts[0]),
        with_orders=int(counts[1] or 0),
        seconds=(utcnow() - started).total_seconds(),
        clv_notes=notes,
        incremental=not why_full,
        recomputed=recomputed,
        why_full=why_full,
    )


def tidy_after_refresh(engine: Engine) -> None:
    """PostgreSQL, after the refresh committed: reclaim the rows it replaced and mark pages
    all-visible, so segment queries get index-only scans (VACUUM can't run in a transaction).
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) customer_metrics, customer_order_stats"))
