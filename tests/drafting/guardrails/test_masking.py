"""Known names are never evidence of location, tracking or pregnancy; sign-offs end a message."""

from __future__ import annotations

import pytest

from assistant.drafting.guardrails import GuardrailPolicy, check_draft
from assistant.drafting.guardrails.masking import KnownNames, mask
from tests.drafting.guardrails.fixtures import POLICY, UPSELL, facts
from tests.drafting.guardrails.helpers import codes, describe

ACME = {"brand": {"name": "Acme Home", "sender": "Maya"}}


def test_a_run_of_a_product_name_is_masked_with_the_text_length_kept() -> None:
    names = KnownNames.of(facts(UPSELL), GuardrailPolicy())
    text = "Enjoy your new House Blend, Maya!"

    masked = mask(text, names.spans_in(text))

    assert masked == "Enjoy your new _____ _____, Maya!"


def test_lower_case_words_and_single_words_of_a_product_are_not_masked() -> None:
    names = KnownNames.of(facts(UPSELL), GuardrailPolicy())

    assert names.spans_in("welcome to your new house blend") == []
    assert names.spans_in("welcome to your new House") == []


def test_the_brand_and_sender_of_the_facts_are_names_too() -> None:
    names = KnownNames.of(facts(ACME), GuardrailPolicy())
    text = "Maya at Acme Home"

    assert mask(text, names.spans_in(text)) == "____ at ____ ____"


@pytest.mark.parametrize(
    "body",
    [
        "Hi Maya, enjoy your new House Blend! Sam",
        "Hi Maya, the House Blend Whole Bean 250g will feel at home in your new House Blend "
        "rotation. Sam",
    ],
)
def test_a_product_name_is_not_a_location(body: str) -> None:
    findings = check_draft(channel="sms", body=body, facts=facts(UPSELL), policy=POLICY)

    assert "intrusive_location" not in codes(findings), describe(findings)


def test_the_same_words_outside_the_name_still_block() -> None:
    findings = check_draft(
        channel="sms",
        body="Hi Maya, the House Blend will be perfect in your new house. Sam",
        facts=facts(UPSELL),
        policy=POLICY,
    )

    assert "intrusive_location" in codes(findings)


def test_a_tracking_product_is_not_surveillance_but_tracking_the_customer_is() -> None:
    receipt = facts({"purchase": {"product": "Sleep Tracking Eye Mask"}})
    ok = "Hi Maya, hope the Sleep Tracking Eye Mask fits well. Sam"
    bad = "Hi Maya, we've been tracking you, so the Sleep Tracking Eye Mask is perfect. Sam"

    assert check_draft(channel="sms", body=ok, facts=receipt, policy=POLICY) == []
    assert "intrusive_surveillance" in codes(
        check_draft(channel="sms", body=bad, facts=receipt, policy=POLICY)
    )


@pytest.mark.parametrize(
    "closing",
    [
        "\n\nWarmly,\nMaya at Acme Home",
        "\n\nBest wishes,\nMaya\nAcme Home",
        "\n\nKind regards,\nMaya Lee, Acme Home",
        "\n\nThanks again,\nMaya & the Acme Home team",
        "\n\nCheers,\nMaya",
        " Talk soon, Maya",
    ],
)
def test_a_sign_off_ends_an_email_whoever_signs_it(closing: str) -> None:
    body = "Hi Priya,\n\nThank you for ten orders with us; they make our day." + closing

    findings = check_draft(
        channel="email",
        body=body,
        subject="Thank you",
        facts=facts(ACME, first_name="Priya"),
        policy=GuardrailPolicy(brand_name="Ember & Oak", sender_name="Sam"),
    )

    assert "truncated" not in codes(findings), describe(findings)


@pytest.mark.parametrize(
    "body",
    [
        "Hi Maya, hope you enjoy it. Thanks, we will send you the",
        "Hi Maya, hope you enjoy it. Best, and the new one is",
        "Hi Maya, Warmly, the House Blend is a",
    ],
)
def test_a_cut_text_after_a_valediction_word_is_still_truncated(body: str) -> None:
    findings = check_draft(channel="sms", body=body, facts=facts(UPSELL), policy=POLICY)

    assert "truncated" in codes(findings), describe(findings)
