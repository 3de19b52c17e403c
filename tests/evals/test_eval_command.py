"""`assistant eval`: the golden set through the drafter, recorded, compared and flagged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.config import get_settings
from assistant.drafting.brand import DEFAULT_PROMPTS_DIR
from assistant.evals.golden import PLAYBOOKS, load_golden
from tests.clitools import invoke
from tests.fakes.openai_server import running_fake_openai


def run_json(*args: str, code: int = 0) -> dict[str, Any]:
    result = invoke("eval", "--format", "json", *args)
    assert result.exit_code == code, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def setenv(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def banning_you(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the shipped prompts whose brand.yaml bans a word most drafts use."""
    prompts = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, prompts)
    brand = prompts / "brand.yaml"
    text = brand.read_text(encoding="utf-8")
    assert "words_to_avoid:\n" in text
    brand.write_text(text.replace("words_to_avoid:\n", "words_to_avoid:\n  - you\n"), "utf-8")
    setenv(monkeypatch, "ASSISTANT_PROMPTS_DIR", str(prompts))


def recorded(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def test_the_golden_set_holds_every_playbook_and_only_demo_data() -> None:
    golden = load_golden()
    assert golden.channel == "sms"
    for playbook in PLAYBOOKS:
        cases = golden.cases[playbook]
        assert len(cases) >= 10
        assert all(case["playbook"] == playbook for case in cases)
        # First names only: no surname, phone or email anywhere in a receipt.
        assert all(
            set(case["customer"])
            <= {"first_name", "first_sms", "customer_since", "tenure_years", "spend_tier"}
            for case in cases
        )


def test_an_offline_run_is_deterministic_records_and_has_no_regression(tmp_path: Path) -> None:
    first = run_json()
    folder = tmp_path / ".assistant" / "evals"
    assert [p.name for p in recorded(folder)] == [Path(first["recorded"]).name]
    assert first["baseline"] is None and first["regressions"] == []
    run = first["run"]
    assert run["drafter"] == "offline" and set(run["playbooks"]) == set(PLAYBOOKS)
    assert run["prompt_versions"]["check_in"] == "check_in-1"
    assert len(run["brand_hash"]) == 12
    for result in run["playbooks"].values():
        assert result["drafts"] >= 10 and result["failures"] == 0
        assert result["guardrail_pass_rate"] == 1.0
        assert 0 < result["facts_cited"] <= result["facts_available"]
        assert result["max_segments"] >= 1 and result["mean_chars"] > 0
        assert 0 < result["top_opening_share"] < 0.5
        assert result["banned_word_hits"] == 0

    second = run_json()
    assert second["baseline"] == run["started_at"]
    assert second["deltas"] == [] and second["regressions"] == []
    assert second["run"]["playbooks"] == run["playbooks"]
    assert len(recorded(folder)) == 2


def test_no_record_leaves_the_folder_alone_and_eval_dir_is_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setenv(monkeypatch, "ASSISTANT_EVAL_DIR", str(tmp_path / "runs"))
    assert run_json("--no-record", "--playbook", "upsell")["recorded"] is None
    assert not (tmp_path / "runs").exists()
    document = run_json("--playbook", "upsell")
    assert list(document["run"]["playbooks"]) == ["upsell"]
    assert len(recorded(tmp_path / "runs")) == 1


def test_a_brand_change_that_bans_a_word_the_drafts_use_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_json()  # the baseline, with the shipped prompts
    banning_you(tmp_path, monkeypatch)

    looked = run_json("--no-record")  # without --fail-on-regression: reported, exit 0
    assert looked["regressions"]
    worse = run_json("--fail-on-regression", code=1)
    assert "recognition.banned_word_hits" in worse["regressions"]
    assert any(r.endswith(".guardrail_pass_rate") for r in worse["regressions"])
    hits = worse["run"]["playbooks"]["recognition"]
    assert hits["banned_word_hits"] > 0 and hits["banned_words"]["you"] > 0

    text = invoke("eval", "--no-record")
    assert text.exit_code == 0
    assert "WORSE" not in text.stdout  # compared with the last run, which was already as bad
    assert "banned words: you" in text.stdout


def test_a_text_report_names_each_regression(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_json()
    banning_you(tmp_path, monkeypatch)
    result = invoke("eval", "--fail-on-regression", "--no-record")
    assert result.exit_code == 1
    assert "banned_word_hits" in result.stdout and "WORSE" in result.stdout
    assert "worse than the baseline beyond tolerance" in result.stdout


def test_the_openai_drafter_runs_against_an_openai_compatible_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_json()  # an offline run is not the openai drafter's baseline
    with running_fake_openai() as server:
        setenv(monkeypatch, "OPENAI_BASE_URL", server.base_url)
        document = run_json("--drafter", "openai", "--playbook", "check_in")
        calls = len(server.requests)
    assert document["baseline"] is None
    run = document["run"]
    assert run["drafter"] == "openai" and run["model"]
    result = run["playbooks"]["check_in"]
    assert result["drafts"] == len(load_golden().cases["check_in"])
    assert calls >= result["drafts"]
    assert result["facts_cited"] > 0
    assert len(recorded(tmp_path / ".assistant" / "evals")) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--playbook", "recogniton"), "unknown playbook 'recogniton'"),
        (("--drafter", "claude"), "unknown drafter 'claude'"),
        (("--format", "xml"), "unknown format 'xml'"),
    ],
)
def test_a_bad_choice_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = invoke("eval", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_openai_without_a_server_or_key_is_one_line_and_exit_2() -> None:
    result = invoke("eval", "--drafter", "openai")
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_template_that_drops_the_facts_is_flagged_for_a_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_fake_openai() as server:
        setenv(monkeypatch, "OPENAI_BASE_URL", server.base_url)
        before = run_json("--drafter", "openai", "--playbook", "check_in")
        prompts = tmp_path / "prompts"
        shutil.copytree(DEFAULT_PROMPTS_DIR, prompts)
        template = prompts / "check_in.md"
        text = template.read_text(encoding="utf-8")
        lines = "{% for line in fact_lines %}\n{{ line }}\n{% endfor %}\n"
        assert lines in text
        template.write_text(
            text.replace(lines, "").replace("version: check_in-1", "version: check_in-2"),
            encoding="utf-8",
        )
        setenv(monkeypatch, "ASSISTANT_PROMPTS_DIR", str(prompts))
        after = run_json(
            "--drafter", "openai", "--playbook", "check_in", "--fail-on-regression", code=1
        )
    assert before["run"]["playbooks"]["check_in"]["fact_coverage"] > 0.5
    assert "check_in.fact_coverage" in after["regressions"]
    assert after["run"]["prompt_versions"] == {"check_in": "check_in-2"}
    assert after["baseline"] == before["run"]["started_at"]


def test_an_unreadable_recorded_run_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / ".assistant" / "evals"
    folder.mkdir(parents=True)
    (folder / "20260101T000000000000-offline.json").write_text("{not json", encoding="utf-8")
    result = invoke("eval")
    assert result.exit_code == 2
    assert "cannot read the recorded eval run" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
