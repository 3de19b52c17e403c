"""check_draft: every guardrail over one draft, in a stable order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final, get_args

from assistant.drafting.guardrails.checks import (
    brand_voice,
    email,
    integrity,
    invented,
    leaks,
    names,
    offers,
    products,
    replies,
    sensitive,
    sms,
)
from assistant.drafting.guardrails.checks.base import Draft, Part
from assistant.drafting.guardrails.findings import Finding
from assistant.drafting.guardrails.known import KnownFacts
from assistant.drafting.guardrails.masking import KnownNames
from assistant.drafting.guardrails.policy import GuardrailPolicy
from assistant.ports import Channel as PortChannel
from assistant.ports import written_as

CHECKS: Final[tuple[Callable[[Draft], Iterator[Finding]], ...]] = (
    integrity.check,
    sms.check,
    email.check,
    names.check,
    invented.check,
    products.check,
    offers.check,
    brand_voice.check,
    sensitive.check,
    replies.check,
    leaks.check,
    replies.check_possible_opt_out,
)
CHANNELS: Final[tuple[str, ...]] = get_args(PortChannel)


def _first_name(facts: Mapping[str, Any]) -> str | None:
    customer = facts.get("customer")
    if isinstance(customer, Mapping) and isinstance(customer.get("first_name"), str):
        return str(customer["first_name"])
    return None


def check_draft(
    *,
    channel: str,
    body: str,
    subject: str | None = None,
    facts: Mapping[str, Any],
    policy: GuardrailPolicy | None = None,
    catalog_names: Iterable[str] | None = None,
) -> list[Finding]:
    """All findings for one draft, blocking or not, without duplicates.

    `facts` is the fact receipt (every leaf value counts as known); `catalog_names`, when
    given, are added to `policy.catalog_names` for the invented-product check. An email
    without a subject is itself a finding; a subject on an SMS is ignored.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    channel = written_as(channel)  # a webhook (push / in-app) message is checked as an SMS
    policy = policy or GuardrailPolicy()
    if catalog_names is not None:
        policy = policy.with_catalog(catalog_names)
    known = KnownFacts.from_facts(facts, policy.known_texts)
    names = KnownNames.of(facts, policy)
    draft = Draft(
        channel="sms" if channel == "sms" else "email",
        body=Part.of("body", body, known, names),
        subject=(
            Part.of("subject", subject, known, names) if channel == "email" and subject else None
        ),
        facts=facts,
        known=known,
        policy=policy,
        first_name=_first_name(facts),
    )
    seen: set[tuple[str, str | None, str]] = set()
    findings: list[Finding] = []
    for check in CHECKS:
        for item in check(draft):
            key = (item.code, item.excerpt, item.message)
            if key not in seen:
                seen.add(key)
                findings.append(item)
    return findings
