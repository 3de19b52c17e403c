"""What one eval run measured, how a metric compares with the last run, and its tolerances."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Metric:
    """One measure: which way is better and how much worse is still noise (absolute)."""

    name: str
    better: Better
    tolerance: float


# The measures per playbook, in report order. Tolerances are absolute; see docs/evals.md.
METRICS: tuple[Metric, ...] = (
    Metric("guardrail_pass_rate", "higher", 0.05),
    Metric("fact_coverage", "higher", 0.05),
    Metric("mean_chars", "lower", 10.0),
    Metric("max_chars", "lower", 20.0),
    Metric("mean_segments", "lower", 0.1),
    Metric("max_segments", "lower", 0.0),
    Metric("top_opening_share", "lower", 0.1),
    Metric("banned_word_hits", "lower", 0.0),
    Metric("failures", "lower", 0.0),
)
METRICS_BY_NAME = {m.name: m for m in METRICS}


@dataclass
class PlaybookResult:
    """The measures of one playbook's drafts (see docs/evals.md for each)."""

    drafts: int = 0
    failures: int = 0
    guardrail_pass_rate: float = 0.0
    facts_cited: int = 0
    facts_available: int = 0
    fact_coverage: float = 0.0
    mean_chars: float = 0.0
    max_chars: int = 0
    mean_segments: float = 0.0
    max_segments: int = 0
    top_opening_share: float = 0.0
    banned_word_hits: int = 0
    banned_words: dict[str, int] = field(default_factory=dict)

    def value(self, name: str) -> float:
        return float(getattr(self, name))


@dataclass
class Delta:
    """One metric against the baseline run; `worse` when past its tolerance the wrong way."""

    playbook: str
    metric: str
    before: float
    after: float
    worse: bool

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass
class EvalRun:
    """One recorded run: when, with which drafter, prompts and brand, and what it measured."""

    started_at: str
    drafter: str
    model: str | None
    prompt_versions: dict[str, str]
    brand_hash: str
    playbooks: dict[str, PlaybookResult]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalRun:
        return cls(
            started_at=str(data["started_at"]),
            drafter=str(data["drafter"]),
            model=data.get("model"),
            prompt_versions=dict(data.get("prompt_versions", {})),
            brand_hash=str(data.get("brand_hash", "")),
            playbooks={
                name: PlaybookResult(**values) for name, values in data["playbooks"].items()
            },
        )
