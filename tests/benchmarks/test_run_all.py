"""benchmarks/run_all.py: every step runs and leaves its row in the docs block, and only the
block between the markers is rewritten."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.segments.registry import builtin_segments
from benchmarks.run_all_table import BEGIN, END, Outcome, render_block, replace_block

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
LOADS = (1.0, 1.0, 1.0)


def _outside(text: str) -> str:
    """The file without what is between the markers."""
    return text[: text.index(BEGIN)] + text[text.index(END) :]


def _block(text: str) -> str:
    return text[text.index(BEGIN) : text.index(END)]


def _run_all(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_a_tiny_sqlite_run_writes_every_steps_row(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text(DOCS.read_text(encoding="utf-8"), encoding="utf-8")
    store = tmp_path / "store.db"
    options = ["--customers", "300", "--sqlite", str(store), "--work", str(tmp_path / "work")]
    options += ["--docs", str(docs), "--repeat", "1", "--drafting-customers", "600"]
    options += ["--drafting-drafts", "20", "--drafting-latency", "0"]

    run = _run_all(tmp_path, *options)

    written = docs.read_text(encoding="utf-8")
    block = _block(written)
    assert _outside(written) == _outside(DOCS.read_text(encoding="utf-8"))
    assert "python benchmarks/run_all.py --customers 300 --sqlite FILE" in block
    assert "| generate | - |" in block
    assert "| import (`assistant import` / raw load) | SQLite |" in block
    for name in builtin_segments():
        assert f"| segment `{name}` | SQLite |" in block
    assert "| drafting (b) pipeline, zero latency" in block
    assert "PostgreSQL" not in block.replace("≤ 3x PostgreSQL", "")
    # The store is dropped at the end (no --keep), the generated data is kept for reuse.
    assert not store.exists()
    assert (tmp_path / "work" / "demo" / "customers.csv").exists()
    if importlib.util.find_spec("duckdb") is not None:
        assert run.returncode == 0, run.stdout[-3000:]
        assert "**failed**" not in block
        assert "| metrics: incremental refresh after 1 % new orders (same result) | SQLite" in block
    else:  # the metrics step needs DuckDB for its reference: reported, and the run goes on
        assert run.returncode == 1
        assert "| metrics | SQLite | **failed**" in block or "| metrics | - | **failed**" in block


def test_dry_run_prints_the_plan_without_the_database_url(tmp_path: Path) -> None:
    url = "postgresql+psycopg://someone:secret@db.example:5432/shop"
    options = ["--customers", "50", "--postgres", url, "--sqlite", str(tmp_path / "s.db")]
    run = _run_all(tmp_path, *options, "--work", str(tmp_path / "work"), "--dry-run")

    assert run.returncode == 0, run.stderr
    steps = [line.split()[0] for line in run.stdout.splitlines()]
    assert steps == [
        "generate",
        "import:raw-postgresql",
        "import:postgresql",
        "import:raw-sqlite",
        "import:sqlite",
        "metrics",
        "segments:postgresql",
        "segments:sqlite",
        "drafting",
    ]
    assert "secret" not in run.stdout
    assert not (tmp_path / "s.db").exists()


def test_without_a_database_it_says_what_to_give(tmp_path: Path) -> None:
    run = _run_all(tmp_path, "--customers", "50")

    assert run.returncode == 2
    assert "give --postgres URL, --sqlite FILE or both" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_failed_step_is_a_row_and_the_other_steps_still_report(tmp_path: Path) -> None:
    failed = Outcome("import:sqlite", "sqlite", False, 1.0, LOADS, LOADS, error="disk full")
    raw = Outcome("import:raw-sqlite", "sqlite", True, 1.0, LOADS, LOADS, ['{"seconds": 2.0}'])
    segments = Outcome("segments:sqlite", "sqlite", True, 1.0, LOADS, (2.0, 1.0, 1.0))
    segments.lines = ['{"segment": "vip", "count": 12, "best": 0.5, "median": 0.6}']
    block = render_block(
        [raw, failed, segments],
        command="python benchmarks/run_all.py --customers 10 --sqlite FILE",
        when=datetime(2026, 12, 8, tzinfo=UTC),
        commit="abc1234 subject",
        loads=(LOADS, LOADS),
        generated_with={"customers": 10, "seed": 1, "as_of": "2026-11-23"},
    )

    assert "| import | SQLite | **failed**: disk full |" in block
    assert "| segment `vip` | SQLite | 0.50 s (12) |" in block
    assert "1.00 → 2.00" in block


def test_only_the_block_between_the_markers_is_replaced(tmp_path: Path) -> None:
    docs = tmp_path / "b.md"
    docs.write_text(f"# Title\n\nbefore\n\n{BEGIN}\nold table\n{END}\n\nafter\n", encoding="utf-8")

    replace_block(docs, f"{BEGIN}\nnew table\n{END}")

    assert docs.read_text(encoding="utf-8") == (
        f"# Title\n\nbefore\n\n{BEGIN}\nnew table\n{END}\n\nafter\n"
    )
