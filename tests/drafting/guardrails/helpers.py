"""Running the guardrails in tests with the fixture policy and facts."""

from __future__ import annotations

from typing import Any

from assistant.drafting.guardrails import Finding, GuardrailPolicy, check_draft
from tests.drafting.guardrails.fixtures import CHECK_IN, POLICY, facts


def run(
    body: str,
    *,
    channel: str = "sms",
    subject: str | None = None,
    receipt: dict[str, Any] | None = None,
    policy: GuardrailPolicy = POLICY,
) -> list[Finding]:
    """check_draft with the fixture policy; facts default to a check-in for Maya."""
    return check_draft(
        channel=channel,
        body=body,
        subject=subject,
        facts=receipt if receipt is not None else facts(CHECK_IN),
        policy=policy,
    )


def codes(findings: list[Finding]) -> set[str]:
    """The codes of `findings`."""
    return {f.code for f in findings}


def describe(findings: list[Finding]) -> list[tuple[str, str | None, str]]:
    """Findings as (code, excerpt, message), for assertion messages."""
    return [(f.code, f.excerpt, f.message) for f in findings]
