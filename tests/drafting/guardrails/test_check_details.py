"""Details of single checks: messages, limits from the policy, names, products, more wording."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.drafting.guardrails import blocking
from tests.drafting.guardrails.fixtures import CHECK_IN, POLICY, facts
from tests.drafting.guardrails.helpers import codes, describe, run

SIGN = " Warmly, Sam"
EMAIL_SIGN = "\n\nWarmly,\nSam\nEmber & Oak"
FILLER = (
    "Hi Maya,\n\nI hope your Cast Iron Skillet 26cm is settling in nicely and that the first "
    "few meals in it have gone well. If you have any questions about looking after it, just "
    "reply and I will help."
)


def test_findings_carry_the_offending_excerpt() -> None:
    findings = run("Hi Maria, use SAVE20 for 20% off!" + SIGN)

    excerpts = {f.code: f.excerpt for f in findings}
    assert excerpts["name_wrong"] == "Hi Maria"
    assert excerpts["invented_code"] == "SAVE20"
    assert excerpts["invented_percent"] == "20%"
    assert excerpts["invented_offer"] == "20% off"
    assert blocking(findings)


def test_avoidable_characters_are_named_with_their_code_points() -> None:
    [finding] = [
        f
        for f in run("Hi Maya, it\u2019s\u00a0here\u2026" + SIGN)
        if f.code == "sms_ucs2_avoidable"
    ]

    assert "U+2019" in finding.message and "right single quotation mark" in finding.message
    assert "U+00A0" in finding.message and "no-break space" in finding.message
    assert "U+2026" in finding.message
    assert finding.excerpt == "\u2019\u00a0\u2026"


def test_ucs2_that_plain_characters_cannot_avoid_is_not_blamed_on_them() -> None:
    findings = run(
        "Hi Maya, it\u2019s here \U0001f373" + SIGN, policy=replace(POLICY, emoji="allowed")
    )

    assert "sms_ucs2_avoidable" not in codes(findings)


def test_segment_limits_come_from_the_policy() -> None:
    body = "Hi Maya, " + "the skillet is lovely. " * 7 + SIGN  # 2 segments

    assert "sms_segments" in codes(run(body, policy=replace(POLICY, sms_warn_segments=1)))
    assert "sms_too_long" in codes(
        run(body, policy=replace(POLICY, sms_warn_segments=1, sms_max_segments=1))
    )


def test_no_opt_out_notice_needed_after_the_first_sms() -> None:
    assert "sms_opt_out_missing" not in codes(run("Hi Maya, how is it?" + SIGN))
    assert "sms_opt_out_missing" not in codes(
        run(FILLER + EMAIL_SIGN, channel="email", receipt=facts(CHECK_IN, first_sms=True))
    )


def test_without_a_catalogue_no_product_is_guessed() -> None:
    body = "Hi Maya, pair your skillet with our Enamel Dutch Oven 4.7L." + SIGN

    assert "invented_product" not in codes(
        run(body, policy=replace(POLICY, catalog_names=frozenset()))
    )


def test_catalogue_names_can_be_passed_to_the_check() -> None:
    from assistant.drafting.guardrails import check_draft

    findings = check_draft(
        channel="sms",
        body="Hi Maya, try our Walnut Knock Box." + SIGN,
        facts=facts(CHECK_IN),
        catalog_names=["Walnut Knock Box"],
    )

    assert "invented_product" in codes(findings)


def test_a_product_in_the_facts_is_known_in_any_case() -> None:
    findings = run("Hi Maya, how is the cast iron skillet 26cm?" + SIGN)

    assert "invented_product" not in codes(findings)


def test_a_longer_catalogue_name_is_not_mistaken_for_a_shorter_one() -> None:
    policy = replace(POLICY, catalog_names=POLICY.catalog_names | {"Cast Iron Skillet"})
    receipt = facts({"purchase": {"product": "Cast Iron Skillet 26cm"}})

    assert "invented_product" not in codes(
        run("Hi Maya, how is the Cast Iron Skillet 26cm?" + SIGN, receipt=receipt, policy=policy)
    )


def test_the_sender_signing_off_is_not_a_wrong_name() -> None:
    for body in (
        "Hi Maya, how is it going? Thanks, Sam",
        "Hey, Sam here from Ember & Oak! Hi Maya, how is it going?",
        "Hi Maya, how is it going?\n- Sam",
    ):
        assert "name_wrong" not in codes(run(body)), body


def test_sms_may_drop_accents_that_are_not_gsm7() -> None:
    receipt = facts(CHECK_IN, first_name="J\u00falia")

    assert codes(run("Hi Julia, how is the skillet?" + SIGN, receipt=receipt)) == set()
    assert "name_spelling" in codes(
        run("Hi Julia,\n\n" + FILLER[10:] + EMAIL_SIGN, channel="email", receipt=receipt)
    )


def test_an_unknown_channel_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown channel 'fax'"):
        run("Hi Maya", channel="fax")


# More wording each check must catch, beyond the pairs above.
MORE_BAD = (
    ("intrusive_location", "Hi Maya, perfect for your new apartment downtown!"),
    ("intrusive_surveillance", "Hi Maya, saw you bought a kettle elsewhere!"),
    ("intrusive_surveillance", "Hi Maya, our records show you love dark roasts."),
    ("sensitive_pregnancy", "Hi Maya, congrats on the little one!"),
    ("sensitive_health", "Hi Maya, how is your back pain?"),
    ("sensitive_finances", "Hi Maya, you have spent over $2,000 with us!"),
    ("guilt", "Hi Maya, don't let this be your last chance."),
    ("guilt", "Hi Maya, you haven't ordered in months."),
    ("invented_offer", "Hi Maya, the apron is on sale this week."),
    ("invented_offer", "Hi Maya, take $10 off your next order."),
    ("invented_offer", "Hi Maya, your next bag is on us, complimentary!"),
    ("invented_price", "Hi Maya, members spent $5K+ last year."),
    ("invented_date", "Hi Maya, the new apron lands 12/01/2026."),
    ("invented_date", "Hi Maya, since April 2021 you have been with us."),
    ("invented_count", "Hi Maya, your 12th order is on its way."),
    ("name_wrong", "Good morning Ms. Smith, how is the skillet?"),
    ("template_marker", "Hi Maya, your *|PRODUCT|* is here."),
    ("json_fragment", "```Hi Maya, it's here!```"),
    ("llm_meta", "Subject: Thanks\nHi Maya, it's here!"),
)


@pytest.mark.parametrize(
    ("code", "text"), MORE_BAD, ids=[f"{c}-{i}" for i, (c, _) in enumerate(MORE_BAD)]
)
def test_more_wording_is_caught(code: str, text: str) -> None:
    findings = run(text + SIGN)

    assert code in codes(findings), describe(findings)
