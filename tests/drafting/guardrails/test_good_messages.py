"""Realistic good drafts pass with no finding at all: false positives cost reviewers' trust."""

from __future__ import annotations

import pytest

from assistant.drafting.guardrails import check_draft
from tests.drafting.guardrails.fixtures import CHECK_IN, GOOD, POLICY, UPSELL, Message, facts
from tests.drafting.guardrails.helpers import describe, run


@pytest.mark.parametrize("message", GOOD, ids=[m.id for m in GOOD])
def test_a_good_message_has_no_finding(message: Message) -> None:
    findings = check_draft(
        channel=message.channel,
        body=message.body,
        subject=message.subject,
        facts=message.facts,
        policy=POLICY,
    )

    assert findings == [], describe(findings)


def test_the_fixtures_cover_every_playbook_on_both_channels() -> None:
    covered = {(m.facts.get("playbook"), m.channel) for m in GOOD}

    for playbook in ("recognition", "check_in", "upsell", "re_engagement"):
        assert {(playbook, "sms"), (playbook, "email")} <= covered
    assert len(GOOD) >= 20


# Phrases that look like trouble to a careless pattern, each inside an otherwise good SMS.
INNOCENT = (
    "Fresh coffee is on its way",
    "Your cast iron will only get better",
    "We hope you're enjoying it",
    "Feel free to reply any time",
    "Sorry the lid broke on the old one",
    "Your order tracking number is in your confirmation email",
    "I'm 100% sure you'll love it",
    "We're here 24/7 if you need us",
    "Add 1/2 cup of water",
    "The Kenya AA Nyeri is a favourite here",
    "Reply HELP for help",
    "It holds temperature within 1 degree",
    "Great for a weeknight dinner",
    "Happy brewing",
    "Enjoy your weekend",
    "Take care",
    "It's been 5 days since it shipped, so it should be with you",
    "Hope it made your mornings better",
    "Thank you for being one of our favourite customers",
    "Any questions, just ask",
    "I'd love to see what you cook in it",
    "No pressure at all",
    "Our team packs every order by hand",
    "Thanks again for choosing us",
    "Wishing you a good week",
    "You were right about the old design",
    "You've spent 3 years with us and we're grateful",
    "You've moved on to the Reserve, great choice",
    "The skillet has found its new home in your kitchen",
    "Our new arrivals are in the shop whenever you fancy a look",
    "Hope the whole family enjoys it",
    "Cheers to your next cup",
)


@pytest.mark.parametrize(
    "closing",
    [
        " Warmly, Sam at Ember & Oak",
        " - Sam",
        " \u2014 The Ember & Oak team",
        "\nThe Ember & Oak Team",
        " Love, Sam x",
        " Sam @ Ember & Oak",
        " Best, Sam (Ember & Oak)",
        " :)",
        "\nReply STOP to opt out",
        " Text STOP to unsubscribe",
    ],
)
def test_a_message_may_end_with_any_usual_closing(closing: str) -> None:
    findings = run("Hi Maya, how is the skillet going?" + closing)

    assert "truncated" not in {f.code for f in findings}, describe(findings)


@pytest.mark.parametrize("phrase", INNOCENT)
def test_an_innocent_phrase_passes(phrase: str) -> None:
    findings = run(f"Hi Maya, {phrase}! Warmly, Sam")

    assert findings == [], describe(findings)


def test_the_upgrade_price_may_be_written_in_any_common_form() -> None:
    for price in ("$58", "$58.00", "58.00", "USD 58", "58 USD", "US$58", "58 dollars"):
        findings = run(f"Hi Maya, the upgrade is {price}. Warmly, Sam", receipt=facts(UPSELL))
        assert findings == [], (price, describe(findings))


@pytest.mark.parametrize(
    "when",
    [
        "on November 18",
        "on 18 November",
        "on Nov 18",
        "on Nov. 18th",
        "on the 18th of November",
        "on 11/18",
        "on 11/18/2026",
        "on 2026-11-18",
        "on 18.11.2026",
        "in November 2026",
        "on November 18, 2026",
    ],
)
def test_the_order_date_may_be_written_in_any_common_form(when: str) -> None:
    findings = run(f"Hi Maya, thanks for your order {when}. Warmly, Sam", receipt=facts(CHECK_IN))

    assert findings == [], describe(findings)
