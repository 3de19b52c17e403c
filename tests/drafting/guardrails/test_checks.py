"""A bad and a good text for every check: the bad one gets the code, the good one does not."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from assistant.drafting.guardrails import CODES, GuardrailPolicy, blocking
from tests.drafting.guardrails.fixtures import (
    CHECK_IN,
    OFFER,
    POLICY,
    RE_ENGAGEMENT,
    RECOGNITION,
    UPSELL,
    facts,
)
from tests.drafting.guardrails.helpers import codes, describe, run
from tests.drafting.guardrails.leak_cases import LEAK_CODES

SIGN = " Warmly, Sam"
EMAIL_SIGN = "\n\nWarmly,\nSam\nEmber & Oak"
FILLER = (
    "Hi Maya,\n\nI hope your Cast Iron Skillet 26cm is settling in nicely and that the first "
    "few meals in it have gone well. If you have any questions about looking after it, just "
    "reply and I will help."
)


@dataclass(frozen=True)
class Pair:
    """`bad` must yield `code`; `good`, the same message put right, must not."""

    code: str
    bad: str
    good: str
    channel: str = "sms"
    receipt: dict[str, Any] | None = None
    subject_bad: str | None = "Hello from Ember & Oak"
    subject_good: str | None = "Hello from Ember & Oak"
    policy: GuardrailPolicy = POLICY
    id: str = ""
    # When only the facts or the policy make the good case good (an offer, a known link).
    good_receipt: dict[str, Any] | None = None
    good_policy: GuardrailPolicy | None = None


def _words(count: int) -> str:
    return " ".join(["coffee"] * count)


PAIRS: tuple[Pair, ...] = (
    # --- SMS -----------------------------------------------------------------------------
    Pair(
        "sms_ucs2_avoidable",
        "Hi Maya, it\u2019s on its way \u2014 enjoy!" + SIGN,
        "Hi Maya, it's on its way - enjoy!" + SIGN,
        id="smart-quote-em-dash",
    ),
    Pair(
        "sms_ucs2_avoidable",
        "Hi Maya, enjoy\u2026 the skillet\u00a0is great." + SIGN,
        "Hi Maya, enjoy... the skillet is great." + SIGN,
        id="ellipsis-nbsp",
    ),
    Pair(
        "sms_segments",
        "Hi Maya, " + "the skillet is lovely. " * 14 + SIGN,
        "Hi Maya, " + "the skillet is lovely. " * 6 + SIGN,
    ),
    Pair(
        "sms_too_long",
        "Hi Maya, " + "the skillet is lovely. " * 20 + SIGN,
        "Hi Maya, " + "the skillet is lovely. " * 18 + SIGN,
    ),
    Pair(
        "sms_opt_out_missing",
        "Hi Maya, how is the skillet?" + SIGN,
        "Hi Maya, how is the skillet?" + SIGN + "\nReply STOP to opt out",
        receipt=facts(CHECK_IN, first_sms=True),
        id="brand-notice",
    ),
    Pair(
        "sms_opt_out_missing",
        "Hi Maya, how is the skillet? Reply to opt out" + SIGN,
        "Hi Maya, how is the skillet? Text STOP to unsubscribe." + SIGN,
        receipt=facts(CHECK_IN, first_sms=True),
        id="equivalent-text-stop",
    ),
    Pair(
        "sms_opt_out_missing",
        "Hi Maya, how is the skillet?" + SIGN,
        "Hi Maya, how is the skillet?" + SIGN + " reply stop to opt out",
        receipt=facts(CHECK_IN, first_sms=True),
        id="lower-case-equivalent",
    ),
    Pair(
        "sms_opt_out_missing",
        "Hi Maya, how is the skillet? Send a note to end messages." + SIGN,
        "Hi Maya, how is the skillet?" + SIGN + " Send STOP to end messages.",
        receipt=facts(CHECK_IN, first_sms=True),
        policy=replace(POLICY, sms_opt_out_notice="Send STOP to end messages"),
        id="custom-notice",
    ),
    # --- email ---------------------------------------------------------------------------
    Pair(
        "email_subject_missing",
        FILLER + EMAIL_SIGN,
        FILLER + EMAIL_SIGN,
        channel="email",
        subject_bad="  ",
    ),
    Pair(
        "email_subject_too_long",
        FILLER + EMAIL_SIGN,
        FILLER + EMAIL_SIGN,
        channel="email",
        subject_bad="How is your new Cast Iron Skillet 26cm settling in so far, Maya?",
        subject_good="How is your new Cast Iron Skillet 26cm settling in, Maya?",
    ),
    Pair(
        "email_body_too_long",
        FILLER + " " + _words(150) + "." + EMAIL_SIGN,
        FILLER + " " + _words(100) + "." + EMAIL_SIGN,
        channel="email",
    ),
    Pair(
        "email_body_too_short",
        "Hi Maya, how is the skillet?" + EMAIL_SIGN,
        FILLER + EMAIL_SIGN,
        channel="email",
    ),
    # --- names ---------------------------------------------------------------------------
    Pair(
        "name_missing", "Hello! How is the skillet going?" + SIGN, "Hello Maya! How is it?" + SIGN
    ),
    Pair("name_wrong", "Hi Maria, how is the skillet, Maya?" + SIGN, "Hi Maya, how is it?" + SIGN),
    Pair("name_wrong", "Dear John, Maya here is fine." + SIGN, "Dear Maya, it's fine." + SIGN),
    Pair("name_wrong", "Hey Sam, how's it going, Maya?" + SIGN, "Hey Maya, how's it going?" + SIGN),
    Pair(
        "name_wrong",
        "Hi Maya! Thank you so much, Jordan! Enjoy it." + SIGN,
        "Hi Maya! Thank you so much, Maya! Enjoy it. Thanks, Sam",
        id="vocative",
    ),
    Pair(
        "name_wrong",
        FILLER + EMAIL_SIGN,
        FILLER + EMAIL_SIGN,
        channel="email",
        subject_bad="Hi Maria, how is the skillet?",
        subject_good="Hi Maya, how is the skillet?",
        id="in-subject",
    ),
    Pair(
        "name_spelling",
        "Hi Zoe,\n\n" + FILLER.removeprefix("Hi Maya,\n\n") + EMAIL_SIGN,
        "Hi Zo\u00eb,\n\n" + FILLER.removeprefix("Hi Maya,\n\n") + EMAIL_SIGN,
        channel="email",
        receipt=facts(CHECK_IN, first_name="Zo\u00eb"),
    ),
    # --- invented facts ------------------------------------------------------------------
    Pair(
        "invented_price",
        "Hi Maya, the Reserve Single-Origin Ethiopia Whole Bean 1kg is $29." + SIGN,
        "Hi Maya, the Reserve Single-Origin Ethiopia Whole Bean 1kg is $58." + SIGN,
        receipt=facts(UPSELL),
    ),
    Pair(
        "invented_price",
        "Hi Maya, the upgrade is 52.00 USD." + SIGN,
        "Hi Maya, the upgrade is 58.00 USD." + SIGN,
        receipt=facts(UPSELL),
        id="code-after",
    ),
    Pair(
        "invented_percent",
        "Hi Maya, here is 15% off, code THANKS10." + SIGN,
        "Hi Maya, here is 10% off, code THANKS10." + SIGN,
        receipt=facts(RECOGNITION, {"offer": OFFER}),
    ),
    Pair(
        "invented_code",
        "Hi Maya, use SAVE20 at checkout." + SIGN,
        "Hi Maya, use THANKS10 at checkout." + SIGN,
        receipt=facts(RECOGNITION, {"offer": OFFER}),
    ),
    Pair(
        "invented_code",
        "Hi Maya, thank you! Your code is WELCOME-10." + SIGN,
        "Hi Maya, thank you! Your code is THANKS-10." + SIGN,
        receipt=facts(RECOGNITION, {"offer": OFFER}),
        id="hyphenated",
    ),
    Pair(
        "invented_code",
        "Hi Maya, use code thanks5 at checkout." + SIGN,
        "Hi Maya, use code THANKS10 at checkout." + SIGN,
        receipt=facts(RECOGNITION, {"offer": OFFER}),
        id="after-the-word-code",
    ),
    Pair(
        "invented_date",
        "Hi Maya, your skillet shipped on December 3." + SIGN,
        "Hi Maya, your skillet shipped on November 18." + SIGN,
    ),
    Pair(
        "invented_date",
        "Hi Maya, thank you for being with us since 2019." + SIGN,
        "Hi Maya, thank you for being with us since 2023." + SIGN,
        receipt=facts(RECOGNITION),
        id="year",
    ),
    Pair(
        "invented_date",
        "Hi Maya, the relaunch was on 10/01." + SIGN,
        "Hi Maya, the relaunch was on 9/15." + SIGN,
        receipt=facts(RE_ENGAGEMENT),
        id="slash",
    ),
    Pair(
        "invented_order_number",
        "Hi Maya, about order #12345: did it arrive?" + SIGN,
        "Hi Maya, about order #100234: did it arrive?" + SIGN,
    ),
    Pair(
        "invented_order_number",
        "Hi Maya, about order 99887: did it arrive?" + SIGN,
        "Hi Maya, about order 100234: did it arrive?" + SIGN,
        id="order-word",
    ),
    Pair(
        "invented_count",
        "Hi Maya, thank you for 12 orders with us!" + SIGN,
        "Hi Maya, thank you for 10 orders with us!" + SIGN,
        receipt=facts(RECOGNITION),
    ),
    Pair(
        "invented_count",
        "Hi Maya, seven years with us! Thank you." + SIGN,
        "Hi Maya, three years with us! Thank you." + SIGN,
        receipt=facts(RECOGNITION, tenure_years=3),
        id="words",
    ),
    Pair(
        "invented_product",
        "Hi Maya, pair your skillet with our Enamel Dutch Oven 4.7L." + SIGN,
        "Hi Maya, enjoy your Cast Iron Skillet 26cm." + SIGN,
    ),
    Pair(
        "invented_offer",
        "Hi Maya, enjoy free shipping on your next order!" + SIGN,
        "Hi Maya, enjoy the skillet!" + SIGN,
    ),
    Pair(
        "invented_offer",
        "Hi Maya, here's a discount for you, as a thank you!" + SIGN,
        "Hi Maya, here's a discount for you, as a thank you!" + SIGN,
        receipt=facts(RECOGNITION),
        good_receipt=facts(RECOGNITION, {"offer": OFFER}),
        id="allowed-with-an-offer",
    ),
    Pair(
        "invented_link",
        "Hi Maya, see https://emberandoak.example/care for tips." + SIGN,
        "Hi Maya, see https://emberandoak.example/care for tips." + SIGN,
        good_policy=replace(POLICY, known_texts=("Care tips: https://emberandoak.example/care",)),
    ),
    # --- brand ---------------------------------------------------------------------------
    Pair(
        "banned_phrase",
        "Hi Maya, ACT NOW and grab another skillet!" + SIGN,
        "Hi Maya, take your time with the skillet." + SIGN,
    ),
    Pair(
        "banned_phrase",
        "Hi Maya, we\u2019ve been watching the weather." + SIGN,
        "Hi Maya, we have had lovely weather." + SIGN,
        id="smart-apostrophe",
    ),
    Pair(
        "emoji_policy",
        "Hi Maya, enjoy the skillet! \U0001f373" + SIGN,
        "Hi Maya, enjoy the skillet! \U0001f373" + SIGN,
        good_policy=replace(POLICY, emoji="allowed"),
    ),
    # --- sensitive -----------------------------------------------------------------------
    Pair(
        "sensitive_health",
        "Hi Maya, decaf is kinder on your anxiety." + SIGN,
        "Hi Maya, decaf is lovely in the evening." + SIGN,
    ),
    Pair(
        "sensitive_health",
        "Hi Maya, a skillet meal is great for weight loss!" + SIGN,
        "Hi Maya, a skillet meal is great for weeknights!" + SIGN,
        id="weight-loss",
    ),
    Pair(
        "sensitive_finances",
        "Hi Maya, we know money is tight: no credit score check needed." + SIGN,
        "Hi Maya, we hope you're enjoying it." + SIGN,
    ),
    Pair(
        "sensitive_finances",
        "Hi Maya, even if you can't afford much, a skillet lasts." + SIGN,
        "Hi Maya, a good skillet lasts a lifetime." + SIGN,
        id="afford",
    ),
    Pair(
        "sensitive_pregnancy",
        "Hi Maya, congratulations on the baby on the way!" + SIGN,
        "Hi Maya, congratulations on 10 orders!" + SIGN,
        receipt=facts(RECOGNITION),
    ),
    Pair(
        "intrusive_location",
        "Hi Maya, we have a pop-up near you this week." + SIGN,
        "Hi Maya, we hope the skillet is treating you well." + SIGN,
    ),
    Pair(
        "intrusive_location",
        "Hi Maya, we saw you at the farmers market!" + SIGN,
        "Hi Maya, hope you enjoy the farmers market!" + SIGN,
        id="saw-you-at",
    ),
    Pair(
        "intrusive_surveillance",
        "Hi Maya, we noticed you looked at kettles." + SIGN,
        "Hi Maya, how are you getting on with it?" + SIGN,
    ),
    Pair(
        "intrusive_surveillance",
        "Hi Maya, we saw that you opened our last email." + SIGN,
        "Hi Maya, thanks for reading our notes." + SIGN,
        id="we-saw-that-you",
    ),
    Pair(
        "intrusive_surveillance",
        "Hi Maya, we have been tracking your orders." + SIGN,
        "Hi Maya, your order tracking number is in your email." + SIGN,
        id="tracking",
    ),
    Pair(
        "guilt",
        "Hi Maya, you abandoned your cart!" + SIGN,
        "Hi Maya, your skillet is ready when you are." + SIGN,
    ),
    Pair(
        "guilt",
        "Hi Maya, we miss your money. Come back!" + SIGN,
        "Hi Maya, hope all is well with you." + SIGN,
        id="miss-your-money",
    ),
    # --- integrity -----------------------------------------------------------------------
    Pair("empty", "  \n ", "Hi Maya, how is it going?" + SIGN),
    Pair("truncated", "Hi Maya, your skillet is", "Hi Maya, your skillet is here!" + SIGN),
    Pair(
        "truncated",
        "Hi Maya, your skillet is great and...",
        "Hi Maya, your skillet is great." + SIGN,
        id="ellipsis",
    ),
    Pair(
        "truncated",
        "Hi Maya, your skillet is great and\u2026",
        "Hi Maya, your skillet is great.",
        id="ellipsis-character",
    ),
    Pair(
        "unbalanced",
        "Hi Maya, the skillet (26cm is here." + SIGN,
        "Hi Maya, the skillet (26cm) is here :)" + SIGN,
    ),
    Pair(
        "unbalanced",
        'Hi Maya, it says "hello.' + SIGN,
        'Hi Maya, it says "hello".' + SIGN,
        id="quotes",
    ),
    Pair(
        "garbled_replacement",
        "Hi Maya, it\ufffds here!" + SIGN,
        "Hi Maya, it's here!" + SIGN,
    ),
    Pair(
        "garbled_control",
        "Hi Maya, it's\x07 here\u200b!" + SIGN,
        "Hi Maya, it's here!\n" + SIGN,
    ),
    Pair(
        "garbled_mojibake",
        "Hi Maya, it\u00e2\u20ac\u2122s here!" + SIGN,
        "Hi Maya, it's here! Caf\u00e9 cr\u00e8me, Se\u00f1or." + SIGN,
    ),
    Pair(
        "garbled_mojibake",
        "Hi Maya, caf\u00c3\u00a9 time!" + SIGN,
        "Hi Maya, caf\u00e9 time!" + SIGN,
        id="latin-1",
    ),
    Pair(
        "template_marker",
        "Hi {{ customer.first_name }}, it's here!" + SIGN,
        "Hi Maya, it's here!" + SIGN,
    ),
    Pair(
        "template_marker",
        "Hi [First Name], how is your [product]?" + SIGN,
        "Hi Maya, how is your skillet?" + SIGN,
        id="brackets",
    ),
    Pair(
        "template_marker",
        "Hi Maya, {% if offer %}here{% endif %}." + SIGN,
        "Hi Maya, here." + SIGN,
        id="jinja-block",
    ),
    Pair(
        "json_fragment",
        '{"body": "Hi Maya, it\'s here!", "subject": null}',
        "Hi Maya, it's here!" + SIGN,
    ),
    Pair(
        "json_fragment",
        "Hi Maya,\\nit's here!" + SIGN,
        "Hi Maya,\nit's here!" + SIGN,
        id="escaped-newline",
    ),
    Pair(
        "llm_meta",
        "As an AI language model, I hope your skillet is great, Maya." + SIGN,
        "I hope your skillet is great, Maya." + SIGN,
    ),
    Pair(
        "llm_meta",
        "Sure! Here's a draft: Hi Maya, it's here!" + SIGN,
        "Hi Maya, it's here!" + SIGN,
        id="heres-a-draft",
    ),
    # --- Replies -------------------------------------------------------------------------
    Pair(
        "reply_thanks_complaint",
        "Hi Maya, that's so kind of you to say - thank you!" + SIGN,
        "Hi Maya, I'm so sorry about that. A person will look into it and make it right." + SIGN,
        receipt={**facts(CHECK_IN), "inbound": {"kind": "complaint", "asks": []}},
    ),
    Pair(
        "reply_possible_opt_out",
        "Hi Maya, a person will read your message and get back to you." + SIGN,
        "Hi Maya, a person will read your message. Reply STOP to opt out." + SIGN,
        receipt={
            **facts(CHECK_IN),
            "inbound": {"kind": "other", "asks": [], "possible_opt_out": True},
        },
    ),
)


def _ids(pair: Pair) -> str:
    return f"{pair.code}-{pair.id}" if pair.id else pair.code


@pytest.mark.parametrize("pair", PAIRS, ids=_ids)
def test_the_bad_text_gets_the_code(pair: Pair) -> None:
    findings = run(
        pair.bad,
        channel=pair.channel,
        subject=pair.subject_bad,
        receipt=pair.receipt,
        policy=pair.policy,
    )

    matching = [f for f in findings if f.code == pair.code]
    assert matching, describe(findings)
    assert all(f.severity == CODES[pair.code].severity for f in matching)
    assert blocking(findings) == any(f.severity == "block" for f in findings)


@pytest.mark.parametrize("pair", PAIRS, ids=_ids)
def test_the_good_text_does_not(pair: Pair) -> None:
    findings = run(
        pair.good,
        channel=pair.channel,
        subject=pair.subject_good,
        receipt=pair.good_receipt or pair.receipt,
        policy=pair.good_policy or pair.policy,
    )

    assert pair.code not in codes(findings), describe(findings)


def test_every_code_has_a_bad_and_a_good_text() -> None:
    # The leak codes have their pairs in leak_cases.py (test_leaks.py).
    assert {pair.code for pair in PAIRS} | LEAK_CODES == set(CODES)
