"""Metrics refresh on PostgreSQL and SQLite beside DuckDB running the same SQL, in one run.

DuckDB (in-process, columnar) is the reference: it gets the same query text
(`assistant.metrics.service.metrics_select`) with its own spelling of the few
dialect-specific expressions, on tables loaded from the same CSV files. Only the query is
timed for DuckDB; our refresh is timed end to end (zone table, query, insert, commit).

    python benchmarks/metrics_refresh.py DATA_DIR --postgres URL --sqlite FILE [--as-of DATE]

URL and FILE must hold an import of DATA_DIR (`assistant import DATA_DIR`).
"""

from __future__ import annotations

import argparse
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from assistant.db import build_engine, unit_of_work
from assistant.metrics import service
from assistant.metrics.zones import zone_days

DUCKDB_SQL = {
    "local_day": "CAST(o.ordered_at + to_seconds({offset}) AS DATE)",
    "utc_day": "CAST(o.ordered_at AS DATE)",
    "days_between": "({later} - {earlier})",
    "as_of": "CAST($as_of AS DATE)",
    "date_of": "CAST({value} AS DATE)",
}


def _timestamp(column: str) -> str:
    return f"CAST(replace(replace({column}, 'T', ' '), 'Z', '') AS TIMESTAMP)"


def duckdb_refresh(data: Path, as_of: date, brand_zone: str) -> tuple[float, tuple[int, ...]]:
    """Seconds for the metrics query on DuckDB, and a checksum of its result."""
    import duckdb

    # Bounded like the others: the default (80 % of RAM) starves everything else here.
    db = duckdb.connect(config={"memory_limit": "4GB", "threads": 2})
    csv = {
        k: f"read_csv('{data / (k + '.csv')}', all_varchar=true)"
        for k in ("customers", "orders", "order_items", "returns")
    }
    since = _timestamp("NULLIF(created_at, '')")
    db.execute(
        "CREATE TABLE customers AS SELECT customer_id AS id, NULLIF(timezone, '') AS timezone, "
        f"{since} AS customer_since FROM {csv['customers']}"
    )
    db.execute(
        "CREATE TABLE orders AS SELECT order_id AS id, customer_id, "
        f"{_timestamp('ordered_at')} AS ordered_at, CAST(total AS DECIMAL(12,2)) AS total, "
        f"status FROM {csv['orders']}"
    )
    db.execute(
        "CREATE TABLE order_items AS SELECT order_id, product_id, CAST(quantity AS INTEGER) "
        f"AS quantity, CAST(unit_price AS DECIMAL(12,2)) AS unit_price FROM {csv['order_items']}"
    )
    db.execute(f"CREATE TABLE returns AS SELECT order_id, product_id FROM {csv['returns']}")
    zones = {z for (z,) in db.execute("SELECT DISTINCT timezone FROM customers").fetchall() if z}
    zones.add(brand_zone)
    (first,) = db.execute("SELECT min(ordered_at) FROM orders").fetchone()  # type: ignore[misc]
    db.execute(
        "CREATE TABLE metrics_zone_days (zone VARCHAR, utc_day DATE, offset_seconds INTEGER, "
        "change_at TIMESTAMP, offset_after INTEGER)"
    )
    rows = [
        (d.zone, d.utc_day, d.offset_seconds, d.change_at, d.offset_after)
        for zone in sorted(zones)
        for d in zone_days(zone, first.date() - timedelta(days=1), as_of + timedelta(days=1))
    ]
    db.executemany(
        "INSERT INTO metrics_zone_days VALUES (?, ?, ?, ?, ?)",
        [(z, day, o, c.replace(tzinfo=None) if c else None, a) for z, day, o, c, a in rows],
    )
    # DuckDB's `/` divides integers as floats; `//` is the integer division the others do.
    query = re.sub(
        r"\)\s*/\s*COUNT\(\*\) OVER \(\)",
        ") // COUNT(*) OVER ()",
        service.metrics_select(DUCKDB_SQL),
    )
    query = query.replace(":brand_zone", "$brand_zone").replace(":now", "$now")
    started = time.perf_counter()
    db.execute(
        f"CREATE TABLE metrics AS {query}",
        {"as_of": as_of.isoformat(), "brand_zone": brand_zone, "now": datetime.now(UTC)},
    )
    seconds = time.perf_counter() - started
    return seconds, _checksum(
        db.execute(_CHECKSUM.format(table="metrics", id="customer_id")).fetchone()
    )


_CHECKSUM = (
    "SELECT count(*), sum(CASE WHEN orders_count > 0 THEN 1 ELSE 0 END), sum(orders_count), "
    "CAST(round(sum(lifetime_spend)) AS BIGINT), sum(btyd_frequency), sum(r_score), "
    "sum(f_score), sum(m_score) FROM {table}"
)


def _checksum(row: object) -> tuple[int, ...]:
    return tuple(int(v or 0) for v in row)  # type: ignore[attr-defined]


def ours(url: str, as_of: date) -> tuple[float, tuple[int, ...]]:
    engine = build_engine(url)
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        service.refresh(session, as_of)
    seconds = time.perf_counter() - started
    with engine.connect() as connection:
        row = connection.execute(
            text(_CHECKSUM.format(table="customer_metrics", id="customer_id"))
        ).one()
    engine.dispose()
    return seconds, _checksum(row)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("data", type=Path)
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--sqlite", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--brand-zone", default="America/New_York")
    args = parser.parse_args()
    duck, duck_sum = duckdb_refresh(args.data, args.as_of, args.brand_zone)
    print(f"duckdb      {duck:7.2f} s  checksum {duck_sum}", flush=True)
    for name, url in (("postgresql", args.postgres), ("sqlite", f"sqlite:///{args.sqlite}")):
        seconds, checksum = ours(url, args.as_of)
        same = "same result" if checksum == duck_sum else f"DIFFERENT {checksum}"
        print(f"{name:<11} {seconds:7.2f} s  {seconds / duck:5.2f}x duckdb  {same}", flush=True)


if __name__ == "__main__":
    main()
