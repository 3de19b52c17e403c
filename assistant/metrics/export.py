"""Export customer metrics with exactly the contract's columns, streamed (CSV or JSON lines)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.models import Customer, CustomerMetrics
from assistant.values import plain, spreadsheet_safe

# The published contract (docs/metrics.md lists the columns); order matters.
EXPORT_COLUMNS = (
    "customer_id",
    "orders_count",
    "lifetime_spend",
    "aov",
    "first_order_at",
    "last_order_at",
    "recency_days",
    "r_score",
    "f_score",
    "m_score",
    "rfm_label",
    "btyd_frequency",
    "btyd_recency",
    "btyd_T",
    "btyd_monetary",
    "clv_12m",
    "as_of",
)


def metric_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Every customer's metrics as plain values, by customer id, streamed."""
    m = CustomerMetrics
    query = (
        select(Customer.external_id, m)
        .join(m, m.customer_id == Customer.id)
        .order_by(Customer.external_id)
        .execution_options(yield_per=5000)
    )
    for external_id, metrics in session.execute(query):
        row = {name: getattr(metrics, name, None) for name in EXPORT_COLUMNS}
        row["customer_id"] = external_id
        yield {name: plain(row[name]) for name in EXPORT_COLUMNS}


def write_export(session: Session, out: IO[str], fmt: str) -> int:
    """Write the export to `out` as `csv` or `json` (one array); returns the rows written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in metric_rows(session):
            writer.writerow({name: spreadsheet_safe(value) for name, value in row.items()})
            count += 1
        return count
    if fmt != "json":
        raise ValueError(f"unknown format {fmt!r}: use csv or json")
    out.write("[")
    for row in metric_rows(session):
        out.write(("," if count else "") + "\n" + json.dumps(row))
        count += 1
    out.write("\n]\n")
    return count
