"""Marks the customers whose purchase aggregates an import made stale.

The next `assistant metrics refresh` recomputes only them (plus anyone with orders since the
last refresh's as-of day). Marks are written only once a refresh has kept aggregates
(`metrics_state` has its row): before that, the next refresh is a full one anyway. Marking
every customer a file touches, changed or not, errs on the safe side: a re-import of
unchanged rows only costs a larger incremental refresh, never a stale metric.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from assistant.ingest.staging import stage_table

# The customer each staged row belongs to, per import kind.
_BY_ORDER = "SELECT o.customer_id AS id FROM {stage} s JOIN orders o ON o.external_id = s.order_ref"
CUSTOMER_OF_STAGED_ROW = {
    "customers": "SELECT c.id FROM {stage} s JOIN customers c ON c.external_id = s.external_id",
    "orders": "SELECT c.id FROM {stage} s JOIN customers c ON c.external_id = s.customer_ref",
    "order_items": _BY_ORDER,
    "returns": _BY_ORDER,
}


def mark_changed_customers(connection: Connection, kind: str) -> None:
    """Record the customers of the rows just merged from `kind`'s staging table."""
    select = CUSTOMER_OF_STAGED_ROW.get(kind)
    if select is None:
        return
    if connection.execute(text("SELECT 1 FROM metrics_state")).first() is None:
        return
    customers = select.format(stage=stage_table(kind))
    # `WHERE true` lets SQLite parse ON CONFLICT after INSERT ... SELECT ... JOIN.
    connection.execute(
        text(
            "INSERT INTO metrics_pending_customers (customer_id) "
            f"SELECT DISTINCT changed.id FROM ({customers}) changed WHERE true "
            "ON CONFLICT (customer_id) DO NOTHING"
        )
    )
