"""Offline evals: the golden set through a drafter and the guardrails, measured, recorded and
compared with the last recorded run of the same drafter.

The drafter is built like production (`DrafterFactory`, i.e. `assistant.wiring.build_drafter`)
and every draft goes through `assistant.drafting.generate.generate`: the prompt template,
the guardrails and one regeneration on a block, exactly as a campaign drafts.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.drafting.brand import Brand, prompts_dir
from assistant.drafting.factory import DrafterFactory
from assistant.drafting.generate import Outcome, Toolkit, generate
from assistant.drafting.guardrails import GuardrailPolicy, blocking
from assistant.drafting.guardrails.known import leaves
from assistant.drafting.guardrails.text import fold
from assistant.drafting.openings import top_opening_share
from assistant.drafting.prompts import load_prompt
from assistant.drafting.retry import Backoff
from assistant.drafting.sms_segments import analyse
from assistant.evals.golden import PLAYBOOKS, GoldenSet
from assistant.evals.schemas import METRICS, Delta, EvalRun, PlaybookResult

# Fact groups that steer rendering, not content a draft could cite.
_NOT_CONTENT = frozenset({"schema", "playbook", "channel", "brand", "conversation", "inbound"})
# Leaves a draft is not expected to restate: states, internal ids, the spend tier (never
# written about) and short names (another form of a name already counted).
_NOT_CITED = frozenset(
    {"kind", "category", "currency", "first_sms", "spend_tier", "order_number", "short_name"}
)
_WHOLE_PRICE = re.compile(r"(\d+)\.00")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUOTED = re.compile(r'"([^"]+)"')
RUN_SUFFIX = ".json"
# Drafts requested at once: a real model answers a golden set in seconds, not minutes.
CONCURRENCY = 4


class EvalError(ValueError):
    """The eval cannot run as asked (unknown playbook or drafter, unreadable run file)."""


def citable_facts(facts: Mapping[str, Any]) -> list[str]:
    """The text facts a draft could cite: names, products, milestones, reasons, offers.

    Numbers, dates and codes-of-state (`kind`, `category`) are left out: a draft restates them
    in too many forms to count fairly by text.
    """
    values: list[str] = []
    for key, group in facts.items():
        if key in _NOT_CONTENT or group is None:
            continue
        for leaf in leaves({key: group}):
            text = leaf.value
            if (
                isinstance(text, str)
                and len(text) >= 3
                and leaf.key not in _NOT_CITED
                and not _ISO_DATE.fullmatch(text)
            ):
                values.append(text)
    return sorted(set(values))


def cited(body: str, value: str, short: str | None = None) -> bool:
    """Whether `body` names `value` (or its short name), ignoring case and typography."""
    text = fold(body).lower()
    whole = _WHOLE_PRICE.fullmatch(value)  # "58.00" is also cited as "$58"
    forms = (value, short, f"${whole.group(1)}" if whole else None)
    return any(fold(v).lower() in text for v in forms if v)


def _short_names(facts: Mapping[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for leaf in leaves(facts):
        if leaf.key == "short_name" and isinstance(leaf.value, str):
            full = leaf.parent.get("name") or leaf.parent.get("product")
            if isinstance(full, str):
                names[full] = leaf.value
    return names


def measure(outcomes: Sequence[Outcome]) -> PlaybookResult:
    """The measures of one playbook's outcomes (see docs/evals.md)."""
    drafted = [o for o in outcomes if o.drafted]
    result = PlaybookResult(drafts=len(drafted), failures=len(outcomes) - len(drafted))
    if not drafted:
        return result
    passed = [o for o in drafted if not blocking(o.findings) and not o.first_findings]
    result.guardrail_pass_rate = round(len(passed) / len(drafted), 4)
    for outcome in drafted:
        available = citable_facts(outcome.facts)
        shorts = _short_names(outcome.facts)
        result.facts_available += len(available)
        result.facts_cited += sum(cited(outcome.body, v, shorts.get(v)) for v in available)
    if result.facts_available:
        result.fact_coverage = round(result.facts_cited / result.facts_available, 4)
    lengths = [len(o.body) for o in drafted]
    segments = [analyse(o.body).segments for o in drafted]
    result.mean_chars = round(statistics.fmean(lengths), 1)
    result.max_chars = max(lengths)
    result.mean_segments = round(statistics.fmean(segments), 2)
    result.max_segments = max(segments)
    result.top_opening_share = round(top_opening_share([(o.body, o.facts) for o in drafted]), 4)
    banned: Counter[str] = Counter()
    for outcome in drafted:
        for item in outcome.findings:
            if item.code == "banned_phrase":
                phrase = _QUOTED.search(item.message)
                banned[phrase.group(1) if phrase else item.message] += 1
    result.banned_word_hits = sum(banned.values())
    result.banned_words = dict(sorted(banned.items()))
    return result


