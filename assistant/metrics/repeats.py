"""Per (customer, product): the latest local days the customer bought it, kept by the refresh.

The `product_fans` built-in asks for customers who bought one product on at least K separate
local days within the last N days. With each pair's K-th most recent purchase day kept, that is
one comparison on an index (`day_K >= as_of - N + 1`) instead of reading every order line of
the window and checking each candidate's days (segments/activity.py uses it when the kept
aggregates are fresh). Kept for K up to `MAX_DAYS`, for pairs bought on at least two days.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

MAX_DAYS = 5
COLUMNS = ", ".join(f"day{k}" for k in range(1, MAX_DAYS + 1))


def repeats_select(sql: dict[str, str]) -> str:
    """The rows of `product_repeats` up to the end of the as-of day (local days).

    Parameter: `:as_of`; reads the temporary `metrics_order_days` table (the counted orders
    of everyone, or of the customers being recomputed, with their local days). A line's day is
    its order's local day in the customer's zone, as segments count it.
    """
    picks = ", ".join(
        f"MAX(CASE WHEN n = {k} THEN day END) AS day{k}" for k in range(1, MAX_DAYS + 1)
    )
    return f"""
    WITH days AS (
        SELECT DISTINCT od.customer_id, i.product_id, od.day
        FROM metrics_order_days od JOIN order_items i ON i.order_id = od.id
        WHERE od.day <= {sql["as_of"]}
    ),
    ranked AS (
        SELECT customer_id, product_id, day,
               ROW_NUMBER() OVER (PARTITION BY customer_id, product_id ORDER BY day DESC) AS n
        FROM days
    )
    SELECT customer_id, product_id, {picks}
    FROM ranked WHERE n <= {MAX_DAYS}
    GROUP BY customer_id, product_id
    HAVING COUNT(*) >= 2
    """


def write_repeats(
    connection: Connection, sql: dict[str, str], params: dict[str, str], *, scoped: bool
) -> None:
    """(Re)compute `product_repeats` for everyone or for `metrics_affected` only."""
    if scoped:
        connection.execute(
            text(
                "DELETE FROM product_repeats "
                "WHERE customer_id IN (SELECT customer_id FROM metrics_affected)"
            )
        )
    else:
        connection.execute(text("DELETE FROM product_repeats"))
    insert = f"INSERT INTO product_repeats (customer_id, product_id, {COLUMNS}) "
    steer = scoped and connection.dialect.name == "postgresql"
    if steer:
        # A few customers' orders: each order's lines by key (an index-only lookup). PostgreSQL
        # misjudges the join's size and hashes all ten million lines instead (twice as slow).
        connection.execute(text("SET LOCAL enable_hashjoin = off"))
        connection.execute(text("SET LOCAL enable_mergejoin = off"))
    connection.execute(text(insert + repeats_select(sql)), params)
    if steer:
        connection.execute(text("SET LOCAL enable_hashjoin = on"))
        connection.execute(text("SET LOCAL enable_mergejoin = on"))
