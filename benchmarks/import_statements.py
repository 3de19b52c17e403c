"""Where an import spends its time: every SQL statement over a threshold, then each file.

    python benchmarks/import_statements.py DATABASE_URL DATA_DIR [--min-seconds 0.5]

The database must be empty (a fresh SQLite file or PostgreSQL schema); it is migrated here.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from assistant import migrate
from assistant.db import build_engine, unit_of_work
from assistant.ingest.service import import_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("data", type=Path)
    parser.add_argument("--min-seconds", type=float, default=0.5)
    args = parser.parse_args()
    engine = build_engine(args.url)
    migrate.upgrade(engine)

    @event.listens_for(engine, "before_cursor_execute")
    def started(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def finished(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seconds = time.perf_counter() - conn.info["started"]
        if seconds >= args.min_seconds:
            print(f"{seconds:7.2f} s  {' '.join(statement.split())[:110]}", flush=True)

    began = time.perf_counter()
    with unit_of_work(engine) as session:
        report = import_files(session, [args.data])
    print(f"{time.perf_counter() - began:7.2f} s  total, committed")
    for file_report in report.files:
        print(f"{file_report.seconds:7.2f} s  {file_report.path.name}")


if __name__ == "__main__":
    main()
