"""`assistant eval`: the golden set through the drafter, measured and compared with the last run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.commandline.choices import choose
from assistant.commandline.errors import UserError
from assistant.evals.golden import PLAYBOOKS
from assistant.evals.schemas import METRICS, Delta, EvalRun

DRAFTERS = ("offline", "openai")
FORMATS = ("text", "json")


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.3g}"


def _text_report(run: EvalRun, deltas: list[Delta], baseline: EvalRun | None) -> str:
    lines = [
        f"eval: drafter {run.drafter}"
        + (f" ({run.model})" if run.model else "")
        + f", brand.yaml {run.brand_hash or '-'}",
        "baseline: "
        + (f"{baseline.started_at} ({baseline.brand_hash or '-'})" if baseline else "none"),
    ]
    by_key = {(d.playbook, d.metric): d for d in deltas}
    for playbook, result in run.playbooks.items():
        version = run.prompt_versions.get(playbook, "-")
        lines.append(f"\n{playbook} (prompt {version}, {result.drafts} drafts)")
        lines.append(f"  facts cited/available: {result.facts_cited}/{result.facts_available}")
        if result.banned_words:
            shown = ", ".join(f"{w} x{n}" for w, n in result.banned_words.items())
            lines.append(f"  banned words: {shown}")
        for metric in METRICS:
            row = f"  {metric.name:<20} {_number(result.value(metric.name)):>8}"
            delta = by_key.get((playbook, metric.name))
            if delta is not None and delta.change:
                row += f"  ({delta.change:+.3g})"
                if delta.worse:
                    row += "  WORSE"
            lines.append(row)
    worse = [d for d in deltas if d.worse]
    lines.append(f"\n{len(worse)} metric(s) worse than the baseline beyond tolerance")
    return "\n".join(lines)


def eval_command(
    playbook: Annotated[
        str | None, typer.Option("--playbook", help="One playbook (default: all four).")
    ] = None,
    drafter: Annotated[
        str | None,
        typer.Option("--drafter", help="offline or openai (default: ASSISTANT_LLM)."),
    ] = None,
    fail_on_regression: Annotated[
        bool,
        typer.Option("--fail-on-regression", help="Exit 1 when a metric got worse."),
    ] = False,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Measure and compare, but do not record.")
    ] = False,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Run the shipped golden set through the drafter and guardrails; compare with the last run."""
    from datetime import UTC, datetime

    from assistant.config import get_settings
    from assistant.drafting.brand import PromptsConfigError, load_brand
    from assistant.evals.golden import load_golden
    from assistant.evals.service import EvalError, compare, last_run, record, run_eval
    from assistant.wiring import DrafterConfigError, build_drafter

    choose(output_format, FORMATS, what="format")
    playbooks = PLAYBOOKS if playbook is None else (choose(playbook, PLAYBOOKS, what="playbook"),)
    settings = get_settings()
    name = choose(drafter or settings.llm.provider, DRAFTERS, what="drafter")
    if name != settings.llm.provider:
        llm = settings.llm.model_copy(update={"provider": name})
        settings = settings.model_copy(update={"llm": llm})
    folder = Path(settings.app.eval_dir)
    try:
        brand = load_brand()
        run = asyncio.run(
            run_eval(
                load_golden(),
                settings=settings,
                brand=brand,
                factory=build_drafter,
                drafter_name=name,
                playbooks=playbooks,
                now=datetime.now(UTC),
            )
        )
        baseline = last_run(folder, name)
    except (PromptsConfigError, DrafterConfigError, EvalError) as exc:
        raise UserError(str(exc)) from None
    deltas = compare(run, baseline)
    recorded = None if no_record else record(folder, run)
    worse = [d for d in deltas if d.worse]
    if output_format == "json":
        document = {
            "run": run.as_dict(),
            "baseline": baseline.started_at if baseline else None,
            "deltas": [
                {**vars(d), "change": round(d.change, 4)} for d in deltas if d.change or d.worse
            ],
            "regressions": [f"{d.playbook}.{d.metric}" for d in worse],
            "recorded": str(recorded) if recorded else None,
        }
        typer.echo(json.dumps(document, indent=1))
    else:
        typer.echo(_text_report(run, deltas, baseline))
        if recorded:
            typer.echo(f"recorded {recorded}")
    if worse and fail_on_regression:
        raise typer.Exit(1)
