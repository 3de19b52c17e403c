"""The guardrail's SMS report is exactly the shared Twilio vectors and `assistant sms segments`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.drafting.guardrails import GuardrailPolicy, check_draft, sms_report
from assistant.drafting.sms_segments import analyse
from tests.clitools import invoke

VECTORS_PATH = Path(__file__).resolve().parent.parent / "data" / "sms_segments.json"
VECTORS: list[dict[str, Any]] = (
    json.loads(VECTORS_PATH.read_text(encoding="utf-8")) if VECTORS_PATH.is_file() else []
)


def test_the_vectors_are_present() -> None:
    assert len(VECTORS) >= 27, f"expected the shared SMS vectors at {VECTORS_PATH}"


@pytest.mark.parametrize("vector", VECTORS, ids=[str(i) for i in range(len(VECTORS))])
def test_the_report_matches_the_vector(vector: dict[str, Any]) -> None:
    report = sms_report(vector["text"])
    info = analyse(vector["text"])

    assert report["encoding"] == vector["encoding"]
    assert report["segments"] == vector["segments"]
    if "characters" in vector:
        assert report["characters"] == vector["characters"]
    assert report == {
        "encoding": info.encoding,
        "segments": info.segments,
        "characters": info.characters,
    }


@pytest.mark.parametrize("vector", VECTORS, ids=[str(i) for i in range(len(VECTORS))])
def test_the_segment_findings_follow_the_vector(vector: dict[str, Any]) -> None:
    policy = GuardrailPolicy(sms_warn_segments=2, sms_max_segments=3)
    findings = check_draft(
        channel="sms", body=vector["text"], facts={"customer": {"first_name": "A"}}, policy=policy
    )
    found = {f.code for f in findings}

    assert ("sms_too_long" in found) == (vector["segments"] > 3)
    assert ("sms_segments" in found) == (vector["segments"] == 3)


def test_the_cli_prints_the_same_report_as_sms_segments(tmp_path: Path) -> None:
    receipt = tmp_path / "facts.json"
    receipt.write_text('{"customer": {"first_name": "A"}}', encoding="utf-8")
    for vector in VECTORS:
        checked = invoke(
            "guardrails", "check", "--channel", "sms", "--facts", str(receipt), vector["text"]
        )
        segments = invoke("sms", "segments", vector["text"])

        assert checked.exit_code in (0, 1), checked.output
        assert json.loads(checked.stdout)["sms"] == json.loads(segments.stdout)
