"""Import speed: `assistant import` beside a raw load of the same CSV files, in one run.

The raw load is what the database can do with no validation at all: PostgreSQL `COPY` of
each file into a table shaped like it, SQLite `executemany` of the csv module's rows; both
then build the same kind of indexes (a key per file, customer/date and product/date).
Each variant runs in its own process on a fresh database, so peak memory (max RSS) is its
own.

    python benchmarks/import_load.py DATA_DIR [--postgres URL] [--sqlite-dir DIR] [--only NAME]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

KINDS = ("products", "customers", "orders", "order_items", "returns")
RAW_SCHEMA = {
    "products": "product_id TEXT PRIMARY KEY, name TEXT, short_name TEXT, category TEXT, "
    "price NUMERIC(12,2), relaunched_at {ts}, improvement_note TEXT, upgrade_product_id TEXT",
    "customers": "customer_id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, "
    "phone TEXT, timezone TEXT, created_at {ts}, sms_consent BOOLEAN, email_consent BOOLEAN, "
    "birthday TEXT, preferred_size TEXT",
    "orders": "order_id TEXT PRIMARY KEY, customer_id TEXT, ordered_at {ts}, total NUMERIC(12,2), "
    "currency TEXT, status TEXT",
    "order_items": "order_id TEXT, product_id TEXT, quantity INTEGER, unit_price NUMERIC(12,2), "
    "PRIMARY KEY (order_id, product_id)",
    "returns": "order_id TEXT, product_id TEXT, returned_at {ts}, reason_code TEXT, note TEXT",
}
RAW_INDEXES = (
    "CREATE INDEX raw_customers_phone ON raw_customers (phone)",
    "CREATE INDEX raw_customers_email ON raw_customers (email)",
    "CREATE INDEX raw_orders_customer ON raw_orders (customer_id, ordered_at)",
    "CREATE INDEX raw_items_product ON raw_order_items (product_id)",
    "CREATE INDEX raw_returns_key ON raw_returns (order_id, product_id, returned_at)",
    "CREATE INDEX raw_returns_product ON raw_returns (product_id, returned_at)",
)


def _rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1


def raw_postgres(data: Path, url: str) -> dict[str, float]:
    import psycopg

    schema = f"bench_raw_{uuid.uuid4().hex[:8]}"
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        started = time.perf_counter()
        with psycopg.connect(dsn, options=f"-csearch_path={schema}") as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            for kind in KINDS:
                conn.execute(
                    f"CREATE TABLE raw_{kind} ({RAW_SCHEMA[kind].format(ts='TIMESTAMPTZ')})"
                )
                with (
                    (data / f"{kind}.csv").open("rb") as source,
                    conn.cursor().copy(
                        f"COPY raw_{kind} FROM STDIN WITH (FORMAT csv, HEADER true)"
                    ) as copy,
                ):
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
            for statement in RAW_INDEXES:
                conn.execute(statement)
            conn.commit()
        return {"seconds": time.perf_counter() - started}
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def raw_sqlite(data: Path, directory: Path) -> dict[str, float]:
    import sqlite3

    path = directory / f"bench-raw-{uuid.uuid4().hex[:8]}.db"
    try:
        started = time.perf_counter()
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-1048576")
        for kind in KINDS:
            conn.execute(f"CREATE TABLE raw_{kind} ({RAW_SCHEMA[kind].format(ts='TEXT')})")
            with (data / f"{kind}.csv").open(encoding="utf-8", newline="") as source:
                reader = csv.reader(source)
                header = next(reader)
                marks = ", ".join("?" for _ in header)
                conn.executemany(f"INSERT INTO raw_{kind} VALUES ({marks})", reader)
        for statement in RAW_INDEXES:
            conn.execute(statement)
        conn.commit()
        conn.close()
        return {"seconds": time.perf_counter() - started}
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def assistant_import(data: Path, url: str) -> dict[str, float]:
    from sqlalchemy import text

    from assistant import migrate
    from assistant.db import build_engine, unit_of_work
    from assistant.ingest.service import import_files

    engine = build_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        report = import_files(session, [data])
    seconds = time.perf_counter() - started
    result: dict[str, float] = {"seconds": seconds}
    for file_report in report.files:
        result[f"{file_report.kind}_seconds"] = round(file_report.seconds, 1)
    with engine.connect() as connection:
        for kind in KINDS:
            result[f"{kind}_rows"] = connection.execute(
                text(f"SELECT count(*) FROM {kind}")
            ).scalar_one()
    engine.dispose()
    return result


def run_variant(name: str, data: Path, postgres: str, sqlite_dir: Path) -> dict[str, float]:
    """Run one variant in this process (called in a child process)."""
    if name == "raw-postgresql":
        return raw_postgres(data, postgres)
    if name == "raw-sqlite":
        return raw_sqlite(data, sqlite_dir)
    if name == "import-postgresql":
        schema = f"bench_imp_{uuid.uuid4().hex[:8]}"
        import psycopg

        dsn = postgres.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
        try:
            separator = "&" if "?" in postgres else "?"
            return assistant_import(data, f"{postgres}{separator}options=-csearch_path%3D{schema}")
        finally:
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
    if name == "import-sqlite":
        path = sqlite_dir / f"bench-import-{uuid.uuid4().hex[:8]}.db"
        try:
            return assistant_import(data, f"sqlite:///{path}")
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    raise SystemExit(f"unknown variant {name}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("data", type=Path)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-dir", type=Path, default=Path("/tmp"))
    parser.add_argument("--only", action="append", help="run only these variants")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        result = run_variant(args.variant, args.data, args.postgres, args.sqlite_dir)
        result["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(result))
        return
    counts = {kind: _rows(args.data / f"{kind}.csv") for kind in KINDS}
    print(f"data: {args.data} {json.dumps(counts)}", flush=True)
    variants = args.only or ["raw-postgresql", "import-postgresql", "raw-sqlite", "import-sqlite"]
    results: dict[str, dict[str, float]] = {}
    for name in variants:
        command = [sys.executable, __file__, str(args.data), "--postgres", args.postgres]
        command += ["--sqlite-dir", str(args.sqlite_dir), "--variant", name]
        child = subprocess.run(command, capture_output=True, text=True, check=False)
        if child.returncode != 0:
            raise SystemExit(f"{name} failed:\n{child.stderr[-3000:]}")
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"{name:<18} {json.dumps(results[name])}", flush=True)
    for database in ("postgresql", "sqlite"):
        raw, ours = results.get(f"raw-{database}"), results.get(f"import-{database}")
        if raw and ours:
            ratio = ours["seconds"] / raw["seconds"]
            seconds = f"import {ours['seconds']:.1f} s / raw {raw['seconds']:.1f} s"
            print(f"{database}: {seconds} = {ratio:.2f}x")


if __name__ == "__main__":
    main()
