"""The metrics SQL, written once for every engine (definitions: docs/metrics.md).

Two statements:
- `stats_select` aggregates orders into `customer_order_stats`: per customer, what does not
  depend on the as-of day (counts, net spend, first/last purchase day, repeat spend). It can
  be limited to the customers in the temporary `metrics_affected` table (incremental refresh).
- `metrics_select` derives every metric from that narrow table: recency and age against the
  as-of day, the RFM ranks, labels, and the customers without purchases.

Both read only the few dialect-specific expressions from `dialect_sql`; the benchmark passes
DuckDB's spelling of the same ones and runs the very same text.
"""

from __future__ import annotations

from sqlalchemy import Connection

# Orders that do not count as purchases.
EXCLUDED_STATUSES = ("cancelled", "refunded")

# Divisions multiply by 1.0 first (SQLite divides whole numbers as integers) and round with
# ROUND(x, 2), which rounds half away from zero on both databases, so they agree to the cent.


def dialect_sql(connection: Connection) -> dict[str, str]:
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


STATS_COLUMNS = (
    "customer_id, orders_count, lifetime_spend, first_order_at, last_order_at, "
    "purchase_days, first_day, last_day, btyd_monetary"
)


def stats_select(sql: dict[str, str], *, affected_only: bool = False) -> str:
    """Per-customer purchase aggregates up to the end of the as-of day (local days).

    Parameters: `:as_of`, `:brand_zone`; reads the temporary `metrics_zone_days` table and,
    with `affected_only`, the temporary `metrics_affected (customer_id)` table.
    """
    excluded = ", ".join(f"'{status}'" for status in EXCLUDED_STATUSES)
    offset = (
        "CASE WHEN z.change_at IS NOT NULL AND o.ordered_at >= z.change_at "
        "THEN z.offset_after ELSE z.offset_seconds END"
    )
    local_day = sql["local_day"].format(offset=offset)
    scope_orders = scope_returns = ""
    if affected_only:
        scope_orders = "AND o.customer_id IN (SELECT customer_id FROM metrics_affected)"
        scope_returns = "WHERE r.customer_id IN (SELECT customer_id FROM metrics_affected)"
    return f"""
    WITH counted AS (
        SELECT o.id, o.customer_id, o.ordered_at, o.total, {local_day} AS day
        FROM orders o
        JOIN customers c ON c.id = o.customer_id
        JOIN metrics_zone_days z ON z.zone = COALESCE(c.timezone, :brand_zone)
            AND z.utc_day = {sql["utc_day"]}
        WHERE o.status NOT IN ({excluded}) {scope_orders}
    ),
    in_window AS (SELECT * FROM counted WHERE day <= {sql["as_of"]}),
    returned AS MATERIALIZED (
        SELECT lines.order_id, SUM(i.quantity * i.unit_price) AS value
        FROM (SELECT DISTINCT r.order_id, r.product_id FROM returns r {scope_returns}) lines
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
    )
    SELECT pc.customer_id, pc.orders_count,
           -- to the cent before ranking: SQLite sums money as floats, equal spends must tie
           ROUND(CASE WHEN pc.net_spend < 0 THEN 0 ELSE pc.net_spend END, 2) AS lifetime_spend,
           pc.first_order_at, pc.last_order_at,
           ds.purchase_days, ds.first_day, ds.last_day,
           CASE WHEN ds.purchase_days > 1
                THEN ROUND((ds.day_spend - fd.spend) * 1.0 / (ds.purchase_days - 1), 2)
                ELSE 0 END AS btyd_monetary
    FROM per_customer pc
    JOIN day_stats ds ON ds.customer_id = pc.customer_id
    JOIN per_day fd ON fd.customer_id = pc.customer_id AND fd.day = ds.first_day
    """


def metrics_select(sql: dict[str, str]) -> str:
    """Every customer's metrics as of `:as_of`, derived from `customer_order_stats`.

    Parameters: `:as_of` (ISO date), `:now`; reads the temporary `metrics_clv (customer_id,
    clv)` table of predicted values. Public so the benchmark runs the same SQL.
    """
    days = sql["days_between"]
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
    return f"""
    WITH facts AS (
        SELECT st.customer_id, st.orders_count, st.lifetime_spend,
               st.first_order_at, st.last_order_at,
               {days.format(later=as_of_sql, earlier="st.last_day")} AS recency_days,
               st.purchase_days - 1 AS btyd_frequency,
               {days.format(later="st.last_day", earlier="st.first_day")} AS btyd_recency,
               {days.format(later=as_of_sql, earlier="st.first_day")} AS btyd_t,
               st.btyd_monetary, st.first_day
        FROM customer_order_stats st
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
           v.clv AS clv_12m, :now AS refreshed_at
    FROM scored s JOIN customers c ON c.id = s.customer_id
    LEFT JOIN metrics_clv v ON v.customer_id = s.customer_id
    UNION ALL
    -- Customers without a purchase: an anti-join on the stats' primary key (NOT IN would
    -- make PostgreSQL probe the whole list per customer once it outgrows work_mem).
    SELECT c.id, {as_of_sql}, 0, 0, NULL, NULL, NULL, NULL, {prospect_tenure},
           NULL, NULL, NULL, 'no_purchases', 0, 0, 0, 0, NULL, :now
    FROM customers c
    WHERE NOT EXISTS (SELECT 1 FROM customer_order_stats st WHERE st.customer_id = c.id)
    """
