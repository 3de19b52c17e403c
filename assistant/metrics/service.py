"""Refresh per-customer metrics with set-based SQL (definitions: docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
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
from assistant.metrics.zones import zone_days
from assistant.models.base import UTCDateTime, utcnow

# Orders that do not count as purchases.
EXCLUDED_STATUSES = ("cancelled", "refunded")

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


_CLV = Table(
    "metrics_clv",
    MetaData(),
    Column("customer_id", BigInteger, primary_key=True),
    Column("clv", Numeric(12, 2)),
    prefixes=["TEMPORARY"],
)


def _predict_clv(connection: Connection) -> tuple[str, ...]:
    """Fit BG/NBD + Gamma-Gamma on the fresh BTYD summary and store clv_12m (vectorised)."""
    settings = get_settings().metrics
    rows = connection.execute(
        text(
            'SELECT customer_id, btyd_frequency, btyd_recency, "btyd_T", btyd_monetary '
            "FROM customer_metrics WHERE orders_count > 0 ORDER BY customer_id"
        )
    ).all()
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
    _CLV.drop(connection, checkfirst=True)
    _CLV.create(connection)
    connection.execute(
        _CLV.insert(),
        [
            {"customer_id": row[0], "clv": round(float(value), 2)}
            for row, value in zip(rows, values, strict=True)
        ],
    )
    connection.execute(
        text(
            "UPDATE customer_metrics SET clv_12m = v.clv FROM metrics_clv v "
            "WHERE customer_metrics.customer_id = v.customer_id"
        )
    )
    _CLV.drop(connection)
    return model.notes


def _dialect_sql(connection: Connection) -> dict[str, str]:
    """The few expressions that differ between SQLite and PostgreSQL."""
    if connection.dialect.name == "postgresql":
        return {
            "local_day": "CAST(o.ordered_at + ({offset}) * INTERVAL '1 second' AS DATE)",
            "utc_day": "CAST(o.ordered_at AS DATE)",
            "days_between": "({later} - {earlier})",
            "as_of": "CAST(:as_of AS DATE)",
            "date_of": "CAST({value} AS DATE)",
        }
    return {
        "local_day": "date(o.ordered_at, printf('%+d seconds', {offset}))",
        "utc_day": "substr(o.ordered_at, 1, 10)",
        "days_between": "CAST(julianday({later}) - julianday({earlier}) AS INTEGER)",
        "as_of": ":as_of",
        "date_of": "date({value})",
    }


def _load_zone_days(connection: Connection, as_of: date) -> None:
    brand_zone = get_settings().app.brand_timezone
    zones = {row[0] for row in connection.execute(text("SELECT DISTINCT timezone FROM customers"))}
    zones.discard(None)
    zones.add(brand_zone)
    first = connection.execute(text("SELECT min(ordered_at) FROM orders")).scalar_one()
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


def metrics_select(sql: dict[str, str]) -> str:
    """The query computing every customer's metrics, for a dialect's expressions.

    Parameters: `:as_of` (ISO date), `:brand_zone`, `:now`; it reads the temporary
    `metrics_zone_days` table. Public so the benchmark can run the same SQL on DuckDB.
    """
    days = sql["days_between"]
    excluded = ", ".join(f"'{status}'" for status in EXCLUDED_STATUSES)
    as_of_sql = sql["as_of"]
    # Tenure counts from the customer's creation (a UTC date) or else their first local
    # purchase day, never below 0 (a creation late on the as-of day in UTC can be "tomorrow").
    since = f"COALESCE({sql['date_of'].format(value='c.customer_since')}, s.first_day)"
    tenure = "CASE WHEN {d} < 0 THEN 0 ELSE {d} END".format(
        d=days.format(later=as_of_sql, earlier=since)
    )
    prospect_days = days.format(
        later=as_of_sql, earlier=sql["date_of"].format(value="c.customer_since")
    )
    prospect_tenure = f"CASE WHEN {prospect_days} < 0 THEN 0 ELSE {prospect_days} END"
    offset = (
        "CASE WHEN z.change_at IS NOT NULL AND o.ordered_at >= z.change_at "
        "THEN z.offset_after ELSE z.offset_seconds END"
    )
    local_day = sql["local_day"].format(offset=offset)
    return f"""
    WITH counted AS (
        SELECT o.id, o.customer_id, o.ordered_at, o.total, {local_day} AS day
        FROM orders o
        JOIN customers c ON c.id = o.customer_id
        JOIN metrics_zone_days z ON z.zone = COALESCE(c.timezone, :brand_zone)
            AND z.utc_day = {sql["utc_day"]}
        WHERE o.status NOT IN ({excluded})
    ),
    in_window AS (SELECT * FROM counted WHERE day <= {as_of_sql}),
    returned AS MATERIALIZED (
        SELECT lines.order_id, SUM(i.quantity * i.unit_price) AS value
        FROM (SELECT DISTINCT r.order_id, r.product_id FROM returns r) lines
        JOIN order_items i ON i.order_id = lines.order_id AND i.product_id = lines.product_id
        GROUP BY lines.order_id
    ),
    per_order AS MATERIALIZED (
        SELECT w.customer_id, w.ordered_at, w.day, w.total,
               w.total - COALESCE(rt.value, 0) AS net
        FROM in_window w LEFT JOIN returned rt ON rt.order_id = w.id
    ),
    per_day AS MATERIALIZED (
        SELECT customer_id, day, SUM(total) AS spend
        FROM per_order GROUP BY customer_id, day
    ),
    day_stats AS (
        SELECT customer_id, COUNT(*) AS purchase_days, MIN(day) AS first_day,
               MAX(day) AS last_day, SUM(spend) AS day_spend
        FROM per_day GROUP BY customer_id
    ),
    per_customer AS (
        SELECT p.customer_id, COUNT(*) AS orders_count,
               SUM(p.net) AS net_spend, MIN(p.ordered_at) AS first_order_at,
               MAX(p.ordered_at) AS last_order_at
        FROM per_order p GROUP BY p.customer_id
    ),
    facts AS (
        SELECT pc.customer_id, pc.orders_count,
               -- to the cent before ranking: SQLite sums money as floats, equal spends must tie
               ROUND(CASE WHEN pc.net_spend < 0 THEN 0 ELSE pc.net_spend END, 2) AS lifetime_spend,
               pc.first_order_at, pc.last_order_at,
               {days.format(later=as_of_sql, earlier="ds.last_day")} AS recency_days,
               ds.purchase_days - 1 AS btyd_frequency,
               {days.format(later="ds.last_day", earlier="ds.first_day")} AS btyd_recency,
               {days.format(later=as_of_sql, earlier="ds.first_day")} AS btyd_t,
               CASE WHEN ds.purchase_days > 1
                    THEN ROUND((ds.day_spend - fd.spend) * 1.0 / (ds.purchase_days - 1), 2)
                    ELSE 0 END AS btyd_monetary,
               ds.first_day
        FROM per_customer pc
        JOIN day_stats ds ON ds.customer_id = pc.customer_id
        JOIN per_day fd ON fd.customer_id = pc.customer_id AND fd.day = ds.first_day
    ),
    scored AS (
        SELECT f.*,
               1 + (5 * (RANK() OVER (ORDER BY f.recency_days DESC) - 1))
                   / COUNT(*) OVER () AS r_score,
               1 + (5 * (RANK() OVER (ORDER BY f.orders_count) - 1)) / COUNT(*) OVER () AS f_score,
               1 + (5 * (RANK() OVER (ORDER BY f.lifetime_spend) - 1))
                   / COUNT(*) OVER () AS m_score
        FROM facts f
    )
    SELECT c.id AS customer_id, {as_of_sql} AS as_of,
           s.orders_count, s.lifetime_spend,
           ROUND(s.lifetime_spend * 1.0 / s.orders_count, 2) AS aov,
           s.first_order_at, s.last_order_at, s.recency_days,
           {tenure} AS tenure_days,
           s.r_score, s.f_score, s.m_score,
           CASE
               WHEN s.orders_count = 1 AND s.r_score >= 4 THEN 'new'
               WHEN s.r_score >= 4 AND s.f_score >= 4 AND s.m_score >= 4 THEN 'champions'
               WHEN s.r_score >= 3 AND s.f_score >= 4 THEN 'loyal'
               WHEN s.r_score >= 4 AND s.f_score >= 2 THEN 'potential_loyalist'
               WHEN s.r_score <= 2 AND s.f_score >= 4 AND s.m_score >= 4 THEN 'cant_lose'
               WHEN s.r_score <= 2 AND s.f_score >= 3 THEN 'at_risk'
               WHEN s.r_score >= 2 THEN 'hibernating'
               ELSE 'lost'
           END AS rfm_label,
           s.btyd_frequency, s.btyd_recency, s.btyd_t, s.btyd_monetary,
           CAST(NULL AS NUMERIC(12, 2)) AS clv_12m, :now AS refreshed_at
    FROM scored s JOIN customers c ON c.id = s.customer_id
    UNION ALL
    -- Customers without a purchase, driven from customers (a LEFT JOIN onto the scored set
    -- makes SQLite scan that set once per customer).
    SELECT c.id, {as_of_sql}, 0, 0, NULL, NULL, NULL, NULL, {prospect_tenure},
           NULL, NULL, NULL, 'no_purchases', 0, 0, 0, 0, NULL, :now
    FROM customers c
    WHERE c.id NOT IN (SELECT customer_id FROM per_customer)
    """


# Divisions multiply by 1.0 first (SQLite divides whole numbers as integers) and round with
# ROUND(x, 2), which rounds half away from zero on both databases, so they agree to the cent.
def refresh(session: Session, as_of: date | None = None) -> RefreshReport:
    """Recompute every customer's metrics as of the end of `as_of` (default: today, UTC)."""
    started = utcnow()
    as_of = as_of or started.date()
    connection = session.connection()
    sql = _dialect_sql(connection)
    _load_zone_days(connection, as_of)
    statement = """
    INSERT INTO customer_metrics (
        customer_id, as_of, orders_count, lifetime_spend, aov, first_order_at, last_order_at,
        recency_days, tenure_days, r_score, f_score, m_score, rfm_label,
        btyd_frequency, btyd_recency, "btyd_T", btyd_monetary, clv_12m, refreshed_at)
    """ + metrics_select(sql)
    connection.execute(text("DELETE FROM customer_metrics"))
    params: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "now": started,
        "brand_zone": get_settings().app.brand_timezone,
    }
    connection.execute(
        text(statement).bindparams(bindparam("now", type_=UTCDateTime())),
        params,
    )
    _ZONES.drop(connection)
    notes = _predict_clv(connection)
    counts = connection.execute(
        text(
            "SELECT count(*), sum(CASE WHEN orders_count > 0 THEN 1 ELSE 0 END) "
            "FROM customer_metrics"
        )
    ).one()
    return RefreshReport(
        as_of=as_of,
        customers=int(counts[0]),
        with_orders=int(counts[1] or 0),
        seconds=(utcnow() - started).total_seconds(),
        clv_notes=notes,
    )
