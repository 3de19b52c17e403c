"""Metrics refresh on PostgreSQL and SQLite beside DuckDB running the same SQL, in one run.

DuckDB (in-process, columnar) is the reference: it gets the same query text
(`assistant.metrics.queries.stats_select`, the score boundaries and `scores_select`) with
its own spelling of the few
dialect-specific expressions, on tables loaded from the same CSV files. Only the query is
timed for DuckDB; our refresh is timed end to end (zone table, query, insert, commit).

    python benchmarks/metrics_refresh.py DATA_DIR --postgres URL --sqlite FILE [--as-of DATE]

URL and FILE must hold an import of DATA_DIR (`assistant import DATA_DIR`); either may be
left out to measure the other alone.

Then, per database, it imports 1 % new orders (`--new-orders-share`) dated the next day,
times the incremental refresh that follows and a full refresh of the same data, and checks
both give the same result. The new orders stay in the database (re-runs re-import them).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from assistant.db import build_engine, unit_of_work
from assistant.ingest.service import import_files
from assistant.metrics import queries, scores, service
from assistant.metrics.zones import zone_days

DUCKDB_SQL = {
    "local_day": "CAST(o.ordered_at + to_seconds({offset}) AS DATE)",
    "utc_day": "CAST(o.ordered_at AS DATE)",
    "days_between": "({later} - {earlier})",
    "as_of": "CAST($as_of AS DATE)",
    "date_of": "CAST({value} AS DATE)",
    "local_date_of": "CAST(timezone({zone}, CAST({value} AS TIMESTAMPTZ)) AS DATE)",
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
    params = {"as_of": as_of.isoformat(), "brand_zone": brand_zone}
    started = time.perf_counter()
    db.execute(
        "CREATE TABLE customer_order_stats AS "
        + queries.stats_select(DUCKDB_SQL).replace(":brand_zone", "$brand_zone"),
        params,
    )
    # The score boundaries (scores.read_cuts), then every customer's stored row.
    (buyers,) = db.execute("SELECT count(*) FROM customer_order_stats").fetchone()
    cut_values: dict[str, tuple[Any, ...]] = {}
    for score, column in scores.RANKED.items():
        picks = ", ".join(
            f"(SELECT {column} FROM customer_order_stats ORDER BY {column} LIMIT 1 OFFSET {p})"
            for p in scores._positions(buyers)
        )
        cut_values[score] = tuple(db.execute(f"SELECT {picks}").fetchone())
    cuts = scores.Cuts(buyers=buyers, r=cut_values["r"], f=cut_values["f"], m=cut_values["m"])
    bound: dict[str, Any] = {}
    r = scores.score_sql("r", cuts, "st.last_day", bound)
    f = scores.score_sql("f", cuts, "st.orders_count", bound)
    m = scores.score_sql("m", cuts, "st.lifetime_spend", bound)
    label = scores.label_sql("s.orders_count", "s.r_score", "s.f_score", "s.m_score")
    derive = re.sub(r":(cut_\w+)", r"$\1", queries.scores_select(DUCKDB_SQL, r, f, m, label))
    db.execute(f"CREATE TABLE metrics AS {derive}", bound)
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


def _refresh(
    url: str, as_of: date, mode: service.RefreshMode
) -> tuple[float, tuple[int, ...], bool]:
    """Seconds for one committed refresh, its checksum, and whether it was incremental.

    Like `assistant metrics refresh`, it then tidies up (VACUUM on PostgreSQL), untimed, so
    each run starts from the state the command leaves behind.
    """
    engine = build_engine(url)
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        report = service.refresh(session, as_of, mode=mode)
    seconds = time.perf_counter() - started
    service.tidy_after_refresh(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text(_CHECKSUM.format(table="customer_metrics", id="customer_id"))
        ).one()
    engine.dispose()
    return seconds, _checksum(row), report.incremental


def write_new_orders(data: Path, out: Path, share: float, day: date, seed: int = 11) -> int:
    """`share` times the store's orders as new orders and lines of existing customers on `day`
    (14:00-23:00 UTC, so a later local day than the as-of day everywhere in the store)."""
    rng = random.Random(seed)
    with (data / "customers.csv").open(encoding="utf-8") as handle:
        customers = [row["customer_id"] for row in csv.DictReader(handle)]
    with (data / "products.csv").open(encoding="utf-8") as handle:
        products = [(row["product_id"], row["price"]) for row in csv.DictReader(handle)]
    with (data / "orders.csv").open(encoding="utf-8") as handle:
        count = max(1, round(share * (sum(1 for _ in handle) - 1)))
    out.mkdir(parents=True, exist_ok=True)
    with (
        (out / "orders.csv").open("w", encoding="utf-8", newline="") as orders_file,
        (out / "order_items.csv").open("w", encoding="utf-8", newline="") as items_file,
    ):
        orders, items = csv.writer(orders_file), csv.writer(items_file)
        orders.writerow(["order_id", "customer_id", "ordered_at", "total", "currency", "status"])
        items.writerow(["order_id", "product_id", "quantity", "unit_price"])
        for n in range(count):
            lines = rng.sample(products, rng.randint(1, 3))
            total = sum(Decimal(price) for _, price in lines)
            moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                hours=14, seconds=rng.randrange(9 * 3600)
            )
            order_id = f"NEW{day:%Y%m%d}-{n}"
            orders.writerow(
                [order_id, rng.choice(customers), moment.isoformat(), total, "USD", "completed"]
            )
            items.writerows([order_id, product, 1, price] for product, price in lines)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("data", type=Path)
    parser.add_argument("--postgres")
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--brand-zone", default="America/New_York")
    parser.add_argument("--new-orders-share", type=float, default=0.01)
    args = parser.parse_args()
    databases = [("postgresql", args.postgres)] if args.postgres else []
    databases += [("sqlite", f"sqlite:///{args.sqlite}")] if args.sqlite else []
    if not databases:
        parser.error("give --postgres URL, --sqlite FILE or both")
    duck, duck_sum = duckdb_refresh(args.data, args.as_of, args.brand_zone)
    print(f"duckdb            {duck:7.2f} s  checksum {duck_sum}", flush=True)
    next_day = args.as_of + timedelta(days=1)
    with tempfile.TemporaryDirectory() as folder:
        new_orders = Path(folder)
        count = write_new_orders(args.data, new_orders, args.new_orders_share, next_day)
        print(f"new orders: {count:,} on {next_day}", flush=True)
        for name, url in databases:
            seconds, checksum, _ = _refresh(url, args.as_of, "full")
            same = "same result" if checksum == duck_sum else f"DIFFERENT {checksum}"
            print(f"{name:<11} full  {seconds:7.2f} s  {seconds / duck:5.2f}x duckdb  {same}")
            engine = build_engine(url)
            started = time.perf_counter()
            with unit_of_work(engine) as session:
                import_files(session, [new_orders / "orders.csv", new_orders / "order_items.csv"])
            engine.dispose()
            print(f"{name:<11} import of new orders {time.perf_counter() - started:7.2f} s")
            incremental, after, was_incremental = _refresh(url, next_day, "auto")
            full, expected, _ = _refresh(url, next_day, "full")
            kind = "incremental" if was_incremental else "FULL (not incremental)"
            agree = "same result" if after == expected else f"DIFFERENT {after} vs {expected}"
            print(
                f"{name:<11} {kind} {incremental:7.2f} s, full {full:7.2f} s on {next_day}: "
                f"{incremental / full:6.1%} of full  {agree}",
                flush=True,
            )


if __name__ == "__main__":
    main()
