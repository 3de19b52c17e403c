"""Refresh per-customer metrics with set-based SQL (definitions: docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    text,
)
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.metrics.zones import offset_periods
from assistant.models.base import UTCDateTime, utcnow

# Orders that do not count as purchases.
EXCLUDED_STATUSES = ("cancelled", "refunded")

_ZONES = Table(
    "metrics_zone_offsets",
    MetaData(),
    Column("zone", String(64)),
    Column("valid_from", UTCDateTime()),
    Column("valid_until", UTCDateTime()),
    Column("offset_seconds", Integer),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh computed."""

    as_of: date
    customers: int
    with_orders: int
    seconds: float


def _dialect_sql(connection: Connection) -> dict[str, str]:
    """The few expressions that differ between SQLite and PostgreSQL."""
    if connection.dialect.name == "postgresql":
        return {
            "local_day": "CAST(o.ordered_at + z.offset_seconds * INTERVAL '1 second' AS DATE)",
            "days_between": "({later} - {earlier})",
            "as_of": "CAST(:as_of AS DATE)",
            "date_of": "CAST({value} AS DATE)",
        }
    return {
        "local_day": "date(o.ordered_at, printf('%+d seconds', z.offset_seconds))",
        "days_between": "CAST(julianday({later}) - julianday({earlier}) AS INTEGER)",
        "as_of": ":as_of",
        "date_of": "date({value})",
    }


def _load_zone_offsets(connection: Connection, as_of: date) -> None:
    brand_zone = get_settings().app.brand_timezone
    zones = {row[0] for row in connection.execute(text("SELECT DISTINCT timezone FROM customers"))}
    zones.discard(None)
    zones.add(brand_zone)
    first = connection.execute(text("SELECT min(ordered_at) FROM orders")).scalar_one()
    start = datetime(1970, 1, 1, tzinfo=UTC)
    if isinstance(first, datetime):
        start = (first if first.tzinfo else first.replace(tzinfo=UTC)) - timedelta(days=2)
    elif isinstance(first, str):
        start = datetime.fromisoformat(first).replace(tzinfo=UTC) - timedelta(days=2)
    end = datetime.combine(as_of + timedelta(days=2), time(), UTC)
    _ZONES.drop(connection, checkfirst=True)
    _ZONES.create(connection)
    rows = [
        {"zone": zone, "valid_from": begin, "valid_until": until, "offset_seconds": offset}
        for zone in sorted(zones)
        for begin, until, offset in offset_periods(zone, start, end)
    ]
    connection.execute(_ZONES.insert(), rows)


# Divisions multiply by 1.0 first (SQLite divides whole numbers as integers) and round with
# ROUND(x, 2), which rounds half away from zero on both databases, so they agree to the cent.
def refresh(session: Session, as_of: date | None = None) -> RefreshReport:
    """Recompute every customer's metrics as of the end of `as_of` (default: today, UTC)."""
    started = utcnow()
    as_of = as_of or started.date()
    connection = session.connection()
    sql = _dialect_sql(connection)
    _load_zone_offsets(connection, as_of)
    days = sql["days_between"]
    excluded = ", ".join(f"'{status}'" for status in EXCLUDED_STATUSES)
    as_of_sql = sql["as_of"]
    since = sql["date_of"].format(value="COALESCE(c.customer_since, s.first_order_at)")
    tenure = days.format(later=as_of_sql, earlier=since)
    statement = f"""
    WITH counted AS (
        SELECT o.id, o.customer_id, o.ordered_at, o.total, {sql["local_day"]} AS day
        FROM orders o
        JOIN customers c ON c.id = o.customer_id
        JOIN metrics_zone_offsets z ON z.zone = COALESCE(c.timezone, :brand_zone)
            AND o.ordered_at >= z.valid_from AND o.ordered_at < z.valid_until
        WHERE o.status NOT IN ({excluded})
    ),
    in_window AS (SELECT * FROM counted WHERE day <= {as_of_sql}),
    returned AS (
        SELECT lines.order_id, SUM(i.quantity * i.unit_price) AS value
        FROM (SELECT DISTINCT r.order_id, r.product_id FROM returns r) lines
        JOIN order_items i ON i.order_id = lines.order_id AND i.product_id = lines.product_id
        GROUP BY lines.order_id
    ),
    per_order AS (
        SELECT w.customer_id, w.ordered_at, w.day, w.total,
               w.total - COALESCE(rt.value, 0) AS net
        FROM in_window w LEFT JOIN returned rt ON rt.order_id = w.id
    ),
    per_day AS (
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
               CASE WHEN pc.net_spend < 0 THEN 0 ELSE pc.net_spend END AS lifetime_spend,
               pc.first_order_at, pc.last_order_at,
               {days.format(later=as_of_sql, earlier="ds.last_day")} AS recency_days,
               ds.purchase_days - 1 AS btyd_frequency,
               {days.format(later="ds.last_day", earlier="ds.first_day")} AS btyd_recency,
               {days.format(later=as_of_sql, earlier="ds.first_day")} AS btyd_t,
               CASE WHEN ds.purchase_days > 1
                    THEN ROUND((ds.day_spend - fd.spend) * 1.0 / (ds.purchase_days - 1), 2)
                    ELSE 0 END AS btyd_monetary
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
    INSERT INTO customer_metrics (
        customer_id, as_of, orders_count, lifetime_spend, aov, first_order_at, last_order_at,
        recency_days, tenure_days, r_score, f_score, m_score, rfm_label,
        btyd_frequency, btyd_recency, "btyd_T", btyd_monetary, clv_12m, refreshed_at)
    SELECT c.id, {as_of_sql}, COALESCE(s.orders_count, 0), COALESCE(s.lifetime_spend, 0),
           CASE WHEN s.orders_count > 0
                THEN ROUND(s.lifetime_spend * 1.0 / s.orders_count, 2) END,
           s.first_order_at, s.last_order_at, s.recency_days,
           {tenure} AS tenure_days,
           s.r_score, s.f_score, s.m_score,
           CASE
               WHEN s.customer_id IS NULL THEN 'no_purchases'
               WHEN s.orders_count = 1 AND s.r_score >= 4 THEN 'new'
               WHEN s.r_score >= 4 AND s.f_score >= 4 AND s.m_score >= 4 THEN 'champions'
               WHEN s.r_score >= 3 AND s.f_score >= 4 THEN 'loyal'
               WHEN s.r_score >= 4 AND s.f_score >= 2 THEN 'potential_loyalist'
               WHEN s.r_score <= 2 AND s.f_score >= 4 AND s.m_score >= 4 THEN 'cant_lose'
               WHEN s.r_score <= 2 AND s.f_score >= 3 THEN 'at_risk'
               WHEN s.r_score >= 2 THEN 'hibernating'
               ELSE 'lost'
           END,
           COALESCE(s.btyd_frequency, 0), COALESCE(s.btyd_recency, 0), COALESCE(s.btyd_t, 0),
           COALESCE(s.btyd_monetary, 0), NULL, :now
    FROM customers c LEFT JOIN scored s ON s.customer_id = c.id
    """
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
    )
