"""Time `count` of every built-in segment on a database holding a refreshed store.

    python benchmarks/segment_counts.py DATABASE_URL [--repeat 3] [--duckdb] [--json]

DATABASE_URL is PostgreSQL or SQLite. Each count runs `--repeat` times in its own transaction;
the best and the median are shown (`--json`: one JSON object per segment instead).
With `--duckdb` (PostgreSQL URLs only), the tables the segments read are copied into an
in-memory DuckDB (4 GB, 2 threads) and the very SQL compiled for PostgreSQL runs there too,
side by side, as the columnar reference; the counts must agree unless the two engines' zone
data differ (DuckDB ships its own; PostgreSQL reads the host's tzdata): the zones whose local
midnights they place differently are listed first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from assistant.config import get_settings
from assistant.db import build_engine, unit_of_work
from assistant.segments import service
from assistant.segments.registry import builtin_segments

# What the built-in segments read.
# What compiled segments read (customer_metrics is a view over customer_scores and
# customer_clv; segments read those directly, and product_repeats for product repeats).
TABLES = (
    "customers",
    "customer_scores",
    "customer_clv",
    "product_repeats",
    "orders",
    "order_items",
    "products",
    "returns",
)


def _timed(run: Callable[[], int], repeat: int) -> tuple[int, list[float]]:
    times, total = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        total = run()
        times.append(time.perf_counter() - started)
    return total, times


def _duckdb_copy(engine: Engine) -> Any:
    """An in-memory DuckDB holding a copy of TABLES, exported with PostgreSQL's COPY."""
    import duckdb

    db = duckdb.connect(config={"memory_limit": "4GB", "threads": 2})
    with tempfile.TemporaryDirectory() as folder, engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        for table in TABLES:
            path = Path(folder) / f"{table}.csv"
            export = f"COPY {table} TO STDOUT WITH (FORMAT csv, HEADER)"
            with (
                raw.cursor() as cursor,  # type: ignore[attr-defined]
                path.open("wb") as handle,
                cursor.copy(export) as copy,
            ):
                for chunk in copy:
                    handle.write(chunk)
            db.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=true)")
    return db


def _postgres_sql(engine: Engine, name: str) -> str:
    with unit_of_work(engine) as session:
        statement = service.evaluate(session, name).compiled.count()
        return str(
            statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        )


def zone_differences(engine: Engine, duck: Any, as_of: date, days: int = 60) -> list[str]:
    """The customers' zones whose local midnights (`days` before `as_of` to the day after)
    PostgreSQL and DuckDB put at different UTC instants, each with the first such day."""
    brand = get_settings().app.brand_timezone
    with engine.connect() as connection:
        zones = sorted(
            connection.execute(
                text("SELECT DISTINCT coalesce(timezone, :brand) FROM customers"), {"brand": brand}
            ).scalars()
        )
    pairs = [
        (zone, (as_of - timedelta(days=back)).isoformat())
        for zone in zones
        for back in range(days, -2, -1)
        if "'" not in zone
    ]
    if not pairs:
        return []
    values = ", ".join(f"('{zone}', '{day}')" for zone, day in pairs)
    query = (
        "SELECT z, d, timezone(z, CAST(d AS TIMESTAMP)) AS at "
        f"FROM (VALUES {values}) AS t(z, d) ORDER BY z, d"
    )
    with engine.connect() as connection:
        ours = {(z, d): at for z, d, at in connection.execute(text(query))}
    first: dict[str, str] = {}
    for z, d, at in duck.execute(query).fetchall():
        if at != ours[(z, d)] and z not in first:
            first[z] = d
    return [f"{zone} (from {day})" for zone, day in sorted(first.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duckdb", action="store_true")
    parser.add_argument("--json", action="store_true", help="one JSON object per segment")
    args = parser.parse_args()
    engine = build_engine(args.url)
    if args.duckdb and engine.dialect.name != "postgresql":
        parser.error("--duckdb needs a PostgreSQL URL")
    duck = None
    if args.duckdb:
        started = time.perf_counter()
        duck = _duckdb_copy(engine)
        print(f"copied {len(TABLES)} tables into DuckDB in {time.perf_counter() - started:.1f} s")
        with unit_of_work(engine) as session:
            as_of = service.evaluate(session, "vip").as_of
        differing = zone_differences(engine, duck, as_of)
        print("zone data differs (DuckDB vs PostgreSQL): " + (", ".join(differing) or "none"))
    for name in sorted(builtin_segments()):

        def ours(name: str = name) -> int:
            with unit_of_work(engine) as session:
                return service.count(session, service.evaluate(session, name))

        total, times = _timed(ours, args.repeat)
        result: dict[str, Any] = {"segment": name, "count": total, "best": min(times)}
        result["median"] = statistics.median(times)
        line = (
            f"{name:<22} {total:>9,}  best {min(times):6.2f} s  "
            f"median {statistics.median(times):6.2f} s"
        )
        if duck is not None:
            sql = _postgres_sql(engine, name)

            def theirs(sql: str = sql) -> int:
                return int(duck.execute(sql).fetchone()[0])

            duck_total, duck_times = _timed(theirs, args.repeat)
            same = "same" if duck_total == total else f"DIFFERENT ({duck_total:,})"
            line += f"  | duckdb best {min(duck_times):6.2f} s  {same}"
            result |= {"duckdb_count": duck_total, "duckdb_best": min(duck_times)}
        print(json.dumps(result) if args.json else line, flush=True)


if __name__ == "__main__":
    main()
