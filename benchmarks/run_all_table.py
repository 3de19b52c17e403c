"""The table `benchmarks/run_all.py` writes: figures read from each step's output, ratios
against the targets, and the docs block they replace."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

BEGIN, END = "<!-- run_all:begin -->", "<!-- run_all:end -->"
NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "": "-"}
# Targets: import (`assistant import` / raw load), full refresh (/ DuckDB's same SQL).
IMPORT_TARGET = {"postgresql": 2.0, "sqlite": 1.5}
REFRESH_TARGET = {"postgresql": 3.0, "sqlite": 5.0}
INCREMENTAL_TARGET = 0.10
SEGMENT_SECONDS, SQLITE_SEGMENT_RATIO = 1.0, 3.0
# Steps that only make the store a later step reads (not benchmarks themselves).
PREPARATIONS = {"load": "load the store (import, refresh)", "refresh": "refresh the metrics"}


@dataclass
class Outcome:
    """How one child process of the run ended, what it printed, and the load around it."""

    name: str
    database: str
    ok: bool
    seconds: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    lines: list[str] = field(default_factory=list)
    error: str = ""

    def json_lines(self) -> list[dict[str, Any]]:
        """The JSON objects it printed, one a line."""
        found = []
        for line in self.lines:
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found


@dataclass
class Row:
    """One line of the table."""

    step: str
    database: str
    figure: str
    against: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""
    load: str = ""


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _load(outcome: Outcome) -> str:
    return f"{outcome.load_before[0]:.2f} → {outcome.load_after[0]:.2f}"


def _failed(outcome: Outcome, step: str, target: str = "") -> Row:
    error = outcome.error.replace("|", "/") or "no figures in its output"
    figure = f"**failed**: {error}"
    return Row(step, NAMES[outcome.database], figure, "", "", target, "-", _load(outcome))


def generate_rows(outcome: Outcome | None, params: dict[str, Any]) -> list[Row]:
    what = f"{params['customers']:,} customers, seed {params['seed']}, as of {params['as_of']}"
    if outcome is None:
        return [Row("generate", "-", f"reused ({what})")]
    if not outcome.ok:
        return [_failed(outcome, "generate")]
    return [Row("generate", "-", f"{outcome.seconds:.1f} s ({what})", load=_load(outcome))]


def import_rows(by_name: dict[str, Outcome], database: str) -> list[Row]:
    raw, ours = by_name.get(f"import:raw-{database}"), by_name.get(f"import:{database}")
    if raw is None or ours is None:
        return []
    target = IMPORT_TARGET[database]
    for outcome in (raw, ours):
        if not outcome.ok or not outcome.json_lines():
            return [_failed(outcome, "import", f"≤ {target:g}x")]
    raw_s, ours_s = raw.json_lines()[-1]["seconds"], ours.json_lines()[-1]["seconds"]
    ratio = ours_s / raw_s
    return [
        Row(
            "import (`assistant import` / raw load)",
            NAMES[database],
            f"{ours_s:.1f} s",
            f"raw {raw_s:.1f} s",
            f"**{ratio:.2f}x**",
            f"≤ {target:g}x",
            _met(ratio <= target),
            f"{raw.load_before[0]:.2f} → {ours.load_after[0]:.2f}",
        )
    ]


_DUCK = re.compile(r"^duckdb\s+([\d.]+) s")
_FULL = re.compile(r"^(postgresql|sqlite)\s+full\s+([\d.]+) s\s+[\d.]+x duckdb\s+(.*)$")
_INCREMENTAL = re.compile(
    r"^(postgresql|sqlite)\s+(incremental|FULL \(not incremental\))\s+([\d.]+) s, "
    r"full\s+([\d.]+) s on \S+:\s*([\d.]+)% of full\s+(.*)$"
)


def metrics_rows(outcome: Outcome | None) -> list[Row]:
    if outcome is None:
        return []
    duck = next((float(m[1]) for line in outcome.lines if (m := _DUCK.match(line))), None)
    rows: list[Row] = []
    load = _load(outcome)
    for line in outcome.lines:
        if duck and (m := _FULL.match(line)):
            database, seconds, agree = m[1], float(m[2]), m[3].strip()
            ratio, target = seconds / duck, REFRESH_TARGET[database]
            rows.append(
                Row(
                    f"metrics: full refresh / DuckDB same SQL ({agree})",
                    NAMES[database],
                    f"{seconds:.1f} s",
                    f"DuckDB {duck:.1f} s",
                    f"**{ratio:.2f}x**",
                    f"≤ {target:g}x",
                    _met(ratio <= target),
                    load,
                )
            )
        elif m := _INCREMENTAL.match(line):
            database, kind, incremental, full = m[1], m[2], float(m[3]), float(m[4])
            share = incremental / full
            rows.append(
                Row(
                    f"metrics: {kind} refresh after 1 % new orders ({m[6].strip()})",
                    NAMES[database],
                    f"{incremental:.1f} s",
                    f"full {full:.1f} s",
                    f"**{share:.0%}**",
                    f"≤ {INCREMENTAL_TARGET:.0%}",
                    _met(share <= INCREMENTAL_TARGET and kind == "incremental"),
                    load,
                )
            )
    if not outcome.ok or not rows:
        rows.append(_failed(outcome, "metrics", f"≤ {INCREMENTAL_TARGET:.0%}"))
    return rows


def segment_rows(postgres: Outcome | None, sqlite: Outcome | None) -> list[Row]:
    pg = {r["segment"]: r for r in postgres.json_lines()} if postgres else {}
    lite = {r["segment"]: r for r in sqlite.json_lines()} if sqlite else {}
    rows: list[Row] = []
    for name in sorted(pg.keys() | lite.keys()):
        step = f"segment `{name}`"
        if (ours := pg.get(name)) and postgres:
            against = ""
            if "duckdb_count" in ours:
                same = "same" if ours["duckdb_count"] == ours["count"] else "**different**"
                against = f"DuckDB {ours['duckdb_best']:.2f} s ({ours['duckdb_count']:,}, {same})"
            fast = ours["best"] < SEGMENT_SECONDS
            figure = f"{ours['best']:.2f} s ({ours['count']:,})"
            rows.append(
                Row(step, "PostgreSQL", figure, against, "", "< 1 s", _met(fast), _load(postgres))
            )
        if (theirs := lite.get(name)) and sqlite:
            figure = f"{theirs['best']:.2f} s ({theirs['count']:,})"
            if ours:
                ratio = theirs["best"] / max(ours["best"], 1e-6)
                same = "" if theirs["count"] == ours["count"] else ", **count differs**"
                met = _met(ratio <= SQLITE_SEGMENT_RATIO)
                against, shown = f"PostgreSQL {ours['best']:.2f} s{same}", f"{ratio:.2f}x"
            else:
                against, shown, met = "", "", "-"
            target = f"≤ {SQLITE_SEGMENT_RATIO:g}x PostgreSQL"
            rows.append(Row(step, "SQLite", figure, against, shown, target, met, _load(sqlite)))
    for outcome in (postgres, sqlite):
        if outcome is not None and (not outcome.ok or not outcome.json_lines()):
            rows.append(_failed(outcome, "segments"))
    return rows


def drafting_rows(outcome: Outcome | None) -> list[Row]:
    """The two pipeline lines of drafting_throughput's own table, (a) and (b)."""
    if outcome is None:
        return []
    rows = []
    for line in outcome.lines:
        if line.startswith(("| (a) pipeline", "| (b) pipeline")):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            what, database, figure, target, met = cells
            met = "yes" if met == "yes" else "**no**"
            rows.append(Row(f"drafting {what}", database, figure, "", "", target, met))
    for row in rows:
        row.load = _load(outcome)
    if not outcome.ok or not rows:
        rows.append(_failed(outcome, "drafting"))
    return rows


