"""Comparing a run with its baseline: which way is worse, and the tolerance of each metric."""

from __future__ import annotations

from pathlib import Path

from assistant.evals.schemas import METRICS_BY_NAME, EvalRun, PlaybookResult
from assistant.evals.service import citable_facts, cited, compare, last_run, record


def run(started_at: str, drafter: str = "offline", **values: float) -> EvalRun:
    result = PlaybookResult(drafts=10, guardrail_pass_rate=1.0, fact_coverage=0.8, mean_chars=120)
    for name, value in values.items():
        setattr(result, name, value)
    return EvalRun(
        started_at, drafter, None, {"check_in": "check_in-1"}, "abc", {"check_in": result}
    )


def worse(after: EvalRun, before: EvalRun) -> list[str]:
    return [d.metric for d in compare(after, before) if d.worse]


def test_worse_is_past_the_tolerance_in_the_metric_s_bad_direction() -> None:
    base = run("2026-12-01T00:00:00+00:00")
    pass_tolerance = METRICS_BY_NAME["guardrail_pass_rate"].tolerance
    assert worse(run("b", guardrail_pass_rate=1.0 - pass_tolerance), base) == []
    assert worse(run("b", guardrail_pass_rate=0.9), base) == ["guardrail_pass_rate"]
    assert worse(run("b", guardrail_pass_rate=1.0, fact_coverage=0.9), base) == []  # better
    assert worse(run("b", mean_chars=130), base) == []
    assert worse(run("b", mean_chars=131), base) == ["mean_chars"]
    assert worse(run("b", mean_chars=60), base) == []  # shorter is better
    assert worse(run("b", banned_word_hits=1, top_opening_share=0.2), base) == [
        "top_opening_share",
        "banned_word_hits",
    ]
    assert compare(run("b"), None) == []


def test_the_baseline_is_the_newest_run_of_the_same_drafter(tmp_path: Path) -> None:
    assert last_run(tmp_path / "none", "offline") is None
    record(tmp_path, run("2026-12-01T00:00:00+00:00", mean_chars=100))
    record(tmp_path, run("2026-12-02T00:00:00+00:00", mean_chars=110))
    record(tmp_path, run("2026-12-03T00:00:00+00:00", "openai", mean_chars=300))
    latest = last_run(tmp_path, "offline")
    assert latest is not None and latest.started_at == "2026-12-02T00:00:00+00:00"
    assert latest.playbooks["check_in"].mean_chars == 110
    openai = last_run(tmp_path, "openai")
    assert openai is not None and openai.playbooks["check_in"].mean_chars == 300


def test_facts_cited_are_the_text_facts_a_draft_names() -> None:
    facts = {
        "schema": 1,
        "playbook": "upsell",
        "brand": {"name": "Ember & Oak"},
        "customer": {"first_name": "Zoë", "spend_tier": "top 5%", "first_sms": True},
        "upgrade": {
            "name": "Reserve Ethiopia Whole Bean 1kg",
            "short_name": "Reserve Ethiopia",
            "price": "58.00",
            "category": "consumables",
        },
        "purchase": {"ordered_on": "2026-11-20", "order_number": "O1"},
    }
    assert citable_facts(facts) == ["58.00", "Reserve Ethiopia Whole Bean 1kg", "Zoë"]
    body = "Hi zoë, the Reserve Ethiopia is $58 - want one?"
    assert cited(body, "58.00") and cited(body, "Zoë")
    assert cited(body, "Reserve Ethiopia Whole Bean 1kg", "Reserve Ethiopia")
    assert not cited(body, "Reserve Ethiopia Whole Bean 1kg")
