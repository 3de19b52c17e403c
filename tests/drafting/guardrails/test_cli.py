"""`assistant guardrails check`: JSON out, exit 0 / 1 (blocked) / 2 (usage)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.drafting.guardrails import CODES
from tests.clitools import invoke
from tests.drafting.guardrails.fixtures import CHECK_IN, facts

GOOD_SMS = "Hi Maya, how is the Cast Iron Skillet 26cm? Warmly, Sam at Ember & Oak"


@pytest.fixture
def receipt(tmp_path: Path) -> Path:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts(CHECK_IN)), encoding="utf-8")
    return path


def _check(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    result = invoke("guardrails", "check", *args)
    parsed = json.loads(result.stdout) if result.exit_code in (0, 1) else None
    return result.exit_code, parsed, result.stderr


def test_a_good_draft_exits_0_with_no_findings(receipt: Path) -> None:
    code, out, _ = _check("--channel", "sms", "--facts", str(receipt), GOOD_SMS)

    assert code == 0
    assert out == {
        "blocking": False,
        "findings": [],
        "sms": {"encoding": "GSM-7", "segments": 1, "characters": len(GOOD_SMS)},
    }


def test_a_blocked_draft_exits_1_and_lists_the_findings(receipt: Path) -> None:
    text = "Hi Maria, use SAVE20 \u2014 Sam"
    code, out, _ = _check("--channel", "sms", "--facts", str(receipt), text)

    assert code == 1
    assert out is not None and out["blocking"] is True
    findings = out["findings"]
    assert isinstance(findings, list)
    assert all(set(f) == {"code", "severity", "message", "excerpt"} for f in findings)
    assert all(f["severity"] == CODES[f["code"]].severity for f in findings)
    by_code = {f["code"]: f for f in findings}
    assert by_code["name_wrong"]["excerpt"] == "Hi Maria"
    assert by_code["invented_code"]["excerpt"] == "SAVE20"
    assert by_code["sms_ucs2_avoidable"]["severity"] == "warn"
    assert out["sms"] == {"encoding": "UCS-2", "segments": 1, "characters": len(text)}


def test_warnings_alone_exit_0(receipt: Path) -> None:
    code, out, _ = _check(
        "--channel", "sms", "--facts", str(receipt), GOOD_SMS.replace("Hi", "Hi\u00a0")
    )

    assert code == 0
    assert out is not None and [f["code"] for f in out["findings"]] == ["sms_ucs2_avoidable"]


def test_email_takes_a_subject_and_has_no_sms_report(receipt: Path) -> None:
    body = (
        "Hi Maya,\n\nI hope your Cast Iron Skillet 26cm arrived safely and is already earning "
        "its place on the stove. Any questions at all, just reply.\n\nWarmly,\nSam\nEmber & Oak"
    )
    code, out, _ = _check(
        "--channel", "email", "--facts", str(receipt), "--subject", "How's the skillet?", body
    )
    missing, missing_out, _ = _check("--channel", "email", "--facts", str(receipt), body)

    assert (code, out) == (0, {"blocking": False, "findings": [], "sms": None})
    assert missing == 1
    assert missing_out is not None
    assert [f["code"] for f in missing_out["findings"]] == ["email_subject_missing"]


def test_the_minimal_facts_are_a_first_name(tmp_path: Path) -> None:
    path = tmp_path / "minimal.json"
    path.write_text('{"customer": {"first_name": "Maya"}}', encoding="utf-8")

    code, out, _ = _check("--channel", "sms", "--facts", str(path), "Hi Maya, thank you! Sam")

    assert (code, out and out["blocking"]) == (0, False)


def test_the_text_can_come_from_stdin(receipt: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["guardrails", "check", "--channel", "sms", "--facts", str(receipt), "-"],
        input=GOOD_SMS + "\n",
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sms"]["characters"] == len(GOOD_SMS)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "not found"),
        ("{not json", "not valid JSON at line 1, column 2"),
        ("[1, 2]", "must be a JSON object"),
        ('{"first_name": "Maya"}', 'needs a "customer" object'),
        ('{"customer": {"name": "Maya"}}', '"customer.first_name" must be a non-empty string'),
        ('{"customer": {"first_name": ""}}', '"customer.first_name" must be a non-empty string'),
    ],
    ids=["missing", "bad-json", "not-object", "no-customer", "no-first-name", "blank-name"],
)
def test_bad_facts_exit_2_naming_the_file_and_problem(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "facts.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    code, _, stderr = _check("--channel", "sms", "--facts", str(path), GOOD_SMS)

    assert code == 2
    assert str(path) in stderr
    assert problem in stderr


def test_a_directory_as_facts_exits_2(tmp_path: Path) -> None:
    code, _, stderr = _check("--channel", "sms", "--facts", str(tmp_path), GOOD_SMS)

    assert code == 2
    assert "is a directory" in stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--channel", "fax", "--facts", "facts.json", "Hi"],
        ["--facts", "facts.json", "Hi"],
        ["--channel", "sms", "Hi"],
        ["--channel", "sms", "--facts", "facts.json"],
    ],
    ids=["bad-channel", "no-channel", "no-facts", "no-text"],
)
def test_usage_errors_exit_2(receipt: Path, args: list[str]) -> None:
    args = [str(receipt) if a == "facts.json" else a for a in args]

    assert invoke("guardrails", "check", *args).exit_code == 2


def test_a_catalogue_file_turns_on_the_product_check(receipt: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.txt"
    catalog.write_text("Cast Iron Skillet 26cm\nEnamel Dutch Oven 4.7L\n", encoding="utf-8")
    text = "Hi Maya, our Enamel Dutch Oven 4.7L goes well with it. Sam"

    without, _, _ = _check("--channel", "sms", "--facts", str(receipt), text)
    code, out, _ = _check(
        "--channel", "sms", "--facts", str(receipt), "--catalog", str(catalog), text
    )

    assert without == 0
    assert code == 1
    assert out is not None
    assert [f["code"] for f in out["findings"]] == ["invented_product"]


def test_the_installed_command_runs(receipt: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "guardrails",
            "check",
            "--channel",
            "sms",
            "--facts",
            str(receipt),
            "Hi Maya, SAVE20 is yours. Sam",
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["findings"][0]["code"] == "invented_code"
