"""The metrics SQL, written once for every engine (definitions: docs/metrics.md).

Three statements:
- `order_days_select` gives every counted order its local day (inline in the next one, and
  a temporary table the product repeats read).
- `stats_select` aggregates orders into `customer_order_stats`: per customer, what does not
  depend on the as-of day (counts, net spend, first/last purchase day, repeat spend). It can
  be limited to the customers in the temporary `metrics_affected` table (incremental refresh).
- `scores_select` derives each customer's stored row from that narrow table: the RFM scores
  (from stored boundaries), labels, and the customers without purchases. What depends on
  the as-of day (recency, tenure, BTYD T) the `customer_metrics` view computes when read.

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
            "local_date_of": "CAST(timezone({zone}, {value}) AS DATE)",
        }
    return {
        "local_day": "date(o.ordered_at, printf('%+d seconds', {offset}))",
        "utc_day": "substr(o.ordered_at, 1, 10)",
        "days_between": "CAST(julianday({later}) - julianday({earlier}) AS INTEGER)",
        "as_of": ":as_of",
        "date_of": "date({value})",
        # segments/dialect.py registers it on the connection (register_sqlite_functions).
        "local_date_of": "segments_local_day({value}, {zone})",
    }


STATS_COLUMNS = (
    "customer_id, orders_count, lifetime_spend, first_order_at, last_order_at, "
    "purchase_days, first_day, last_day, btyd_monetary"
)


ORDER_DAYS_COLUMNS = "id, customer_id, ordered_at, total, day"


def order_days_select(sql: dict[str, str], *, affected_only: bool = False) -> str:
    """Every counted order (not cancelled or refunded) with its local day in the customer's
    zone: the rows of the temporary `metrics_order_days` table the aggregates and the
    product repeats both read (`ORDER_DAYS_COLUMNS`).

    Parameters: `:brand_zone`; reads the temporary `metrics_zone_days` table and, with
    `affected_only`, the temporary `metrics_affected (customer_id)` table.
    """
    excluded = ", ".join(f"'{status}'" for status in EXCLUDED_STATUSES)
    offset = (
        "CASE WHEN z.change_at IS NOT NULL AND o.ordered_at >= z.change_at "
        "THEN z.offset_after ELSE z.offset_seconds END"
    )
    orders = "orders o JOIN customers c ON c.id = o.customer_id"
    if affected_only:
        # Driven from the affected ids: each customer and their orders looked up by key.
        orders = (
            "metrics_affected a JOIN customers c ON c.id = a.customer_id "
            "JOIN orders o ON o.customer_id = a.customer_id"
        )
    return f"""
    SELECT o.id, o.customer_id, o.ordered_at, o.total,
           {sql["local_day"].format(offset=offset)} AS day
    FROM {orders}
    JOIN metrics_zone_days z ON z.zone = COALESCE(c.timezone, :brand_zone)
        AND z.utc_day = {sql["utc_day"]}
    WHERE o.status NOT IN ({excluded})
    """


def stats_select(sql: dict[str, str], *, affected_only: bool = False) -> str:
    """Per-customer purchase aggregates up to the end of the as-of day (local days).

    Parameters: `:as_of`, `:brand_zone`; reads the temporary `metrics_zone_days` table and,
    with `affected_only`, the temporary `metrics_affected (customer_id)` table.
    """
    # The value of each returned line: for everyone, a join of all returns to their lines.
    returned_lines = """
        SELECT lines.order_id, SUM(i.quantity * i.unit_price) AS value
        FROM (SELECT DISTINCT r.order_id, r.product_id FROM returns r) lines
        JOIN order_items i ON i.order_id = lines.order_id AND i.product_id = lines.product_id
        GROUP BY lines.order_id"""
    if affected_only:
        affected = "IN (SELECT customer_id FROM metrics_affected)"
        # For a few customers, each line looked up by its key: a join let PostgreSQL
        # misjudge the few lines and scan all ten million.
        returned_lines = f"""
        SELECT lines.order_id, SUM((
            SELECT i.quantity * i.unit_price FROM order_items i
            WHERE i.order_id = lines.order_id AND i.product_id = lines.product_id
        )) AS value
        FROM (SELECT DISTINCT r.order_id, r.product_id FROM returns r
              WHERE r.customer_id {affected}) lines
        GROUP BY lines.order_id"""
    # The counted orders inline (reading the temporary table the repeats read instead made
    # SQLite's plan for the whole statement four times slower at 1M).
    return f"""
    WITH counted AS ({order_days_select(sql, affected_only=affected_only)}),
    in_window AS (SELECT * FROM counted WHERE day <= {sql["as_of"]}),
    returned AS MATERIALIZED ({returned_lines}
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


SCORES_COLUMNS = (
    "customer_id, orders_count, lifetime_spend, aov, first_order_at, last_order_at, "
    "first_day, last_day, since_day, since_local, r_score, f_score, m_score, rfm_label, "
    "btyd_frequency, btyd_recency, btyd_monetary"
)


def scores_select(
    sql: dict[str, str], r: str, f: str, m: str, label: str, *, affected_only: bool = False
) -> str:
    """Every customer's stored row (`SCORES_COLUMNS`), from `customer_order_stats`.

    `r`, `f`, `m` and `label` are SQL over a row `s` of customer_order_stats with its
    `s.r_score`, `s.f_score` and `s.m_score` (see assistant/metrics/scores.py). With
    `affected_only`, only the customers in the temporary `metrics_affected` table. Nothing
    here depends on the as-of day: the `customer_metrics` view derives what does.
    """
    days = sql["days_between"]
    since = sql["date_of"].format(value="c.customer_since")
    # The customer's local day of it, as milestone anniversaries count (the first purchase's
    # local day is first_day).
    since_local = sql["local_date_of"].format(
        value="c.customer_since", zone="COALESCE(c.timezone, :brand_zone)"
    )
    # Scoped, both halves start from the affected ids and look each customer up by key.
    buyers = "customer_order_stats st"
    customers = "customers c"
    if affected_only:
        buyers = "metrics_affected a JOIN customer_order_stats st ON st.customer_id = a.customer_id"
        customers = "metrics_affected a JOIN customers c ON c.id = a.customer_id"
    return f"""
    WITH scored AS (
        SELECT st.*, {r} AS r_score, {f} AS f_score, {m} AS m_score
        FROM {buyers}
    )
    SELECT c.id AS customer_id, s.orders_count, s.lifetime_spend,
           ROUND(s.lifetime_spend * 1.0 / s.orders_count, 2) AS aov,
           s.first_order_at, s.last_order_at, s.first_day, s.last_day,
           COALESCE({since}, s.first_day) AS since_day,
           COALESCE({since_local}, s.first_day) AS since_local,
           s.r_score, s.f_score, s.m_score, {label} AS rfm_label,
           s.purchase_days - 1 AS btyd_frequency,
           {days.format(later="s.last_day", earlier="s.first_day")} AS btyd_recency,
           s.btyd_monetary
    FROM scored s JOIN customers c ON c.id = s.customer_id
    UNION ALL
    -- Customers without a purchase: an anti-join on the stats' primary key (NOT IN would
    -- make PostgreSQL probe the whole list per customer once it outgrows work_mem).
    SELECT c.id, 0, 0, NULL, NULL, NULL, NULL, NULL, {since}, {since_local}, NULL, NULL, NULL,
           'no_purchases', 0, 0, 0
    FROM {customers}
    WHERE NOT EXISTS (SELECT 1 FROM customer_order_stats st WHERE st.customer_id = c.id)
    """