def brand_hash(folder: Path) -> str:
    """The first 12 hex digits of brand.yaml's SHA-256 (which brand a run used)."""
    path = folder / "brand.yaml"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else ""


async def _draft_all(kit: Toolkit, cases: Sequence[Mapping[str, Any]]) -> list[Outcome]:
    """Every case drafted, at most CONCURRENCY at once, in the golden set's order."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int, facts: Mapping[str, Any]) -> Outcome:
        async with gate:
            return await generate(kit, index, dict(facts), variant=index)

    return list(await asyncio.gather(*(one(i, f) for i, f in enumerate(cases))))


async def run_eval(
    golden: GoldenSet,
    *,
    settings: Settings,
    brand: Brand,
    factory: DrafterFactory,
    drafter_name: str,
    playbooks: Sequence[str] = PLAYBOOKS,
    now: datetime,
) -> EvalRun:
    """Draft every golden case of `playbooks` and measure each playbook."""
    unknown = [p for p in playbooks if p not in golden.cases]
    if unknown:
        raise EvalError(f"unknown playbook {unknown[0]!r}; use one of {', '.join(PLAYBOOKS)}")
    folder = prompts_dir()
    policy = GuardrailPolicy.from_brand(brand, catalog_names=golden.catalog_names)
    drafter = factory(settings, brand)
    results: dict[str, PlaybookResult] = {}
    versions: dict[str, str] = {}
    model: str | None = None
    try:
        for playbook in playbooks:
            template = load_prompt(playbook, folder)
            versions[playbook] = template.version
            kit = Toolkit(
                drafter=drafter,
                template=template,
                brand=brand,
                policy=policy,
                playbook=playbook,
                channel="sms" if golden.channel == "sms" else "email",
                backoff=Backoff(max_retries=2, base=0.05, cap=0.5),
                delivery_channel=golden.channel,
            )
            outcomes = await _draft_all(kit, golden.cases[playbook])
            model = next((o.model for o in outcomes if o.model), model)
            results[playbook] = measure(outcomes)
    finally:
        await drafter.aclose()
    return EvalRun(
        started_at=now.isoformat(),
        drafter=drafter_name,
        model=model,
        prompt_versions=versions,
        brand_hash=brand_hash(folder),
        playbooks=results,
    )


def compare(run: EvalRun, baseline: EvalRun | None) -> list[Delta]:
    """Every metric of every playbook both runs measured, `worse` past its tolerance."""
    if baseline is None:
        return []
    deltas: list[Delta] = []
    for playbook, result in run.playbooks.items():
        before = baseline.playbooks.get(playbook)
        if before is None:
            continue
        for metric in METRICS:
            old, new = before.value(metric.name), result.value(metric.name)
            change = new - old if metric.better == "lower" else old - new
            deltas.append(Delta(playbook, metric.name, old, new, change > metric.tolerance + 1e-9))
    return deltas


def last_run(folder: Path, drafter_name: str) -> EvalRun | None:
    """The latest recorded run of `drafter_name` in `folder`, or None."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob(f"*-{drafter_name}{RUN_SUFFIX}"), reverse=True):
        try:
            return EvalRun.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise EvalError(f"cannot read the recorded eval run {path}: {exc}") from exc
    return None


def record(folder: Path, run: EvalRun) -> Path:
    """Write `run` as `<timestamp>-<drafter>.json` in `folder` (created when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(run.started_at).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{run.drafter}{RUN_SUFFIX}"
    path.write_text(json.dumps(run.as_dict(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path
