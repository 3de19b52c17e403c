"""Every benchmark in one run, side by side, written as one table into docs/benchmarks.md.

    python benchmarks/run_all.py --customers 1000000 --postgres URL --sqlite FILE
        [--work DIR] [--only STEP]... [--keep] [--dry-run] [--docs PATH]

Steps, in this order, each in its own process (a failing step is reported in the table and
the run goes on):

  generate  `assistant demo-data` into WORK/demo, reused when already generated with the same
            customers, seed and as-of day
  import    raw load against `assistant import` on each database (benchmarks/import_load.py);
            the import is the run's store: a new schema in URL's database, the file FILE
  metrics   full refresh beside DuckDB running the same SQL, then an incremental refresh after
            1 % new orders against a full one (benchmarks/metrics_refresh.py)
  segments  every built-in segment count on each database, DuckDB beside PostgreSQL
            (benchmarks/segment_counts.py)
  drafting  benchmarks/drafting_throughput.py at a small size (its own demo stores)

`--only STEP` runs some steps; those needing a store when `import` is not run load one
(import and refresh, untimed) unless a store kept by an earlier `--keep` run is there.
`--keep` keeps the run's store (schema and SQLite file) for the next run with the same
databases and data, which reuses it; otherwise both are dropped at the end. The URL's
database only gets schemas this tool (or the benchmarks it runs) creates and drops; nothing
else in it is touched. The table replaces what is between `<!-- run_all:begin -->` and
`<!-- run_all:end -->` in `--docs`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run_all_table import Outcome, render_block, replace_block  # noqa: E402

STEPS = ("generate", "import", "metrics", "segments", "drafting")
DATABASES = ("postgresql", "sqlite")
STATE = "run_all.json"


@dataclass
class Step:
    """One child process of the run."""

    name: str  # e.g. "import:raw-postgresql"
    command: list[str]
    database: str = ""
    needs: str = ""  # the store's state the step reads: "imported" or "refreshed"


@dataclass
class Store:
    """Where the run's store lives: a schema of the PostgreSQL database, a SQLite file."""

    postgres: str | None
    sqlite: Path | None
    schema: str
    # Per database: "imported", or "refreshed" (imported and metrics refreshed).
    loaded: dict[str, str] = field(default_factory=dict)

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of the store on `database`."""
        if database == "sqlite":
            return f"sqlite:///{self.sqlite}"
        from sqlalchemy.engine import make_url

        assert self.postgres is not None
        scoped = make_url(self.postgres).update_query_dict(
            {"options": f"-csearch_path={self.schema}"}
        )
        return scoped.render_as_string(hide_password=False)

    def databases(self) -> list[str]:
        return [d for d in DATABASES if (self.postgres if d == "postgresql" else self.sqlite)]

    def create(self, database: str) -> None:
        """A fresh, empty store on `database` (an earlier one of this tool is dropped)."""
        self.drop(database)
        if database == "postgresql":
            _admin(self.postgres, f"CREATE SCHEMA {self.schema}")
        self.loaded[database] = ""

    def drop(self, database: str) -> None:
        if database == "postgresql":
            _admin(self.postgres, f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        elif self.sqlite is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.sqlite}{suffix}").unlink(missing_ok=True)
        self.loaded.pop(database, None)


def _admin(url: str | None, statement: str) -> None:
    from sqlalchemy import create_engine, text

    assert url is not None
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


# --- what runs in the child processes -------------------------------------------------------


def child(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """Run one import variant or a store load in this process; its figures."""
    from benchmarks import import_load

    data = Path(options.get("data", "."))
    if kind == "raw-postgresql":
        return import_load.raw_postgres(data, options["url"])
    if kind == "raw-sqlite":
        return import_load.raw_sqlite(data, Path(options["directory"]))
    if kind == "import":
        return import_load.assistant_import(data, options["url"])
    if kind == "refresh":
        from assistant.db import build_engine, unit_of_work
        from assistant.metrics.service import refresh

        started = time.perf_counter()
        engine = build_engine(options["url"])
        with unit_of_work(engine) as session:
            refresh(session, date.fromisoformat(options["as_of"]))
        engine.dispose()
        return {"seconds": time.perf_counter() - started}
    if kind == "load":
        from assistant.demo.store import load_demo_store

        started = time.perf_counter()
        # It reads (or would generate) FOLDER/demo: the generate step's `data`.
        engine = load_demo_store(
            options["url"],
            data.parent,
            customers=options["customers"],
            seed=options["seed"],
            as_of=date.fromisoformat(options["as_of"]),
        )
        engine.dispose()
        return {"seconds": time.perf_counter() - started}
    raise SystemExit(f"unknown child step {kind}")


def _child_command(kind: str, **options: Any) -> list[str]:
    return [sys.executable, str(Path(__file__)), "--child", kind, json.dumps(options)]


# --- the plan -------------------------------------------------------------------------------


def data_params(args: argparse.Namespace) -> dict[str, Any]:
    return {"customers": args.customers, "seed": args.seed, "as_of": args.as_of.isoformat()}


def _stamp(data: Path) -> Path:
    """Beside the data folder (not in it: `assistant import` reads the folder)."""
    return data.parent / "run_all-data.json"


def data_ready(data: Path, params: dict[str, Any]) -> bool:
    """The demo store in `data` was generated completely with `params`."""
    stamp = _stamp(data)
    return (
        stamp.exists()
        and (data / "customers.csv").exists()
        and (json.loads(stamp.read_text()) == params)
    )


def plan(args: argparse.Namespace, store: Store, data: Path) -> list[Step]:
    """The child processes of the run, in order."""
    wanted = set(args.only or STEPS)
    params = data_params(args)
    steps: list[Step] = []
    if not data_ready(data, params):
        command = [sys.executable, "-m", "assistant.cli", "demo-data", str(data)]
        command += ["--customers", str(args.customers), "--seed", str(args.seed)]
        steps.append(Step("generate", [*command, "--as-of", params["as_of"]]))
    databases = store.databases()
    if "import" in wanted:
        for database in databases:
            if database == "postgresql":
                raw = _child_command("raw-postgresql", data=str(data), url=store.postgres)
            else:
                assert store.sqlite is not None
                directory = str(store.sqlite.parent)
                raw = _child_command("raw-sqlite", data=str(data), directory=directory)
            steps.append(Step(f"import:raw-{database}", raw, database))
            ours = _child_command("import", data=str(data), url=store.url(database))
            steps.append(Step(f"import:{database}", ours, database))
    if "metrics" in wanted:
        command = [sys.executable, str(ROOT / "benchmarks" / "metrics_refresh.py"), str(data)]
        for database in databases:
            command += [f"--{'postgres' if database == 'postgresql' else 'sqlite'}"]
            command += [store.url(database) if database == "postgresql" else str(store.sqlite)]
        command += ["--as-of", params["as_of"]]
        steps.append(Step("metrics", command, needs="imported"))
    if "segments" in wanted:
        for database in databases:
            command = [sys.executable, str(ROOT / "benchmarks" / "segment_counts.py")]
            command += [store.url(database), "--repeat", str(args.repeat), "--json"]
            command += ["--duckdb"] if database == "postgresql" else []
            steps.append(Step(f"segments:{database}", command, database, needs="refreshed"))
    if "drafting" in wanted:
        command = [sys.executable, "-m", "benchmarks.drafting_throughput"]
        command += ["--customers", str(args.drafting_customers)]
        command += ["--drafts", str(args.drafting_drafts)]
        command += ["--latency", str(args.drafting_latency), "--repeat", "1"]
        if store.postgres:
            command += ["--postgres", store.postgres]
        if not store.sqlite:
            command += ["--no-sqlite"]
        steps.append(Step("drafting", command))
    return steps


# --- running --------------------------------------------------------------------------------


def _loads() -> tuple[float, float, float]:
    return os.getloadavg()


def run_step(step: Step, shown: str) -> Outcome:
    """Run one child process, printing its output as it comes; what it printed and how it
    ended, with the load averages before and after."""
    print(f"==> {shown}  (load average {_loads()[0]:.2f})", flush=True)
    before, started = _loads(), time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(
        step.command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            print(f"    {step.name} | {line}", end="", flush=True)
    seconds = time.perf_counter() - started
    outcome = Outcome(step.name, step.database, process.returncode == 0, seconds, before, _loads())
    outcome.lines = lines
    if not outcome.ok:
        outcome.error = _error_line(lines) or f"exit code {process.returncode}"
    status = "done" if outcome.ok else f"FAILED ({outcome.error})"
    print(f"<== {step.name} {status} in {seconds:.1f} s", flush=True)
    return outcome


def _error_line(lines: list[str]) -> str:
    """The line saying why a child failed: its exception, else its last unindented line."""
    exceptions = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line)]
    plain = [line for line in lines if line.strip() and not line[0].isspace()]
    found = (exceptions or plain or [""])[-1]
    return found[:200]


def _redact(command: list[str], store: Store) -> str:
    """A command line for the log, with the database URLs and file left out."""
    shown = []
    for part in command:
        if store.postgres and part.startswith(store.postgres.split("?")[0]):
            part = "URL"
        elif part.startswith("{"):
            part = "'" + re.sub(r'"url": "[^"]*"', '"url": "URL"', part) + "'"
        shown.append(part)
    return " ".join(shown)


def _prepare_store(
    store: Store, database: str, needs: str, data: Path, args: argparse.Namespace
) -> Outcome | None:
    """Bring the store on `database` to what a step `needs`: load it (import and refresh) when
    it is not there, refresh its metrics when only imported; None when it is ready."""
    state = store.loaded.get(database, "")
    if state == "refreshed" or state == needs:
        return None
    if state == "imported":
        kind, options = "refresh", {"url": store.url(database), "as_of": args.as_of.isoformat()}
    else:
        store.create(database)
        kind, options = "load", {"data": str(data), "url": store.url(database)}
        options |= data_params(args)
    step = Step(f"{kind}:{database}", _child_command(kind, **options), database)
    outcome = run_step(step, step.name)
    store.loaded[database] = "refreshed" if outcome.ok else ""
    return outcome


def _step_databases(step: Step, store: Store) -> list[str]:
    return [step.database] if step.database else store.databases()


def execute(args: argparse.Namespace, store: Store, data: Path) -> list[Outcome]:
    """Run the plan; the outcome of every step (and of any store load it needed)."""
    outcomes: list[Outcome] = []
    for step in plan(args, store, data):
        if step.name == f"import:{step.database}":
            store.create(step.database)
        if step.needs:
            for database in _step_databases(step, store):
                prepared = _prepare_store(store, database, step.needs, data, args)
                outcomes += [prepared] if prepared else []
            if any(not store.loaded.get(d) for d in _step_databases(step, store)):
                loads = _loads()
                outcome = Outcome(step.name, step.database, False, 0.0, loads, loads)
                outcome.error = "not run: its store could not be made"
                outcomes.append(outcome)
                continue
        if step.name == "generate":
            _stamp(data).unlink(missing_ok=True)
            shutil.rmtree(data, ignore_errors=True)
        outcome = run_step(step, _redact(step.command, store))
        if step.name == "generate" and outcome.ok:
            _stamp(data).write_text(json.dumps(data_params(args)))
        if step.name == f"import:{step.database}":
            store.loaded[step.database] = "imported" if outcome.ok else ""
        if step.name == "metrics" and outcome.ok:
            store.loaded |= {database: "refreshed" for database in store.databases()}
        outcomes.append(outcome)
    return outcomes


def _state(work: Path) -> dict[str, Any]:
    path = work / STATE
    return json.loads(path.read_text()) if path.exists() else {}


def open_store(args: argparse.Namespace, work: Path) -> Store:
    """The run's store: the kept one of an earlier `--keep` run with the same databases, or a
    new one (a SQLite FILE that exists and is not this tool's is refused)."""
    state = _state(work)
    kept = state.get("store", {})
    sqlite = args.sqlite.resolve() if args.sqlite else None
    same = kept.get("postgres") == args.postgres and kept.get("sqlite") == str(sqlite)
    if same and kept.get("data") == data_params(args):
        return Store(args.postgres, sqlite, kept["schema"], dict(kept.get("loaded", {})))
    if kept:  # an earlier run's store that this run does not reuse: dropped
        old_sqlite = Path(kept["sqlite"]) if kept.get("sqlite") else None
        old = Store(kept.get("postgres"), old_sqlite, kept["schema"], dict(kept["loaded"]))
        for database in list(old.loaded):
            old.drop(database)
        (work / STATE).unlink()
    if sqlite is not None and sqlite.exists():
        raise SystemExit(f"{args.sqlite} exists and is not a store of this tool: remove it first")
    return Store(args.postgres, sqlite, f"run_all_{uuid.uuid4().hex[:8]}")


def close_store(args: argparse.Namespace, store: Store, work: Path) -> None:
    """Keep the store for a later run (`--keep`), or drop it."""
    if args.keep:
        kept = {
            "postgres": store.postgres,
            "sqlite": str(store.sqlite) if store.sqlite else None,
            "schema": store.schema,
            "loaded": store.loaded,
            "data": data_params(args),
        }
        (work / STATE).write_text(json.dumps({"store": kept}, indent=2))
        return
    for database in list(store.loaded):
        store.drop(database)
    (work / STATE).unlink(missing_ok=True)


def commit() -> str:
    """The checked-out commit (short hash and subject), marked when the tree has changes."""
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    head = head if len(head) <= 80 else head[:77] + "..."
    return f"{head} (with uncommitted changes)" if dirty else head or "unknown"


def shown_command(args: argparse.Namespace) -> str:
    """The command of the run as the docs show it, the database locations as placeholders."""
    parts = ["python benchmarks/run_all.py", f"--customers {args.customers}"]
    parts += ["--postgres URL"] if args.postgres else []
    parts += ["--sqlite FILE"] if args.sqlite else []
    parts += [f"--only {step}" for step in args.only or []]
    return " ".join(parts)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--postgres", metavar="URL", help="a database to make a schema in")
    parser.add_argument("--sqlite", metavar="FILE", type=Path, help="the SQLite store's file")
    parser.add_argument("--work", type=Path, help="where the demo store is generated")
    parser.add_argument("--only", action="append", choices=STEPS, help="run only this step")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the loaded store")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each segment count")
    parser.add_argument("--drafting-customers", type=int, default=10_000)
    parser.add_argument("--drafting-drafts", type=int, default=800)
    parser.add_argument("--drafting-latency", type=float, default=1.0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.child and not (args.postgres or args.sqlite):
        parser.error("give --postgres URL, --sqlite FILE or both")
    if args.customers < 1 or args.repeat < 1:
        parser.error("--customers and --repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], json.loads(args.child[1]))), flush=True)
        return
    work = args.work or Path("/tmp") / f"run_all-{args.customers}"
    work.mkdir(parents=True, exist_ok=True)
    data = work / "demo"
    store = open_store(args, work)
    if args.postgres and not args.dry_run:
        try:
            _admin(args.postgres, "SELECT 1")
        except Exception as error:  # any driver or URL error: say it plainly, no traceback
            raise SystemExit(f"cannot use the PostgreSQL database: {error}") from None
    if args.dry_run:
        for step in plan(args, store, data):
            print(f"{step.name:<22} {_redact(step.command, store)}")
        return
    started_at, start_load = datetime.now(UTC), _loads()
    outcomes: list[Outcome] = []
    try:
        outcomes = execute(args, store, data)
    finally:
        close_store(args, store, work)
    block = render_block(
        outcomes,
        command=shown_command(args),
        when=started_at,
        commit=commit(),
        loads=(start_load, _loads()),
        generated_with=data_params(args),
    )
    replace_block(args.docs, block)
    print(f"\nwrote the table to {args.docs}:\n\n{block}")
    if not all(outcome.ok for outcome in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
