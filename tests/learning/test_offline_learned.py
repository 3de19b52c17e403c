"""The offline drafter phrases from learned examples, re-filled with the customer's facts."""

from __future__ import annotations

from typing import Any

from assistant.drafting.brand import DEFAULT_PROMPTS_DIR, load_brand
from assistant.drafting.guardrails import GuardrailPolicy, blocking, check_draft
from assistant.ports import DraftRequest
from connectors.llm.offline import OfflineDrafter
from connectors.llm.offline_learned import learned_phrases, template
from tests.review.helpers import check_in_facts

BRAND = load_brand(DEFAULT_PROMPTS_DIR)
DRAFTER = OfflineDrafter(BRAND)
POLICY = GuardrailPolicy.from_brand(BRAND)
LEARNED = (
    "Hi [first_name], hope the [product] is earning its spot on your stove. "
    "Any seasoning questions, I'm one text away. [signature]"
)
UNUSABLE = "Hi [first_name], the [product] is now [price] until [date]. Grab one today. [signature]"
VARIANTS = range(24)


def bodies(facts: dict[str, Any], channel: str, *examples: str) -> list[str]:
    out = []
    for variant in VARIANTS:
        request = DraftRequest(
            playbook="check_in",
            channel=channel,  # type: ignore[arg-type]
            prompt_version="check_in-1",
            system="",
            prompt="",
            facts=facts,
            variant=variant,
            examples=examples,
        )
        output = DRAFTER.compose(request)
        findings = check_draft(
            channel=channel, body=output.body, subject=output.subject, facts=facts, policy=POLICY
        )
        assert not blocking(findings), (output.body, findings)
        out.append(output.body)
    return out


def test_learned_openings_and_closings_become_templates_of_the_playbooks_slots() -> None:
    learned = learned_phrases([LEARNED, UNUSABLE], "check_in")
    assert learned.openings == ("Hope the {product} is earning its spot on your stove.",)
    assert learned.closings == ("Any seasoning questions, I'm one text away.",)
    assert template("So [name] loves the [product]!", "check_in") is None
    assert template("The [product] beats the [upgrade] {really}.", "upsell") == (
        "The {fav} beats the {upgrade} {{really}}."
    )
    assert template("Anything at all, reply here.", "reply") is None


def test_the_offline_drafter_uses_a_learned_phrase_with_the_real_product() -> None:
    facts = check_in_facts("Maya")
    plain = bodies(facts, "sms")
    taught = bodies(facts, "sms", LEARNED)
    assert not any("earning its spot" in body for body in plain)
    opened = [b for b in taught if "the Cast Iron Skillet is earning its spot on your stove" in b]
    # About half of the drafts take a learned phrase; the rest keep the bank's variety.
    assert 3 <= len(opened) <= len(VARIANTS) - 3, taught
    assert all(body.startswith(("Hi Maya", "Hello Maya", "Hey Maya")) for body in opened)


def test_by_email_too_and_a_phrase_needing_an_unknown_value_is_never_used() -> None:
    facts = check_in_facts("Maya", "email")
    taught = bodies(facts, "email", LEARNED, UNUSABLE)
    assert any("is earning its spot on your stove" in body for body in taught)
    # By SMS a closing is the first sentence dropped to fit one segment; an email keeps it.
    assert any("Any seasoning questions, I'm one text away." in body for body in taught)
    assert not any("Grab one today" in body or "is now" in body for body in taught)