def table_rows(outcomes: list[Outcome], params: dict[str, Any]) -> list[Row]:
    """Every row of the table, step by step."""
    by_name = {outcome.name: outcome for outcome in outcomes}
    rows = generate_rows(by_name.get("generate"), params)
    for database in ("postgresql", "sqlite"):
        rows += import_rows(by_name, database)
    for outcome in outcomes:
        kind = outcome.name.split(":")[0]
        if kind in PREPARATIONS:
            figure = f"{outcome.seconds:.1f} s (no target)"
            rows.append(
                Row(PREPARATIONS[kind], NAMES[outcome.database], figure, load=_load(outcome))
                if outcome.ok
                else _failed(outcome, PREPARATIONS[kind])
            )
    rows += metrics_rows(by_name.get("metrics"))
    rows += segment_rows(by_name.get("segments:postgresql"), by_name.get("segments:sqlite"))
    rows += drafting_rows(by_name.get("drafting"))
    return rows


def render_block(
    outcomes: list[Outcome],
    *,
    command: str,
    when: datetime,
    commit: str,
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
    generated_with: dict[str, Any],
) -> str:
    """The Markdown between the markers: how the run was made, then the table."""
    start, end = loads
    header = [
        BEGIN,
        f"Run of {when:%Y-%m-%d %H:%M} UTC, commit {commit}:",
        "",
        "```bash",
        command,
        "```",
        "",
        f"Load average (1, 5, 15 min) {start[0]:.2f} {start[1]:.2f} {start[2]:.2f} at the start, "
        f"{end[0]:.2f} {end[1]:.2f} {end[2]:.2f} at the end; each row shows the 1-minute load "
        "before and after its step.",
        "",
        "| step | database | figure | against | ratio | target | met | load before → after |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    body = [
        f"| {r.step} | {r.database} | {r.figure} | {r.against} | {r.ratio} | {r.target} | "
        f"{r.met} | {r.load} |"
        for r in table_rows(outcomes, generated_with)
    ]
    return "\n".join(header + body + [END])


def replace_block(docs: Path, block: str) -> None:
    """Put `block` between the markers in `docs` (appended as a new section when the file has
    no markers), leaving the rest of the file as it was."""
    text = docs.read_text(encoding="utf-8") if docs.exists() else ""
    start, end = text.find(BEGIN), text.find(END)
    if start == -1 or end < start:
        section = "\n## Every benchmark in one run\n\n" + block + "\n"
        docs.write_text(text.rstrip("\n") + "\n" + section, encoding="utf-8")
        return
    docs.write_text(text[:start] + block + text[end + len(END) :], encoding="utf-8")
