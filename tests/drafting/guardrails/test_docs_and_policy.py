"""The codes table in docs/guardrails.md, the policy from a brand, and the code registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.drafting.brand import Brand
from assistant.drafting.guardrails import (
    CODES,
    DEFAULT_OPT_OUT_NOTICE,
    Finding,
    GuardrailPolicy,
    blocking,
    check_draft,
)
from assistant.drafting.guardrails.findings import finding

DOCS = Path(__file__).resolve().parents[3] / "docs" / "guardrails.md"


def _documented() -> dict[str, str]:
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| (block|warn) \|", DOCS.read_text("utf-8"), re.M)
    return dict(rows)


def test_every_code_is_documented_with_its_severity() -> None:
    assert _documented() == {code: info.severity for code, info in CODES.items()}


def test_codes_are_snake_case_and_described() -> None:
    for code, info in CODES.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]+", code)
        assert info.summary and info.family


def test_a_finding_takes_the_registered_severity() -> None:
    assert finding("name_missing", "m") == Finding("name_missing", "warn", "m", None)
    assert finding("invented_code", "m", "X").severity == "block"
    with pytest.raises(KeyError):
        finding("no_such_code", "m")


def test_blocking_is_any_block_finding() -> None:
    warn = finding("name_missing", "m")
    block = finding("empty", "m")

    assert not blocking([])
    assert not blocking([warn])
    assert blocking([warn, block])
    assert block.as_dict() == {
        "code": "empty",
        "severity": "block",
        "message": "m",
        "excerpt": None,
    }


def _brand(**changes: object) -> Brand:
    fields: dict[str, object] = {
        "name": "Ember & Oak",
        "sender_name": "Sam",
        "voice": "warm",
        "words_to_avoid": ["hurry", "act now"],
        "sign_off": "Warmly",
        "emoji": "sparingly",
        "sms_opt_out_notice": "Text STOP to end",
        "sms_max_segments": 4,
        "sms_warn_segments": 3,
        "email_subject_max": 50,
        "email_body_max_words": 120,
        "help_text": "Questions? Visit https://emberandoak.example/help or reply.",
    }
    fields.update(changes)
    return Brand.model_validate(fields)


def test_the_policy_comes_from_the_brand() -> None:
    policy = GuardrailPolicy.from_brand(_brand(), catalog_names=["Walnut Knock Box"])

    assert policy.brand_name == "Ember & Oak"
    assert policy.sender_name == "Sam"
    assert policy.words_to_avoid == ("hurry", "act now")
    assert policy.emoji == "sparingly"
    assert policy.sms_opt_out_notice == "Text STOP to end"
    assert (policy.sms_warn_segments, policy.sms_max_segments) == (3, 4)
    assert (policy.email_subject_max, policy.email_body_max_words) == (50, 120)
    assert policy.catalog_names == frozenset({"Walnut Knock Box"})
    assert "Warmly, Sam at Ember & Oak" in policy.known_texts


def test_the_brand_help_link_is_known_and_its_words_are_banned() -> None:
    policy = GuardrailPolicy.from_brand(_brand())
    receipt = {"customer": {"first_name": "Maya"}}

    fine = check_draft(
        channel="sms",
        body="Hi Maya, care tips at https://emberandoak.example/help. Warmly, Sam at Ember & Oak",
        facts=receipt,
        policy=policy,
    )
    banned = check_draft(
        channel="sms", body="Hi Maya, hurry! Warmly, Sam", facts=receipt, policy=policy
    )

    assert fine == []
    assert [f.code for f in banned] == ["banned_phrase"]


def test_defaults_match_the_brand_defaults() -> None:
    policy = GuardrailPolicy()

    assert policy.sms_opt_out_notice == DEFAULT_OPT_OUT_NOTICE == "Reply STOP to opt out"
    assert (policy.sms_warn_segments, policy.sms_max_segments) == (2, 3)
    assert (policy.email_subject_max, policy.email_body_max_words) == (60, 180)


def test_the_policy_adds_catalogue_names() -> None:
    policy = GuardrailPolicy(catalog_names=frozenset({"A B"})).with_catalog(["C D"])

    assert policy.catalog_names == frozenset({"A B", "C D"})
