"""`assistant triggers list|run|explain`: summaries, a dry run that writes nothing, and
triggers.yaml mistakes as one line with exit code 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.drafting.brand import DEFAULT_PROMPTS_DIR
from assistant.models import Campaign, CampaignMember, Draft, TriggerOccasion
from tests.clitools import invoke


def _rows(engine: Engine) -> list[int]:
    with unit_of_work(engine) as session:
        return [
            int(session.execute(select(func.count()).select_from(model)).scalar_one())
            for model in (Campaign, CampaignMember, Draft, TriggerOccasion)
        ]


def test_dry_run_says_what_would_be_queued_and_writes_nothing(store: Engine) -> None:
    result = invoke("triggers", "run", "--as-of", "2026-11-20", "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dry_run"] is True and summary["queued"] == 10
    purchase = next(s for s in summary["triggers"] if s["trigger"] == "purchase")
    assert (purchase["matched"], purchase["queued"], purchase["skipped"]) == (
        3,
        2,
        {"no_consent": 1},
    )
    assert _rows(store) == [0, 0, 0, 0]


def test_run_queues_and_prints_per_trigger(store: Engine) -> None:
    result = invoke("triggers", "run", "--as-of", "2026-11-20", "--trigger", "milestone_crossed")
    assert result.exit_code == 0, result.output
    assert "queued 6" in result.output
    assert "milestone_crossed" in result.output and "purchase" not in result.output
    campaigns, members, drafts, occasions = _rows(store)
    assert (campaigns, members, occasions) == (1, 6, 6)
    assert drafts == 6  # drafted in-process (no broker), offline


def test_explain_says_why_for_each_trigger(store: Engine) -> None:
    result = invoke("triggers", "explain", "C02", "--as-of", "2026-11-20", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    by_trigger = {t["trigger"]: t for t in document["triggers"]}
    assert by_trigger["purchase"]["reason"] == "no_consent"
    assert by_trigger["milestone_crossed"]["reason"] == "no_occasion"
    table = invoke("triggers", "explain", "C02", "--as-of", "2026-11-20")
    assert "no sms consent: order:O02-1 waits" in table.output
    missing = invoke("triggers", "explain", "NOPE")
    assert missing.exit_code == 2 and "no customer 'NOPE'" in missing.output


def test_list_shows_the_shipped_triggers(engine: Engine) -> None:
    result = invoke("triggers", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    triggers = {t["name"]: t for t in json.loads(result.output)}
    assert set(triggers) == {
        "purchase",
        "milestone_crossed",
        "product_relaunched",
        "repeat_product",
        "lapsed_high_value",
    }
    assert triggers["purchase"]["params"]["days"] == 5
    assert triggers["purchase"]["steps"][0]["after_days"] == 14


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (
            ("playbook: check_in", "playbook: chek_in"),
            "triggers.purchase.playbook: unknown playbook 'chek_in' (did you mean 'check_in'?)",
        ),
        (
            ("    days: 5 ", "    dayz: 5 "),
            "triggers.purchase.dayz: unknown parameter for a purchase trigger "
            "(did you mean 'days'?)",
        ),
        (
            ("  milestone_crossed:\n", "  milestone_crossed:\n    kind: milestone\n"),
            "triggers.milestone_crossed.kind: unknown trigger kind 'milestone' (did you mean "
            "'milestone_crossed'?)",
        ),
        (
            ("lifetime_spend: 5000", "lifetime_spend: lots"),
            "triggers.milestone_crossed.lifetime_spend: must be a number above 0 (got 'lots')",
        ),
        (
            ("      - after_days: 14", "      - after_days: 0"),
            "triggers.purchase.steps[0].after_days: must be a whole number of days, at least 1",
        ),
        (("\ntriggers:\n", "\ntriggers: [\n"), "not valid YAML (line"),
    ],
)
def test_a_mistake_in_triggers_yaml_is_one_line_and_exit_2(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    replace: tuple[str, str],
    expected: str,
) -> None:
    folder = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, folder)
    path = folder / "triggers.yaml"
    text = path.read_text()
    assert replace[0] in text
    path.write_text(text.replace(replace[0], replace[1], 1))
    monkeypatch.setenv("ASSISTANT_PROMPTS_DIR", str(folder))
    get_settings.cache_clear()
    for command in (("triggers", "list"), ("triggers", "run", "--dry-run")):
        result = invoke(*command)
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, result.output
        assert lines[0].startswith(f"error: {path}: ") or str(path) in lines[0]
        assert expected in lines[0]
